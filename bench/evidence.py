"""Figure 11: the evidence pack of a finished 1,000-step upgrade (ocpdash.upgrades.evidence): the
JSON (its queries) and the HTML, in the bench process, as the download view makes them.

Inside `make bench` (bench/__main__.run):

    figures.append(evidence.figure(evidence.finished(data.make_upgrade(1000))))

On its own, without the stack (a fresh SQLite database under var/bench-evidence/):

    python -m bench.evidence
"""

from __future__ import annotations

import statistics
import time

from bench.stack import offline_database

RUNS = 9
EVENTS_PER_STEP = 3  # running, successful, and one more (retries, faults, operator actions)
TARGET_MS, TARGET_QUERIES = 2000, 8


def finished(upgrade):
    """bench.data's 1,000-step upgrade as one that ran to the end, with the events a real one has."""
    from django.db.models import F
    from django.utils import timezone

    from bench import data
    from ocpdash.upgrades.models import State, Upgrade, UpgradeStep

    UpgradeStep.objects.filter(upgrade=upgrade).update(
        status="SUCCESSFUL", run_time=1, started_at=F("changed_at"), finished_at=timezone.now()
    )
    Upgrade.objects.filter(pk=upgrade.pk).update(state=State.SUCCESSFUL, finished_at=timezone.now())
    data.seed_events(upgrade.pk, EVENTS_PER_STEP * UpgradeStep.objects.filter(upgrade=upgrade).count())
    return upgrade


def _median_ms(call) -> tuple[float, list[float]]:
    call()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), times


def figure(upgrade):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.report import Figure
    from ocpdash.upgrades import evidence
    from ocpdash.upgrades.models import UpgradeEvent, UpgradeStep

    export_ms, export_runs = _median_ms(lambda: evidence.export(upgrade.pk))
    with CaptureQueriesContext(connection) as queries:
        pack = evidence.export(upgrade.pk)
    html_ms, html_runs = _median_ms(
        lambda: evidence.render_html(pack, exported_by="bench", exported_at=timezone.now())
    )
    html = evidence.render_html(pack, exported_by="bench", exported_at=timezone.now())
    total = export_ms + html_ms
    steps = UpgradeStep.objects.filter(upgrade=upgrade).count()
    events = UpgradeEvent.objects.filter(upgrade=upgrade).count()
    return Figure(
        "11",
        f"Evidence pack of a {steps:,}-step upgrade: JSON / HTML, median",
        f"{export_ms:.0f} / {html_ms:.0f} ms ({total:.0f} ms in all); {len(queries)} queries",
        f"≤ {TARGET_MS} ms in all, ≤ {TARGET_QUERIES} queries",
        total <= TARGET_MS and len(queries) <= TARGET_QUERIES,
        [
            f"In the bench process, median of {RUNS} after a warm-up: reading and building the JSON "
            f"({', '.join(f'{t:.0f}' for t in export_runs)} ms), then the HTML with its SVG "
            f"({', '.join(f'{t:.0f}' for t in html_runs)} ms). {steps:,} steps, {events:,} events; "
            f"JSON {len(pack.body) / 1e6:.2f} MB, HTML {len(html.encode()) / 1e6:.2f} MB.",
        ],
    )


def main() -> None:
    offline_database("bench-evidence")
    from bench import data
    from bench.report import table

    result = figure(finished(data.make_upgrade(1000)))
    print(table([result]))
    print("\n".join(result.notes))


if __name__ == "__main__":
    main()
