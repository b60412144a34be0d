# ruff: noqa: E501 - long f-strings of the results notes
"""The 10-minute soak (figure 7), in its own process: one page on a running 1,000-step upgrade
whose steps a driver moves on every 3 s (as the engine would store them). Prints JSON.

python -m bench.soak UPGRADE_ID STEPS COOKIE SECONDS
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    upgrade_id, steps, cookie, seconds = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    from bench.stack import WEB, setup_django

    setup_django()
    from bench import data
    from bench.browser import chromium, new_page

    data.seed_events(upgrade_id, 150)  # hours into an upgrade, the timeline already holds its newest 100
    with chromium() as browser:
        page = new_page(browser, cookie)
        cdp = page.context.new_cdp_session(page)
        traffic = {"requests": 0, "bytes": 0, "statuses": {}}

        def finished(event):
            traffic["requests"] += 1
            traffic["bytes"] += event.get("encodedDataLength", 0)

        def responded(event):
            status = str(event["response"]["status"])
            traffic["statuses"][status] = traffic["statuses"].get(status, 0) + 1

        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.responseReceived", responded)
        cdp.send("Network.enable")
        page.goto(f"{WEB}/upgrades/{upgrade_id}/", wait_until="load")
        page.wait_for_function(f"document.querySelectorAll('svg.dag g.node').length >= {steps}")
        page.wait_for_timeout(3000)

        def heap() -> int:
            cdp.send("HeapProfiler.collectGarbage")
            return cdp.send("Runtime.getHeapUsage")["usedSize"]

        heap_start = heap()
        start_requests, start_bytes = traffic["requests"], traffic["bytes"]
        traffic["statuses"] = {}
        started = time.monotonic()
        next_step, changes, samples, dom, next_sample = started, 0, [], [], started + 60
        while time.monotonic() - started < seconds:
            if time.monotonic() >= next_step:
                data.advance(upgrade_id)
                changes += 1
                next_step += 3
            if time.monotonic() >= next_sample:
                samples.append(heap())  # after a forced GC, once a minute: a leak climbs, warm-up levels off
                counters = cdp.send("Memory.getDOMCounters")
                dom.append((counters["nodes"], counters["jsEventListeners"]))
                next_sample += 60
            page.wait_for_timeout(200)
        elapsed_min = (time.monotonic() - started) / 60
        heap_end = heap()
        page.wait_for_timeout(5000)  # one more page poll after the last change
        shown = page.evaluate(
            "[...document.querySelectorAll('svg.dag g.node[data-status=RUNNING]')].map(n => +n.dataset.stepId)"
        )
        from ocpdash.upgrades.models import UpgradeStep

        truth = list(
            UpgradeStep.objects.filter(upgrade_id=upgrade_id, status="RUNNING").values_list(
                "ocp_subtask_id", flat=True
            )
        )
        print(json.dumps({
            "minutes": elapsed_min,
            "requests_per_min": (traffic["requests"] - start_requests) / elapsed_min,
            "bytes_per_min": (traffic["bytes"] - start_bytes) / elapsed_min,
            "heap_start": heap_start, "heap_end": heap_end, "heap_per_minute": samples, "dom_per_minute": dom, "changes": changes,
            "statuses": traffic["statuses"], "running_nodes_at_end": shown, "running_in_db": truth,
        }))  # fmt: skip


if __name__ == "__main__":
    main()
