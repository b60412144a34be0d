"""Figures 12a and 12b: the upgrade page's Gantt view and replay (issue 17) in headless Chromium.

- 12a: navigation → the Gantt of a running 1,000-step upgrade drawn (a row per step, a frame
  painted), median of 5 warm loads, as figure 7a measures the graph.
- 12b: replay scrubbing on a finished 1,000-step upgrade: from the slider's input event to the
  redrawn graph and overview settled and painted, median over positions across the upgrade.

Inside `make bench` (bench/__main__.run, in the browser part):

    figures += views.figures(chromium, cookie, upgrades[1000], data.make_finished_upgrade(1000))

On its own (a fresh database under var/bench-views/, gunicorn on the bench's port, no worker):

    python -m bench.views [--soak SECONDS]

which also measures 7a and, with ``--soak``, a soak as long as asked for (7b/7c's method), to see
that this page's additions keep them met.
"""

from __future__ import annotations

import argparse
import statistics

GANTT_TARGET_MS, SCRUB_TARGET_MS = 2000, 1000
SCRUBS = 12

GANTT_DRAWN = """steps => new Promise(resolve => {
  const check = () => document.querySelectorAll('svg.gantt g.row').length >= steps
    ? requestAnimationFrame(() => setTimeout(() => resolve(performance.now())))
    : requestAnimationFrame(check);
  check();
})"""
# From the slider's input event to the first frame after htmx settled the redrawn graph.
SCRUB = """at => new Promise(resolve => {
  const slider = document.getElementById('replay-at');
  const started = performance.now();
  const done = event => {
    if (event.target.id !== 'dag') return;
    document.removeEventListener('htmx:afterSettle', done);
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
  };
  document.addEventListener('htmx:afterSettle', done);
  slider.value = at;
  slider.dispatchEvent(new Event('input', {bubbles: true}));
})"""


def gantt_times(browser, cookie: str, upgrade, steps: int = 1000) -> list[float]:
    from bench.browser import new_page
    from bench.stack import WEB

    page = new_page(browser, cookie)
    url = f"{WEB}/upgrades/{upgrade.pk}/?view=gantt"
    times = []
    for _ in range(6):  # one warm-up, then five
        page.goto(url, wait_until="domcontentloaded")
        times.append(page.evaluate(GANTT_DRAWN, steps))
    page.context.close()
    return times[1:]


def scrub_times(browser, cookie: str, upgrade) -> list[float]:
    from bench.browser import new_page
    from bench.stack import WEB

    page = new_page(browser, cookie)
    page.goto(f"{WEB}/upgrades/{upgrade.pk}/", wait_until="load")
    start, end = upgrade.submitted_at.timestamp(), upgrade.finished_at.timestamp()
    moments = [int(start + (end - start) * (i + 0.5) / SCRUBS) for i in range(SCRUBS)]
    page.evaluate(SCRUB, moments[-1])  # warm-up
    times = [page.evaluate(SCRUB, at) for at in moments]
    page.context.close()
    return times


def gantt_render_ms(upgrade) -> list[float]:
    """The Gantt's server side alone (schedule from the ETA, SVG), in this process, uncached."""
    import time

    from django.utils import timezone

    from ocpdash.web import gantt, snapshot

    times = []
    for _ in range(5):
        started = time.perf_counter()
        drawn = snapshot.picture(upgrade).gantt(now=timezone.now())
        gantt.body_svg(drawn, "/upgrades/1/")
        times.append((time.perf_counter() - started) * 1000)
    return times


def figures(browser, cookie: str, running, finished) -> list:
    from bench.report import Figure
    from ocpdash.upgrades.models import UpgradeEvent

    steps = running.steps.count()
    gantt = gantt_times(browser, cookie, running, steps)
    server = gantt_render_ms(running)
    scrubs = scrub_times(browser, cookie, finished)
    events = UpgradeEvent.objects.filter(upgrade=finished, kind="step").count()
    g, s = statistics.median(gantt), statistics.median(scrubs)
    return [
        Figure(
            "12a", f"Gantt view of {steps:,} steps drawn, median of 5 warm loads", f"{g:.0f} ms",
            f"≤ {GANTT_TARGET_MS} ms", g <= GANTT_TARGET_MS,
            [f"Headless Chromium, performance.now() (from navigation start) at the first frame after every "
             f"row of svg.gantt is in the DOM, after one warm-up load (the page's markup is shared per "
             f"revision, as for 7a): {', '.join(f'{t:.0f}' for t in gantt)} ms. The server's part uncached "
             f"(ETA schedule from the history, then the SVG), in the bench process: "
             f"{', '.join(f'{t:.0f}' for t in server)} ms."],
        ),
        Figure(
            "12b", f"Replay scrubbing at {finished.steps.count():,} steps, ms per redraw (median)",
            f"{s:.0f} ms", f"≤ {SCRUB_TARGET_MS} ms", s <= SCRUB_TARGET_MS,
            [f"Headless Chromium on a finished upgrade: from the slider's input event to the first frame "
             f"after htmx settled the graph and overview as they were then (one request, {events:,} step "
             f"events replayed), at {SCRUBS} moments across the upgrade after one warm-up: "
             f"{', '.join(f'{t:.0f}' for t in scrubs)} ms."],
        ),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--soak", type=float, default=0, help="seconds of soak (7b/7c's method); 0: none")
    args = parser.parse_args()
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    os.environ["BENCH_VAR"] = str(Path(__file__).resolve().parents[1] / "var" / "bench-views")
    from bench import stack as stack_module

    stack_module.fresh_var()
    stack_module.setup_django()
    from bench import browser, data
    from bench.__main__ import _load_figure, _soak_figures
    from bench.httpload import session_cookie
    from bench.report import table

    stack = stack_module.Stack()
    stack_module.prepare_database()
    try:
        stack.start_web()
        cookie = session_cookie()
        running = {n: data.make_upgrade(n) for n in (300, 1000)}
        finished = data.make_finished_upgrade(1000)
        soak_upgrade = data.make_upgrade(1000) if args.soak else None
        with browser.chromium() as chromium:
            result = [_load_figure(browser.load_times(chromium, cookie, running))]
            result += figures(chromium, cookie, running[1000], finished)
        print(table(result), flush=True)
        if soak_upgrade is not None:
            argv = [sys.executable, "-m", "bench.soak", str(soak_upgrade.pk), "1000", cookie, str(args.soak)]
            out = subprocess.run(argv, capture_output=True, text=True, env=stack.env, check=True).stdout
            result += _soak_figures(json.loads(out.strip().splitlines()[-1]), quick=args.soak < 600)
    finally:
        stack.stop_all()
    print(table(result))
    print("\n".join(f"- {f.key}: {note}" for f in result for note in f.notes))


if __name__ == "__main__":
    main()
