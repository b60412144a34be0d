"""The status colours as static/css/ocpdash.css defines them (``.st-running { --c: …; --bg: … }``),
for SVG drawn with presentation attributes: it then looks the same on the page, where the CSP allows
no inline style, and in a file read without the stylesheet (the evidence pack). One definition: the
stylesheet's."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders

# --t (the text colour, darker for contrast) may follow; SVG draws with --c and --bg only.
_RULE = re.compile(
    r"\.st-([a-z_]+)\s*\{\s*--c:\s*(#[0-9a-fA-F]{3,8});\s*--bg:\s*(#[0-9a-fA-F]{3,8});(?:\s*--t:[^;]*;)?\s*\}"
)
FALLBACK = ("#667085", "#ffffff")  # .st-unknown's


@cache
def colours() -> dict[str, tuple[str, str]]:
    """CSS class suffix (``running``, ``rolled_back``…) → (line colour, fill colour)."""
    found = finders.find("css/ocpdash.css")
    text = Path(found).read_text() if found else ""
    return {name: (line, fill) for name, line, fill in _RULE.findall(text)}


def of(css_class: str) -> tuple[str, str]:
    """The colours of a status class as ``status_class`` names it (``st-running``)."""
    return colours().get(css_class.removeprefix("st-"), FALLBACK)
