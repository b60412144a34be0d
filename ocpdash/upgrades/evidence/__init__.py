"""The evidence pack of an upgrade: everything a change ticket or an auditor asks about, exported as
canonical JSON and as one self-contained HTML file that states the JSON's SHA-256.

- ``export(upgrade_id)`` reads the upgrade in a fixed number of queries (collect.py) and returns a
  :class:`Pack`: the data, its canonical JSON bytes and their SHA-256.
- ``render_html(pack, ...)`` (render.py) draws the HTML: inline styles, the DAG and the Gantt as
  inline SVG (svg.py), no script, the canonical JSON embedded byte for byte.
- ``verify(content)`` checks an exported HTML or JSON file.

**Canonical JSON**: ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True)`` with
``<``, ``>`` and ``&`` written as ``\\u003c``, ``\\u003e``, ``\\u0026`` (they only occur inside
strings, so the bytes decode to the same data and can sit inside HTML as they are). The JSON holds
no export time: the same upgrade at the same revision always gives the same bytes and hash. The HTML
says who exported it and when, outside the hashed JSON.

Verify with ``sha256sum ocpdash-upgrade-N-evidence.json``, or ``manage.py evidence --verify FILE``
for either file. Site credentials are never read into the pack; any text that still carries a
site's password or AccessKey secret (an OCP message echoing it, say) is redacted before hashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from ocpdash.upgrades.evidence.collect import FORMAT, FORMAT_VERSION, collect

__all__ = ["FORMAT", "FORMAT_VERSION", "Pack", "Verdict", "canonical_json", "export", "render_html", "verify"]

JSON_ELEMENT_ID = "evidence-json"
SHA_META = "ocpdash-evidence-sha256"
_EMBEDDED = re.compile(
    rb'<script type="application/json" id="' + JSON_ELEMENT_ID.encode() + rb'">(.*?)</script>', re.S
)
_STATED = re.compile(rb'<meta name="' + SHA_META.encode() + rb'" content="([0-9a-f]{64})">')


def canonical_json(data: dict) -> bytes:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("ascii")


@dataclass(frozen=True)
class Pack:
    upgrade_id: int
    data: dict
    body: bytes  # the canonical JSON
    sha256: str

    def filename(self, extension: str) -> str:
        return f"ocpdash-upgrade-{self.upgrade_id}-evidence.{extension}"


def export(upgrade_id: int) -> Pack:
    """The pack of an upgrade as it is now. Raises Upgrade.DoesNotExist."""
    data = collect(upgrade_id)
    body = canonical_json(data)
    return Pack(upgrade_id, data, body, hashlib.sha256(body).hexdigest())


def render_html(pack: Pack, *, exported_by: str, exported_at: datetime) -> str:
    from ocpdash.upgrades.evidence.render import render

    return render(pack, exported_by=exported_by, exported_at=exported_at)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    sha256: str
    message: str


def verify(content: bytes, expected: str | None = None) -> Verdict:
    """Check an exported file: an HTML pack's embedded JSON against the SHA-256 it states, or a JSON
    file for being canonical. ``expected`` (a SHA-256 from the HTML or the ticket) must match too;
    without it a JSON file can only be said to be canonical, with its SHA-256 to compare."""
    embedded = _EMBEDDED.search(content)
    body = embedded.group(1) if embedded else content
    digest = hashlib.sha256(body).hexdigest()
    if embedded:
        stated = _STATED.search(content)
        if not stated:
            return Verdict(False, digest, "The HTML states no SHA-256.")
        if stated.group(1).decode() != digest:
            return Verdict(
                False, digest, f"The embedded JSON's SHA-256 is {digest}, not the one the HTML states."
            )
    if expected and expected.strip().lower() != digest:
        return Verdict(False, digest, f"The JSON's SHA-256 is {digest}, not {expected.strip()}.")
    what = "The embedded JSON matches the SHA-256 the HTML states" if embedded else "Canonical evidence JSON"
    return _canonical_verdict(body, digest, what + (" and the one expected" if expected else ""))


def _canonical_verdict(body: bytes, digest: str, what: str) -> Verdict:
    try:
        data = json.loads(body)
    except ValueError:
        return Verdict(False, digest, "Not JSON, and no evidence pack HTML.")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return Verdict(False, digest, "Not an ocpdash evidence pack.")
    if canonical_json(data) != body:
        return Verdict(False, digest, "The JSON is not in canonical form (edited or re-serialised).")
    return Verdict(True, digest, f"{what}: SHA-256 {digest}.")
