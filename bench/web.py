"""Figures 1, 2 and 5: the cost of the live poll, the upgrade page and the history list."""

from __future__ import annotations

import statistics
import time
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.httpload import wrk
from bench.report import Figure
from bench.stack import WEB
from ocpdash.upgrades.models import Upgrade

ROUNDS = 3


def status_of(path: str, cookie: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback
        WEB + path, headers={"Cookie": f"sessionid={cookie}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(_NoRedirect))


def throughput(poll_upgrade, page_upgrade, cookie: str, seconds: float) -> list[Figure]:
    """Bare view, unchanged poll and 50-step page, alternately, ROUNDS times each."""
    paths = {
        "bare": "/bench/bare/",
        "poll": f"/upgrades/{poll_upgrade.pk}/poll/?v={poll_upgrade.revision}&at={time.time():.3f}&n=1&e=0",
        "page": f"/upgrades/{page_upgrade.pk}/",
    }
    expected = {"bare": 200, "poll": 204, "page": 200}
    for name, path in paths.items():
        got = status_of(path, cookie)
        if got != expected[name]:
            raise RuntimeError(f"{path} answered {got}, expected {expected[name]}")
    runs: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(ROUNDS):
        for name, path in paths.items():
            result = wrk(path, cookie, seconds)
            if result["non2xx"] or result["errors"]:
                raise RuntimeError(f"wrk {path}: {result}")
            runs[name].append(result["rps"])
    bare = sum(runs["bare"])
    poll_ratio, page_ratio = sum(runs["poll"]) / bare, sum(runs["page"]) / bare
    detail = "; ".join(f"{n}: " + ", ".join(f"{r:.0f}" for r in v) + " req/s" for n, v in runs.items())
    how = (f"wrk -t1 -c8, {seconds:g} s per run, {ROUNDS} rounds alternating bare → poll → page, "
           f"ratio of summed req/s. Runs: {detail}")  # fmt: skip
    return [
        Figure("1", "Unchanged poll (204) / bare view throughput", f"{poll_ratio:.2f}", "≥ 0.6",
               poll_ratio >= 0.6, [how]),
        Figure("2a", "50-step upgrade page / bare view throughput", f"{page_ratio:.2f}", "≥ 0.2",
               page_ratio >= 0.2, ["Same wrk runs as figure 1."]),
    ]  # fmt: skip


def _client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="viewer"))
    return client


def page_render(small, large, repeats: int = 9) -> list[Figure]:
    """Server-side render of the 1,000-step page (in-process, full middleware) and SQL counts."""
    client = _client()
    client.get("/")  # a session's first request saves it (its last activity): not what a page costs
    counts = {}
    for upgrade in (small, large):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/upgrades/{upgrade.pk}/")
        assert response.status_code == 200, response.status_code
        counts[upgrade.steps.count()] = len(ctx.captured_queries)
    times = []
    for _ in range(repeats):
        # A new revision each time, as after a step change: a full render, never the shared cache.
        Upgrade.objects.filter(pk=large.pk).update(revision=F("revision") + 1)
        start = time.perf_counter()
        response = client.get(f"/upgrades/{large.pk}/")
        times.append(time.perf_counter() - start)
    median = statistics.median(times) * 1000
    size = len(response.content)
    (n_small, q_small), (n_large, q_large) = sorted(counts.items())
    return [
        Figure("2b", "1,000-step page server render, median", f"{median:.0f} ms", "≤ 300 ms", median <= 300,
               [f"django.test.Client in the bench process, session login, {repeats} renders after one "
                f"warm-up, each after a revision bump (so none is served from the page's markup cache): "
                f"{', '.join(f'{t * 1000:.0f}' for t in times)} ms; page {size / 1024:.0f} kB."]),
        Figure("2c", "SQL queries: 5-step page vs 1,000-step page", f"{q_small} vs {q_large}", "equal",
               q_small == q_large,
               [f"CaptureQueriesContext around one GET of each page ({n_small} and {n_large} steps)."]),
    ]  # fmt: skip


def history(cluster_id: int, count: int, repeats: int = 40) -> Figure:
    """First and a deep page of a filtered history list: p95 server time, and the SQL it runs."""
    from ocpdash.upgrades.history import filter_upgrades
    from ocpdash.web.views.history import PAGE_SIZE, encode_cursor

    params = {"state": "successful", "cluster": str(cluster_id)}
    qs = filter_upgrades(params)
    total = qs.count()  # only to pick a deep page; not on the measured path
    deep_row = qs[total - PAGE_SIZE // 2]
    base = f"/history/?state=successful&cluster={cluster_id}"
    paths = {"first": base, "deep": f"{base}&after={encode_cursor(deep_row)}"}
    client = _client()
    result, bad_sql = {}, []
    for name, path in paths.items():
        client.get(path)  # warm-up
        times = []
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
            assert response.status_code == 200
        bad_sql += [
            q["sql"]
            for q in ctx.captured_queries
            if "COUNT(" in q["sql"].upper() or " OFFSET " in q["sql"].upper()
        ]
        times.sort()
        result[name] = (times[int(0.95 * (len(times) - 1))] * 1000, len(ctx.captured_queries))
    worst = max(p95 for p95, _ in result.values())
    plan = _plan(filter_upgrades(params).filter(pk__lt=deep_row.pk)[: PAGE_SIZE + 1])
    return Figure(
        "5", f"History at {count:,} upgrades: p95 server time (first / deep page)",
        f"{result['first'][0]:.1f} / {result['deep'][0]:.1f} ms; COUNT/OFFSET queries: {len(bad_sql)}",
        "≤ 50 ms, none", worst <= 50 and not bad_sql,
        [f"Filter state=successful & one cluster ({total} matching rows of {count:,}); deep page = "
         f"keyset cursor {total - PAGE_SIZE // 2} rows in. {repeats} in-process GETs each (full middleware "
         f"and template); {result['first'][1]} queries per page. Query plan of the page query: {plan}"],
    )  # fmt: skip


def _plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            return "(not SQLite)"
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "; ".join(row[-1] for row in cursor.fetchall())
