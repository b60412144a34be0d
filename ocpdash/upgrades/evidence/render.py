"""The evidence pack as one HTML file (templates/evidence/pack.html): inline styles, inline SVG, no
script, laid out for A4 when printed. The template escapes every value; the SVG comes escaped from
svg.py, and the embedded JSON is the canonical bytes, which hold no ``<``, ``>`` or ``&``."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core import phrases
from ocpdash.upgrades.evidence import JSON_ELEMENT_ID, SHA_META, Pack
from ocpdash.upgrades.evidence.svg import GLYPHS, dag_sections, gantt_figures, status_class
from ocpdash.upgrades.models import UpgradeEvent

TEMPLATE = "evidence/pack.html"


def render(pack: Pack, *, exported_by: str, exported_at: datetime) -> str:
    data = pack.data
    dags = dag_sections(data)
    for section in dags:
        section.figures = [mark_safe(f) for f in section.figures]  # noqa: S308 - escaped in svg.py
    embedded = pack.body.decode("ascii")
    texts = {e["id"]: _text(e) for e in data["events"]}
    assert "<" not in embedded and ">" not in embedded  # canonical_json guarantees it
    context = {
        "d": data,
        "u": data["upgrade"],
        "pack": pack,
        "sha_meta": SHA_META,
        "json_id": JSON_ELEMENT_ID,
        "json_name": pack.filename("json"),
        "html_name": pack.filename("html"),
        "exported_by": exported_by,
        "exported_at": clock(exported_at.astimezone(UTC).isoformat()),
        "as_of": clock(data["as_of"]),
        "times": {
            key: clock(data["upgrade"][key]) for key in ("requested_at", "submitted_at", "finished_at")
        },
        "dags": dags,
        "gantt": [mark_safe(f) for f in gantt_figures(data)],  # noqa: S308 - escaped in svg.py
        "steps": [_step_row(s) for s in data["steps"]],
        "events": [_event_row(e) for e in data["events"]],
        "approvals": [
            {
                **a,
                "at": clock(a["at"]),
                "voided_at": clock(a["voided_at"]),
                "void_reason": _said(a, "void_reason"),
            }
            for a in data["approvals"]["decisions"]
        ],
        "said": {
            "start_note": _said(data["upgrade"]["start"], "note"),
            "last_error": _said(data["upgrade"], "last_error"),
            "ocp_fault": _said(data["upgrade"], "ocp_fault"),
        },
        "checks": [
            {**c, "message": _said(c, "message")} for c in (data.get("precheck") or {}).get("checks", [])
        ],
        "faults": [
            {
                **f,
                "at": clock(f["at"]),
                "kind": _kind(f["kind"]),
                "message": texts.get(f["event"], f["message"]),
            }
            for f in data["faults"]
        ],
        "people": [
            {
                **p,
                "did": [_did(d) for d in p["did"]],
                "first_at": clock(p["first_at"]),
                "last_at": clock(p["last_at"]),
            }
            for p in data["people"]
        ],
        "comments": [{**c, "at": clock(c["at"])} for c in data["comments"]],
        "sign_off": {**data["sign_off"], "at": clock(data["sign_off"]["at"])} if data["sign_off"] else None,
        "embedded_json": mark_safe(embedded),  # noqa: S308 - canonical JSON: no <, > or &
    }
    return render_to_string(TEMPLATE, context)


def clock(moment: str | None) -> str:
    """'2026-03-07 01:02:03' (UTC, as the pack says at its top); empty for none."""
    return datetime.fromisoformat(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)sh %(m)02dm %(s)02ds") % {"h": hours, "m": minutes, "s": secs}
    if minutes:
        return _("%(m)sm %(s)02ds") % {"m": minutes, "s": secs}
    return _("%(s)ss") % {"s": secs}


def _step_row(step: dict) -> dict:
    operations = [
        _("%(operation)s %(outcome)s by %(by)s at %(at)s")
        % {"operation": _did(o["operation"] or "operation"), "outcome": _did(o["outcome"]),
           "by": o["by"] or "ocpdash", "at": clock(o["at"])}
        + (f" ({o['reason']})" if o["reason"] else "")
        for o in step["operations"]
    ]  # fmt: skip
    return {
        "task_id": step["task_id"],
        "subtask_id": step["subtask_id"],
        "name": step["name"],
        "status": step["display_status"],
        "css": status_class(step["display_status"]),
        "glyph": GLYPHS.get(step["display_status"], "?"),
        "started": clock(step["started_at"]),
        "finished": clock(step["finished_at"]),
        "took": duration(step["duration_seconds"]),
        "runs": step["runs"],
        "changes": len(step["changes"]),
        "operations": operations,
    }


# The words the JSON records for who did what (timeline.people_rows, step operations), as read.
DID = {
    "requested": gettext_lazy("requested"),
    "approved": gettext_lazy("approved"),
    "declined": gettext_lazy("declined"),
    "approved (void)": gettext_lazy("approved (void)"),
    "declined (void)": gettext_lazy("declined (void)"),
    "commented": gettext_lazy("commented"),
    "signed off": gettext_lazy("signed off"),
    "operated": gettext_lazy("operated"),
    "operation": gettext_lazy("operation"),
    "accepted": gettext_lazy("accepted"),
    "approve": gettext_lazy("approve"),
    "decline": gettext_lazy("decline"),
    "retry": gettext_lazy("retry"),
    "rollback": gettext_lazy("roll back"),
    "skip": gettext_lazy("skip"),
    "cancel": gettext_lazy("cancel"),
    "close": gettext_lazy("close"),
    "resubmit": gettext_lazy("retry the submission"),
}


def _did(word: str) -> str:
    return str(DID.get(word, word))


def _said(record: dict, key: str) -> str:
    """A sentence of the pack (``key``, with its phrase at ``key + "_phrase"`` when it has one) in the
    reader's language."""
    return phrases.read(record[key], record.get(f"{key}_phrase"))


def _text(event: dict) -> str:
    """An event's message in the reader's language (the JSON keeps the English and the phrase)."""
    return phrases.read(event["message"], (event["data"] or {}).get("phrase"))


def _kind(kind: str) -> str:
    """An event's kind as the reader says it (the JSON keeps the code)."""
    return str(UpgradeEvent.Kind(kind).label) if kind in UpgradeEvent.Kind.values else kind


def _event_row(event: dict) -> dict:
    return {
        "id": event["id"],
        "at": clock(event["at"]),
        "by": event["by"] or "ocpdash",
        "kind": _kind(event["kind"]),
        "message": _text(event),
        "step": event["subtask_id"],
        "trace_id": (event["data"] or {}).get("trace_id", ""),
    }
