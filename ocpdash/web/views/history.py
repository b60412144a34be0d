"""History of all upgrades: filters in the URL, keyset pagination on (created_at, id), CSV export."""

from __future__ import annotations

import base64
import csv
from datetime import datetime

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext_lazy

from ocpdash.sites.models import Cluster, OcpSite
from ocpdash.upgrades.history import FILTERS, filter_upgrades
from ocpdash.upgrades.models import State, Upgrade
from ocpdash.web.markup import escape

PAGE_SIZE = 50


def encode_cursor(upgrade) -> str:
    raw = f"{upgrade.created_at.isoformat()}|{upgrade.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str | None):
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def cluster_options(selected: str) -> SafeString:
    """The cluster filter's options, built here: a template loop over hundreds of clusters cost
    more than the rest of the page. Names come from OCP, so each is escaped."""
    options = []
    for pk, name, site in Cluster.objects.order_by("name").values_list("pk", "name", "site__name"):
        chosen = " selected" if str(pk) == selected else ""
        options.append(f'<option value="{pk}"{chosen}>{escape(name)} ({escape(site)})</option>')
    return mark_safe("".join(options))  # noqa: S308 - the names are escaped, the rest are ints and constants


def history(request):
    qs = filter_upgrades(request.GET, Upgrade.objects.for_rows())
    after = decode_cursor(request.GET.get("after"))
    if after:
        created_at, pk = after
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    filters = {k: request.GET.get(k, "") for k in FILTERS}
    query = request.GET.copy()
    query.pop("after", None)
    next_query = query.copy()
    if more:
        next_query["after"] = encode_cursor(rows[-1])
    context = {
        "upgrades": rows,
        "filters": filters,
        "next_query": next_query.urlencode() if more else "",
        "filter_query": query.urlencode(),
        "is_first": after is None,
    }
    if request.htmx and request.htmx.target == "history-results":
        return render(request, "web/history.html#results", context)
    # Only the full page has the filter form; the results htmx fetches on each change do not.
    context.update(
        states=State.choices,
        cluster_options=cluster_options(filters["cluster"]),
        sites=OcpSite.objects.order_by("name"),
    )
    return render(request, "web/history.html", context)


CSV_FIELDS = ["id", "cluster", "site", "from_version", "to_version", "state", "requested_by", "created_at",
              "finished_at", "reviewed_by", "reviewed_at", "reason", "last_error"]  # fmt: skip
# The header in the reader's language; in English it is the field names above, as scripts read them.
CSV_HEADERS = [
    pgettext_lazy("CSV column", "id"), pgettext_lazy("CSV column", "cluster"),
    pgettext_lazy("CSV column", "site"),
    pgettext_lazy("CSV column", "from_version"), pgettext_lazy("CSV column", "to_version"),
    pgettext_lazy("CSV column", "state"), pgettext_lazy("CSV column", "requested_by"),
    pgettext_lazy("CSV column", "created_at"), pgettext_lazy("CSV column", "finished_at"),
    pgettext_lazy("CSV column", "reviewed_by"), pgettext_lazy("CSV column", "reviewed_at"),
    pgettext_lazy("CSV column", "reason"), pgettext_lazy("CSV column", "last_error"),
]  # fmt: skip


def _cell(value) -> str:
    """Text from OCP or users cannot become a spreadsheet formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value):
        return value


def history_csv(request):
    qs = filter_upgrades(request.GET)
    writer = csv.writer(_Echo())
    header = [str(label) for label in CSV_HEADERS]  # now: the rows are written after the view returns

    def rows():
        yield writer.writerow(header)
        for u in qs.iterator(chunk_size=500):
            yield writer.writerow(
                _cell(v)
                for v in (
                    u.pk,
                    u.cluster.name,
                    u.cluster.site.name,
                    u.from_version,
                    u.to_version,
                    u.state,
                    u.requested_by.get_username(),
                    u.created_at.isoformat(),
                    u.finished_at.isoformat() if u.finished_at else "",
                    u.reviewed_by.get_username() if u.reviewed_by_id else "",
                    u.reviewed_at.isoformat() if u.reviewed_at else "",
                    u.reason,
                    u.last_error,
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ocpdash-upgrades.csv"'
    return response
