"""Sentences written now and read later, in the reader's language: timeline events, notification reasons.

An engine worker writes ``phrase("Upgrade failed: %(error)s", error=...)``: a :class:`Phrase`, which is
the English sentence (a ``str``: logs, the database's ``message`` column and ``==`` see English) that
also keeps its msgid and parameters. ``Phrase.spec`` is that as JSON, stored next to the English text
(an event's ``data["phrase"]``); :func:`render` translates a spec into the active language when a page,
the API, the evidence pack or a notification shows it. A parameter may itself be a phrase (translated
too), a word the catalogue already has (:func:`known`: a state's label, OCP's step status) or plain
text (a name, OCP's own message: shown as it is).

Spec, as JSON: a string (shown as it is), ``{"msgid", "params", "msgctxt"?}`` (translated, then its
parameters filled in), ``{"parts": [...], "sep"?}`` (specs joined by spaces, or by ``sep``) or
``{"at": ISO 8601, "tz": zone}`` (an instant on the wall clock of ``tz``, in the reader's date format:
:func:`moment`).

A sentence kept in a model's text column (an upgrade's ``start_note``, ``last_error``, ``ocp_fault``)
has its spec in a JSON column next to it, ``<column>_spec``: :func:`columns` gives both for a write,
and :class:`Said` reads them back on the model.

``phrase`` is a gettext keyword: makemessages extracts its first argument (see
ocpdash/core/management/commands/makemessages.py), and the catalogue test checks it has a zh-Hans entry.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import dateformat, translation
from django.utils.translation import gettext, gettext_noop, pgettext

Spec = str | int | float | dict[str, Any]


class Phrase(str):
    """The English text of a sentence that knows how to say itself in another language."""

    spec: dict[str, Any]

    def __new__(cls, spec: dict[str, Any]) -> Phrase:
        text = super().__new__(cls, _render(spec, _english))
        text.spec = spec
        return text

    def translated(self) -> str:
        return render(self.spec)


def phrase(msgid: str, /, **params: Any) -> Phrase:
    """A sentence marked for translation, with its %(name)s parameters (str, numbers or phrases)."""
    return Phrase({"msgid": msgid, "params": {key: spec_of(value) for key, value in params.items()}})


def known(word: str, msgctxt: str | None = None) -> Phrase:
    """A word decided at run time whose msgid the catalogue has already (ocpdash.web.terms)."""
    return Phrase({"msgid": str(word), "params": {}, **({"msgctxt": msgctxt} if msgctxt else {})})


def joined(*parts: str, sep: str = " ") -> Phrase:
    """Sentences (phrases or plain text) one after the other, or a list (``sep=", "``); empty ones
    left out."""
    return Phrase(
        {"parts": [spec_of(part) for part in parts if part], **({"sep": sep} if sep != " " else {})}
    )


def moment(instant: datetime, time_zone: str, *, style: str = "full", zone: bool = True) -> Phrase:
    """An instant as the wall clock of ``time_zone`` reads it, in the reader's date format: "Sat 5
    Dec 01:00 Asia/Shanghai" in English, "12月5日 星期六 01:00 Asia/Shanghai" in Chinese. ``style``:
    one of MOMENT_FORMATS (``weekday``: "Sun 05:00", ``time``: "05:00", ``day``: "Sunday"); ``zone``:
    the zone's name after it."""
    spec: dict[str, Any] = {
        "at": instant.astimezone(zoneinfo.ZoneInfo(time_zone)).isoformat(),
        "tz": time_zone,
    }
    if style != "full":
        spec["style"] = style
    if not zone:
        spec["zone"] = False
    return Phrase(spec)


def columns(name: str, value: str, limit: int | None = None) -> dict[str, Any]:
    """A sentence (a phrase or plain text) as the two columns that keep it, for ``update()`` or a
    model's constructor: ``name`` (the English text, cut to ``limit``) and ``<name>_spec``."""
    text = str(value)
    spec = value.spec if isinstance(value, Phrase) and text else None
    return {name: text[:limit] if limit else text, f"{name}_spec": spec}


class Said:
    """A model's text column kept with its spec (:func:`columns`), read back: in the reader's
    language (``start_note_text = Said("start_note")``) or, ``as_written``, a phrase again (to put in
    another sentence). Text written without a spec (older rows, OCP's words) reads as it is."""

    def __init__(self, column: str, *, as_written: bool = False) -> None:
        self.column, self.as_written = column, as_written

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        text, spec = getattr(instance, self.column), getattr(instance, f"{self.column}_spec")
        return kept(text, spec) if self.as_written else read(text, spec)


def read(text: str, spec: Spec | None) -> str:
    """A sentence kept as its English and its spec (a column pair, a stored plan's or pack's key pair)
    in the reader's language; without a spec (older data, OCP's words), the text as it is."""
    return render(spec, text) if text and spec else text


def kept(text: str, spec: Spec | None) -> str:
    """A sentence read back from its two columns (:func:`columns`): a phrase again, or plain text."""
    return Phrase(spec) if text and isinstance(spec, dict) else text


def spec_of(value: Any) -> Spec:
    """What JSON keeps of a parameter: a phrase's spec, a number, or the text."""
    if isinstance(value, Phrase):
        return value.spec
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return value


def render(spec: Spec, fallback: str = "") -> str:
    """A stored spec in the active language; ``fallback`` (the English text) if the spec is unusable."""
    try:
        return _render(spec, _translate)
    except (KeyError, TypeError, ValueError):
        return fallback or str(spec)


def translated(text: str) -> str:
    """A phrase in the active language; any other text as it is."""
    return text.translated() if isinstance(text, Phrase) else text


def _english(msgid: str, msgctxt: str | None) -> str:
    return msgid


def _translate(msgid: str, msgctxt: str | None) -> str:
    return pgettext(msgctxt, msgid) if msgctxt else gettext(msgid)


# The wall-clock formats of a moment: msgids, so each language orders day, month and weekday its own way
# (Django's date format letters: D weekday, j day, M month, n its number, H:i time; the names come from
# Django's own catalogue).
MOMENT_FORMATS = {
    "full": gettext_noop("D j M H:i"),
    "weekday": gettext_noop("D H:i"),
    "time": "H:i",
    "day": "l",
}


def _moment(spec: dict[str, Any], say: Callable[[str, str | None], str]) -> str:
    local = datetime.fromisoformat(spec["at"]).astimezone(zoneinfo.ZoneInfo(spec["tz"]))
    form = MOMENT_FORMATS[spec.get("style", "full")]
    if say is _english:  # English names of days and months whatever language is active
        with translation.override("en"):
            text = dateformat.format(local, form)
    else:
        text = dateformat.format(local, say(form, None))
    return f"{text} {spec['tz']}" if spec.get("zone", True) else text


def _render(spec: Spec, say: Callable[[str, str | None], str]) -> str:
    if not isinstance(spec, dict):
        return str(spec)
    if "at" in spec:
        return _moment(spec, say)
    if "parts" in spec:
        return spec.get("sep", " ").join(_render(part, say) for part in spec["parts"])
    text = say(spec["msgid"], spec.get("msgctxt"))
    params = spec.get("params")
    if not params:
        return text
    return text % {
        key: _render(value, say) if isinstance(value, dict) else value for key, value in params.items()
    }
