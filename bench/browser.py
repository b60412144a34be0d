"""Figures 3 and 7 in real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager
from pathlib import Path

from bench.stack import WEB

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
HERE = Path(__file__).resolve().parent

# Records the first time each (step, status) is in the DOM: attribute changes and swapped-in nodes.
OBSERVER = """
window.__seen = []; const key = new Set();
function note(el) {
  if (!el.matches || !el.matches('g.node')) return;
  const k = el.dataset.stepId + ':' + el.dataset.status;
  if (!key.has(k)) { key.add(k); window.__seen.push([+el.dataset.stepId, el.dataset.status, Date.now()]); }
}
new MutationObserver(records => {
  for (const r of records) {
    if (r.type === 'attributes') note(r.target);
    for (const n of r.addedNodes || []) {
      if (n.nodeType !== 1) continue;
      note(n); n.querySelectorAll('g.node').forEach(note);
    }
  }
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-status']});
"""


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, cookie: str, init_script: str | None = None):
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": WEB}])
    if init_script:
        context.add_init_script(init_script)
    return context.new_page()


def drawn_time(page, url: str, steps: int) -> float:
    """Milliseconds from navigation start until every node carries its status and a frame is painted."""
    page.goto(url, wait_until="domcontentloaded")
    # One evaluated function that checks every frame. (wait_for_function's in-page polling, which it
    # falls back to when the first check fails on a busy machine, evaluates a string: the page's CSP
    # forbids that.)
    return page.evaluate(
        """steps => new Promise(resolve => {
          const check = () => document.querySelectorAll('svg.dag g.node[data-status]').length >= steps
            ? requestAnimationFrame(() => setTimeout(() => resolve(performance.now())))
            : requestAnimationFrame(check);
          check();
        })""",
        steps,
    )


def load_times(browser, cookie: str, upgrades: dict[int, object]) -> dict[int, list[float]]:
    page = new_page(browser, cookie)
    result = {}
    for steps, upgrade in upgrades.items():
        url = f"{WEB}/upgrades/{upgrade.pk}/"
        drawn_time(page, url, steps)  # warm-up
        result[steps] = [drawn_time(page, url, steps) for _ in range(5)]
        if steps == max(upgrades):
            page.screenshot(path=str(HERE / f"dag-{steps}-steps.png"))
    page.context.close()
    return result


def median(values) -> float:
    return statistics.median(values)


def watch(browser, cookie: str, upgrade_ids: list[int]):
    """One page (own context) per upgrade with the DOM observer; returns (page, loaded_at) pairs."""
    pages = []
    for upgrade_id in upgrade_ids:
        page = new_page(browser, cookie, OBSERVER)
        page.goto(f"{WEB}/upgrades/{upgrade_id}/", wait_until="load")
        pages.append((page, time.time()))
    return pages
