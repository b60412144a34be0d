# ruff: noqa: E501 - long f-strings of the results notes
"""The table: figure, measured value, target, met or not; printed and written to bench/results.md."""

from __future__ import annotations

import os
import platform
import subprocess
import timeit
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.md"


@dataclass
class Figure:
    key: str
    name: str
    value: str
    target: str
    met: bool | None  # None: a figure that is reported, with no target
    notes: list[str] = field(default_factory=list)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    return (f"{os.cpu_count()} CPU ({cpu}), {mem:.1f} GiB RAM, {platform.platform()}, "
            f"Python {platform.python_version()}, {' '.join(wrk) or 'wrk ?'}; "
            f"CPU reference {cpu_reference():.1f} ms")  # fmt: skip


def cpu_reference() -> float:
    """``sum(range(10**6))`` in ms, best of 5, after the stack has stopped: one core's Python speed, so
    absolute times (2b, 5, 7a) can be compared between the machines that runs happened on."""
    return min(timeit.repeat("sum(range(10**6))", number=20, repeat=5)) / 20 * 1000


def table(figures: list[Figure]) -> str:
    lines = ["| # | Figure | Measured | Target | Met |", "|---|---|---|---|---|"]
    for f in figures:
        met = "—" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(f"| {f.key} | {f.name} | {f.value} | {f.target} | {met} |")
    return "\n".join(lines)


def write(figures: list[Figure], command: str, seconds: float, method: str, quick: bool) -> str:
    notes = "\n".join(f"- **{f.key} {f.name}**: {n}" for f in figures for n in f.notes)
    text = f"""# ocpdash benchmark results

Written by `make bench` ({"**--quick: a shortened development run, not the committed figures**" if quick else "full run"}).

- Command: `{command}`
- Machine: {machine()}
- Total run time: {seconds / 60:.1f} min

{table(figures)}

## Measurements behind the figures

{notes}

{method}
"""
    RESULTS.write_text(text)
    return text
