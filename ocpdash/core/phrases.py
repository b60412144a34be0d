"""Sentences written now and read later, in the reader's language: timeline events, notification reasons.

An engine worker writes ``phrase("Upgrade failed: %(error)s", error=...)``: a :class:`Phrase`, which is
the English sentence (a ``str``: logs, the database's ``message`` column and ``==`` see English) that
also keeps its msgid and parameters. ``Phrase.spec`` is that as JSON, stored next to the English text
(an event's ``data["phrase"]``); :func:`render` translates a spec into the active language when a page,
the API, the evidence pack or a notification shows it. A parameter may itself be a phrase (translated
too), a word the catalogue already has (:func:`known`: a state's label, OCP's step status) or plain
text (a name, OCP's own message: shown as it is).

Spec, as JSON: a string (shown as it is), ``{"msgid", "params", "msgctxt"?}`` (translated, then its
parameters filled in) or ``{"parts": [...], "sep"?}`` (specs joined by spaces, or by ``sep``).

``phrase`` is a gettext keyword: makemessages extracts its first argument (see
ocpdash/core/management/commands/makemessages.py), and the catalogue test checks it has a zh-Hans entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext, pgettext

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


def _render(spec: Spec, say: Callable[[str, str | None], str]) -> str:
    if not isinstance(spec, dict):
        return str(spec)
    if "parts" in spec:
        return spec.get("sep", " ").join(_render(part, say) for part in spec["parts"])
    text = say(spec["msgid"], spec.get("msgctxt"))
    params = spec.get("params")
    if not params:
        return text
    return text % {
        key: _render(value, say) if isinstance(value, dict) else value for key, value in params.items()
    }
