"""How long an upgrade will take, predicted from the steps of past successful upgrades.

The rules, written down once:

- **A step's time** is its lead time: from when it could start (its latest upstream finished; for the
  first step of an OCP task, the task started) to when it finished, so OCP's gaps between steps count
  and the critical path of a finished upgrade adds up to how long it really took. Where that moment
  is unknown it is started_at → finished_at. Only steps that ran to SUCCESSFUL give samples (not
  skipped ones). OCP's ``run_time`` is how many times a step ran, not a duration, and is not used.
- **Names** are normalised (:func:`normalize_step_name`) so one step matches on every cluster.
- **Grouping**: a step's samples are pooled by (name, step count of its OCP task, the cluster's zone
  count), then (name, zone count), then (name). The step count is its task's, not the upgrade's: a
  running upgrade's total is not known until OCP has created every child task. The finest grouping
  with at least ``MIN_SAMPLES`` samples is used, else the finest with any; a step never seen takes a
  typical step's time (all steps pooled, steps that wait for a child task left out).
- **Median and p90**: linear interpolation between the closest ranks (numpy's default method).
- **Critical path**: times add up along the longest path through ``upstreams``, never over parallel
  branches. A child task runs inside the parent step that waits for it (UpgradeTask.parent_subtask_id,
  the 'Wait dag success' step, children.py): that step lasts as long as the child's critical path. A
  child task tied to no step runs beside the parent. The p90 is the critical path with every step at
  its p90: a cautious figure, as steps are seldom all slow at once.
- **A plan** (before OCP made the DAG) takes the DAG of the newest similar successful upgrade: same
  zone count, path hops (and mode, when one is asked for), then same zones and hops, same zones, any.
  With no step history at all, whole durations (submitted_at → finished_at) of those similar upgrades.
- **Remaining**: a finished step counts 0, a started (or ready) one max(0, its time - time since it
  could start), a failed one its full time (a retry runs it again), a pending one its time.
- **Cost**: four queries whatever the history: the newest ``MAX_UPGRADES`` successful upgrades with
  their step counts, their clusters' zones, then tasks and steps (columns only) of as many of them,
  newest first, as fit in ``MAX_STEP_ROWS`` rows; a running upgrade's own steps come with them. A page
  estimating several upgrades loads the history once (:func:`load_history`) and passes it on: each
  estimate then costs no query, or two for a running upgrade's own tasks and steps.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from ocpdash.core.phrases import Phrase, phrase
from ocpdash.ocp.types import FAILED, ROLLBACK, SKIP, SUCCESSFUL
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.dag import topological_order
from ocpdash.upgrades.models import (
    POLLED_STATES,
    TERMINAL_STATES,
    WAITING_STATES,
    State,
    Upgrade,
    UpgradeStep,
    UpgradeTask,
)

MAX_UPGRADES = 200
MAX_STEP_ROWS = 10_000
MIN_SAMPLES = 3
NO_HISTORY = gettext_noop("no history yet")


@dataclass(frozen=True)
class Estimate:
    median: timedelta | None  # None = no history
    p90: timedelta | None
    samples: int = 0  # how many past upgrades it rests on
    basis: str = NO_HISTORY  # in words: which grouping of the history was used

    @property
    def known(self) -> bool:
        return self.median is not None

    def describe(self) -> str:
        """'about 47 min (p90 1 h 05 min)', or the basis ('no history yet') when unknown."""
        if self.median is None:
            return gettext(self.basis) if self.basis == NO_HISTORY else self.basis
        if self.p90 is None:
            return gettext("about %(median)s") % {"median": humanize(self.median)}
        return gettext("about %(median)s (p90 %(p90)s)") % {
            "median": humanize(self.median),
            "p90": humanize(self.p90),
        }

    def as_dict(self) -> dict:
        def seconds(value: timedelta | None) -> int | None:
            return None if value is None else round(value.total_seconds())

        return {
            "median_seconds": seconds(self.median),
            "p90_seconds": seconds(self.p90),
            "samples": self.samples,
            "basis": self.basis,
            "text": self.describe(),
        }


UNKNOWN = Estimate(None, None)


def humanize(delta: timedelta) -> str:
    """'under a minute', '47 min', '1 h 05 min', '2 d 3 h' (rounded to the nearest unit shown), in the
    active language."""
    return span(delta).translated()


def span(delta: timedelta) -> Phrase:
    """:func:`humanize` as a phrase, for a sentence stored now and read later."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return phrase("under a minute")
    minutes = int(seconds / 60 + 0.5)
    if minutes < 60:
        return phrase("%(minutes)d min", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return phrase("%(hours)d h %(minutes)02d min", hours=hours, minutes=minutes)
    days, hours = divmod(int(seconds / 3600 + 0.5), 24)
    if hours:
        return phrase("%(days)d d %(hours)d h", days=days, hours=hours)
    return phrase("%(days)d d", days=days)


def quantile(values: Iterable[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default; statistics' 'inclusive')."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- Step names -----------------------------------------------------------------------------------

_RPM = re.compile(r"[\w.+~-]+\.rpm\b", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3})(?:\.\d{1,3}){3}(:\d+)?(?![\w.])")
_HOST = re.compile(r"(?<![\w.-])[a-z][\w-]*(?:\.[\w-]+)+\.[a-z][\w-]*(?![\w.-])", re.IGNORECASE)
_VERSION = re.compile(r"(?<![\w.])v?\d+(?:\.\d+)+(?:[-_][0-9a-z]+)*(?![\w.])", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalize_step_name(name: str, zones: Iterable[str] = ()) -> str:
    """The step's name with what differs between clusters replaced, in this order: RPM file names →
    ``<rpm>``; the cluster's zone names (whole words) → ``<zone>``; IPv4 addresses (with a port) →
    ``<ip>``; dotted host names → ``<host>``; versions (``4.2.1.0``, ``4.2.1.0-1000…``, ``v3.1``) →
    ``<version>``; any other digits → ``<n>``; runs of white space → one space. A dotted quad is a
    version, not an address, when it has no port and starts below 10 (OceanBase versions do):
    ``Stop zone zone1`` → ``Stop zone <zone>``, ``Restart 10.0.0.7:2882`` → ``Restart <ip>``."""
    text = _RPM.sub("<rpm>", name or "")
    pattern = _zone_pattern(tuple(zones))
    if pattern is not None:
        text = pattern.sub("<zone>", text)
    text = _IPV4.sub(_ip_or_version, text)
    text = _HOST.sub("<host>", text)
    text = _VERSION.sub("<version>", text)
    text = _NUMBER.sub("<n>", text)
    return _SPACE.sub(" ", text).strip()


def _ip_or_version(match: re.Match) -> str:
    return "<ip>" if match.group(2) or int(match.group(1)) >= 10 else match.group(0)


@lru_cache(maxsize=512)
def _zone_pattern(zones: tuple[str, ...]) -> re.Pattern | None:
    names = sorted({str(z) for z in zones if z}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, names)) + r")(?![\w-])")


# --- An upgrade's DAG as plain Python -------------------------------------------------------------


@dataclass
class Step:
    id: int  # OCP's subtask id
    task: int  # OCP's task id
    name: str  # normalised
    status: str
    operation: str
    ups: tuple[int, ...]
    started: datetime | None
    finished: datetime | None


@dataclass
class Dag:
    """One upgrade's steps: by id, per OCP task, and which child tasks run inside which step."""

    steps: dict[int, Step] = field(default_factory=dict)
    tasks: dict[int, list[int]] = field(default_factory=dict)
    task_started: dict[int, datetime | None] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)  # wait step id → child task ids

    def add(self, step: Step) -> None:
        self.steps[step.id] = step
        self.tasks.setdefault(step.task, []).append(step.id)

    def upstreams(self, step: Step) -> list[Step]:
        """Its upstream steps in the same task (an id OCP did not send is left out)."""
        found = (self.steps.get(u) for u in step.ups)
        return [u for u in found if u is not None and u.task == step.task and u.id != step.id]

    def ready_at(self, step: Step) -> datetime | None:
        """When it could start: its latest upstream's finish, for a task's first step the task's
        start; never after its own start."""
        ups = self.upstreams(step)
        if ups:
            finishes = [u.finished for u in ups if u.finished is not None]
            ready = max(finishes) if len(finishes) == len(ups) else None
        else:
            ready = self.task_started.get(step.task)
        known = [t for t in (ready, step.started) if t is not None]
        return min(known) if known else None

    def lead_time(self, step: Step) -> float | None:
        ready = self.ready_at(step)
        if step.finished is None or ready is None or ready > step.finished:
            return None
        return (step.finished - ready).total_seconds()


# --- Step statistics ------------------------------------------------------------------------------

MATCHED_BY = ("by name, step count and zone count", "by name and zone count", "by name only")
NEVER_SEEN = len(MATCHED_BY)


@dataclass(frozen=True)
class Stat:
    median: float
    p90: float
    level: int  # index into MATCHED_BY, or NEVER_SEEN
    sources: frozenset[int]  # the past upgrades the samples came from


class StepTimes:
    """Samples of step times (seconds) at each grouping, with the upgrades they came from."""

    def __init__(self) -> None:
        self.samples: dict[tuple, list[float]] = defaultdict(list)
        self.sources: dict[tuple, set[int]] = defaultdict(set)
        self.typical: list[float] = []
        self.typical_sources: set[int] = set()
        self._stats: dict[tuple, tuple[float, float]] = {}

    @staticmethod
    def keys(name: str, size: int, zones: int) -> tuple[tuple, tuple, tuple]:
        return (name, size, zones), (name, None, zones), (name, None, None)

    def add(self, upgrade_id: int, dag: Dag, zones: int) -> None:
        for step in dag.steps.values():
            if step.status != SUCCESSFUL or step.operation == SKIP:
                continue
            seconds = dag.lead_time(step)
            if seconds is None:
                continue
            for key in self.keys(step.name, len(dag.tasks[step.task]), zones):
                self.samples[key].append(seconds)
                self.sources[key].add(upgrade_id)
            if step.id not in dag.children:
                self.typical.append(seconds)
                self.typical_sources.add(upgrade_id)

    @property
    def empty(self) -> bool:
        return not self.samples

    def lookup(self, name: str, size: int, zones: int) -> Stat:
        keys = self.keys(name, size, zones)
        found = [level for level, key in enumerate(keys) if key in self.samples]
        if not found:  # typical: every step but those that wait for a child (else all, counted once)
            pool = self.typical or [s for key, values in self.samples.items() if key[1] for s in values]
            return Stat(*self._stat(("typical",), pool), NEVER_SEEN, frozenset(self.typical_sources))
        level = next((i for i in found if len(self.samples[keys[i]]) >= MIN_SAMPLES), found[0])
        key = keys[level]
        return Stat(*self._stat(key, self.samples[key]), level, frozenset(self.sources[key]))

    def _stat(self, key: tuple, values: list[float]) -> tuple[float, float]:
        if key not in self._stats:
            self._stats[key] = (quantile(values, 0.5), quantile(values, 0.9))
        return self._stats[key]


class Predictor:
    """A step's (median, p90) seconds for one upgrade's zone count; remembers what it used."""

    def __init__(self, times: StepTimes, zones: int) -> None:
        self.times, self.zones = times, zones
        self.levels: Counter[int] = Counter()
        self.sources: set[int] = set()

    def __call__(self, dag: Dag, step: Step) -> tuple[float, float]:
        stat = self.times.lookup(step.name, len(dag.tasks[step.task]), self.zones)
        self.levels[stat.level] += 1
        self.sources |= stat.sources
        return stat.median, stat.p90

    def matched(self) -> str:
        if set(self.levels) <= {0}:
            return "step times matched " + MATCHED_BY[0]
        words = (*MATCHED_BY, "never seen (a typical step's time)")
        return "step times: " + "; ".join(f"{n} {words[i]}" for i, n in sorted(self.levels.items()))


@dataclass
class Walk:
    """Each step's (median, p90) added up along the critical path. ``now`` None: a plan, nothing has
    run yet; else what is left at ``now``."""

    predict: Predictor
    now: datetime | None = None

    def total(self, dag: Dag) -> tuple[float, float]:
        inside = {task for kids in dag.children.values() for task in kids}
        return _longest(self.task(dag, task, {task}) for task in dag.tasks if task not in inside)

    def task(self, dag: Dag, task: int, seen: set[int]) -> tuple[float, float]:
        ids = dag.tasks[task]
        ups = {i: [u.id for u in dag.upstreams(dag.steps[i])] for i in ids}
        ends: dict[int, tuple[float, float]] = {}
        for i in topological_order(ups):
            m, p = self.weight(dag, dag.steps[i], seen)
            before = _longest(ends[u] for u in ups[i] if u in ends)
            ends[i] = (before[0] + m, before[1] + p)
        return _longest(ends.values())

    def weight(self, dag: Dag, step: Step, seen: set[int]) -> tuple[float, float]:
        done = self.now is not None and step.status == SUCCESSFUL
        if done:
            return 0.0, 0.0
        kids = [t for t in dag.children.get(step.id, ()) if t in dag.tasks and t not in seen]
        if kids:
            return _longest(self.task(dag, t, seen | {t}) for t in kids)
        m, p = self.predict(dag, step)
        if self.now is None or step.status == FAILED:
            return m, p
        ups = dag.upstreams(step)
        if step.started is None and not (ups and all(u.status == SUCCESSFUL for u in ups)):
            return m, p
        ready = dag.ready_at(step)
        elapsed = max(0.0, (self.now - ready).total_seconds()) if ready else 0.0
        return max(0.0, m - elapsed), max(0.0, p - elapsed)


def _longest(pairs: Iterable[tuple[float, float]]) -> tuple[float, float]:
    pairs = list(pairs)
    return (max((m for m, _ in pairs), default=0.0), max((p for _, p in pairs), default=0.0))


# --- Loading the history (four queries) -----------------------------------------------------------


STEP_COLUMNS = ("upgrade_id", "ocp_task_id", "ocp_subtask_id", "name", "status", "operation",
                "upstreams", "started_at", "finished_at")  # fmt: skip


@dataclass(frozen=True)
class Past:
    id: int
    cluster_id: int
    hops: int
    mode: str
    submitted: datetime | None
    finished: datetime | None
    step_rows: int


@dataclass
class History:
    """The newest successful upgrades and the DAGs of as many as fit in MAX_STEP_ROWS. A page that
    estimates several upgrades loads it once (:func:`load_history`) and passes it to each estimate."""

    upgrades: list[Past]  # newest first
    zone_names: dict[int, tuple[str, ...]]  # cluster id → its zones
    zone_count: dict[int, int]
    dags: dict[int, Dag]  # upgrade id → its steps
    _times: StepTimes | None = field(default=None, repr=False)

    @classmethod
    def load(cls, *, include: Upgrade | None = None) -> History:
        """Four queries; ``include`` (an upgrade being followed) has its own DAG loaded alongside."""
        # "state || ''": newest first through the created_at index, which finds them after reading
        # about as many rows; with the state index SQLite reads and sorts every successful upgrade
        # (bench/eta.py measures it).
        rows = Upgrade.objects.alias(state_text=Concat("state", Value(""))).filter(
            state_text=State.SUCCESSFUL
        )
        step_rows = UpgradeStep.objects.filter(upgrade=OuterRef("pk")).order_by().values("upgrade")
        rows = rows.order_by("-created_at", "-id").annotate(
            n=Coalesce(Subquery(step_rows.annotate(n=Count("pk")).values("n")), 0)
        )
        fields = ("pk", "cluster_id", "upgrade_path", "upgrade_mode", "submitted_at", "finished_at", "n")
        upgrades = [
            Past(pk, cluster, hops_of(path), mode or "", submitted, finished, n)
            for pk, cluster, path, mode, submitted, finished, n in rows.values_list(*fields)[:MAX_UPGRADES]
        ]
        history = cls(upgrades, {}, {}, {})
        cluster_of = {u.id: u.cluster_id for u in upgrades}
        budget, wanted = MAX_STEP_ROWS, []
        if include is not None and include.pk not in cluster_of:
            cluster_of[include.pk] = include.cluster_id
            wanted.append(include.pk)
        history._load_zones(set(cluster_of.values()))
        for past in upgrades:
            if 0 < past.step_rows <= budget:
                wanted.append(past.id)
                budget -= past.step_rows
        if wanted:
            history._load_dags(wanted, cluster_of)
        return history

    def without(self, upgrade_id: int | None) -> History:
        """The same history with that upgrade left out (the one being estimated)."""
        if upgrade_id is None or all(p.id != upgrade_id for p in self.upgrades):
            return self
        upgrades = [p for p in self.upgrades if p.id != upgrade_id]
        return History(upgrades, self.zone_names, self.zone_count, self.dags)

    @property
    def times(self) -> StepTimes:
        if self._times is None:
            self._times = StepTimes()
            for past in self.upgrades:
                if past.id in self.dags:
                    self._times.add(past.id, self.dags[past.id], self.zones_of(past))
        return self._times

    def _load_zones(self, cluster_ids: set[int]) -> None:
        if not cluster_ids:
            return
        for pk, zones, count in Cluster.objects.filter(pk__in=cluster_ids).values_list(
            "pk", "zones", "zone_count"
        ):
            names = tuple(str(z.get("name", "")) for z in zones or [] if isinstance(z, dict))
            self.zone_names[pk], self.zone_count[pk] = names, len(names) or count

    def _load_dags(self, upgrade_ids: list[int], cluster_of: dict[int, int]) -> None:
        tasks = UpgradeTask.objects.filter(upgrade_id__in=upgrade_ids)
        steps = UpgradeStep.objects.filter(upgrade_id__in=upgrade_ids)
        names: dict[tuple, str] = {}
        for (
            upgrade_id,
            task_id,
            subtask_id,
            name,
            status,
            operation,
            ups,
            started,
            finished,
        ) in steps.values_list(*STEP_COLUMNS):
            zones = self.zone_names.get(cluster_of.get(upgrade_id, -1), ())
            if (name, zones) not in names:
                names[name, zones] = normalize_step_name(name, zones)
            ups = tuple(u for u in ups or [] if isinstance(u, int))
            step = Step(subtask_id, task_id, names[name, zones], status, operation, ups, started, finished)
            self.dags.setdefault(upgrade_id, Dag()).add(step)
        for upgrade_id, task_id, wait_id, started in tasks.values_list(
            "upgrade_id", "ocp_task_id", "parent_subtask_id", "started_at"
        ):
            dag = self.dags.get(upgrade_id)
            if dag is None:
                continue
            dag.task_started[task_id] = started
            if wait_id is not None and wait_id in dag.steps and dag.steps[wait_id].task != task_id:
                dag.children.setdefault(wait_id, []).append(task_id)

    def zones_of(self, past: Past) -> int:
        return self.zone_count.get(past.cluster_id, 0)


def load_history() -> History:
    """The history every estimate rests on, to share between the estimates of one page."""
    return History.load()


def hops_of(path) -> int:
    """Hops on an upgrade path (its versions after the start); an unknown path counts as one."""
    return len(path) if isinstance(path, list) and path else 1


# --- Estimates ------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _similar(history: History, upgrades: list[Past], zones: int, hops: int, mode: str):
    """The similar upgrades at the finest level that has any, and that level in words."""
    size = f"with {_plural(zones, 'zone')} and {_plural(hops, 'hop')}"
    levels = [
        (lambda p: history.zones_of(p) == zones and p.hops == hops, size),
        (lambda p: history.zones_of(p) == zones, f"with {_plural(zones, 'zone')}"),
        (lambda p: True, "of any size"),
    ]
    if mode:
        levels.insert(0, (lambda p: history.zones_of(p) == zones and p.hops == hops and p.mode == mode,
                          f"{size}, {mode}"))  # fmt: skip
    for fits, words in levels:
        found = [p for p in upgrades if fits(p)]
        if found:
            return found, f"{_plural(len(found), 'past upgrade')} {words}"
    return [], ""


def _plan(history: History, zones: int, hops: int, mode: str) -> Estimate:
    """From the DAG of the newest similar upgrade, else the whole durations of similar upgrades."""
    with_steps = [p for p in history.upgrades if p.id in history.dags]
    similar, words = _similar(history, with_steps, zones, hops, mode)
    if similar and not history.times.empty:
        predict = Predictor(history.times, zones)
        m, p = Walk(predict).total(history.dags[similar[0].id])
        basis = f"{words}; {predict.matched()}"
        return Estimate(timedelta(seconds=m), timedelta(seconds=p), len(similar), basis)
    timed = [p for p in history.upgrades if p.submitted and p.finished and p.finished >= p.submitted]
    similar, words = _similar(history, timed, zones, hops, mode)
    if not similar:
        return UNKNOWN
    seconds = [(p.finished - p.submitted).total_seconds() for p in similar]
    basis = f"{words} (whole durations: no step history)"
    m, p = quantile(seconds, 0.5), quantile(seconds, 0.9)
    return Estimate(timedelta(seconds=m), timedelta(seconds=p), len(similar), basis)


def _zones(cluster) -> int:
    names = [z for z in getattr(cluster, "zone_names", []) if z]
    return len(names) or (cluster.zone_count or 0)


def estimate_plan(
    cluster,
    *,
    upgrade_path: list[str],
    upgrade_mode: str = "",
    exclude_upgrade_id: int | None = None,
    history: History | None = None,
) -> Estimate:
    """How long upgrading ``cluster`` along ``upgrade_path`` will take, from past upgrades."""
    history = (history or History.load()).without(exclude_upgrade_id)
    return _plan(history, _zones(cluster), hops_of(upgrade_path), upgrade_mode or "")


def _own_dag(upgrade: Upgrade, history: History) -> Dag | None:
    """The upgrade's own DAG (two queries), for a history loaded without it."""
    if upgrade.cluster_id in history.zone_names:
        names, count = history.zone_names[upgrade.cluster_id], history.zone_count[upgrade.cluster_id]
    else:
        names, count = tuple(upgrade.cluster.zone_names), _zones(upgrade.cluster)
    alone = History([], {upgrade.cluster_id: names}, {upgrade.cluster_id: count}, {})
    alone._load_dags([upgrade.pk], {upgrade.pk: upgrade.cluster_id})
    return alone.dags.get(upgrade.pk)


def _less(estimate: Estimate, seconds: float, words: str) -> Estimate:
    if estimate.median is None or estimate.p90 is None or seconds <= 0:
        return estimate
    cut = timedelta(seconds=seconds)
    return Estimate(
        max(timedelta(0), estimate.median - cut),
        max(timedelta(0), estimate.p90 - cut),
        estimate.samples,
        f"{estimate.basis}, less {words}",
    )


def estimate_remaining(
    upgrade: Upgrade, *, now: datetime | None = None, history: History | None = None
) -> Estimate:
    """What is left of ``upgrade`` at ``now``: its own DAG's critical path when OCP has made it, else
    its plan (less the time since submission once it runs)."""
    now = now or timezone.now()
    if upgrade.state in TERMINAL_STATES:
        return Estimate(timedelta(0), timedelta(0), 0, "finished")
    if upgrade.ocp_task_operation == ROLLBACK:
        return Estimate(None, None, 0, "no estimate for a rollback")
    followed = upgrade.state in POLLED_STATES
    own, history, zones = _own_and_history(upgrade, history, followed)
    if own is None or history.times.empty:
        plan = _plan(history, zones, hops_of(upgrade.upgrade_path), upgrade.upgrade_mode)
        if not followed or upgrade.submitted_at is None:
            return plan
        elapsed = (now - upgrade.submitted_at).total_seconds()
        return _less(plan, elapsed, f"the {humanize(timedelta(seconds=max(0, elapsed)))} it has run")
    predict = Predictor(history.times, zones)
    m, p = Walk(predict, now).total(own)
    if not predict.levels:
        return Estimate(timedelta(seconds=m), timedelta(seconds=p), 0, "every step has finished")
    basis = f"{_plural(len(predict.sources), 'past upgrade')}; {predict.matched()}"
    return Estimate(timedelta(seconds=m), timedelta(seconds=p), len(predict.sources), basis)


def _own_and_history(upgrade: Upgrade, history: History | None, followed: bool):
    """(the upgrade's own DAG or None, the history without it, its zone count)."""
    own = None
    if history is None:
        history = History.load(include=upgrade if followed else None)
        own = history.dags.get(upgrade.pk)
    elif followed:
        own = history.dags.get(upgrade.pk) or _own_dag(upgrade, history)
    history = history.without(upgrade.pk)
    zones = history.zone_count.get(upgrade.cluster_id)
    if zones is None:
        zones = _zones(upgrade.cluster)
    return own, history, zones


def own_dag_and_predictor(
    upgrade: Upgrade, *, history: History | None = None
) -> tuple[Dag, Predictor] | None:
    """A followed upgrade's own DAG and what each of its steps takes by the history of the others (as
    :func:`estimate_remaining` uses them; ocpdash.upgrades.schedule lays the steps out in time). None
    when OCP has made no DAG yet, or there is no step history."""
    if upgrade.state not in POLLED_STATES or upgrade.ocp_task_operation == ROLLBACK:
        return None
    own, history, zones = _own_and_history(upgrade, history, True)
    if own is None or history.times.empty:
        return None
    return own, Predictor(history.times, zones)


def expected_end(
    upgrade: Upgrade, *, now: datetime | None = None, history: History | None = None
) -> tuple[datetime, datetime] | None:
    """(median end, p90 end): now (or a scheduled upgrade's start) plus what is left; None when unknown."""
    now = now or timezone.now()
    if upgrade.state in TERMINAL_STATES:
        return (upgrade.finished_at, upgrade.finished_at) if upgrade.finished_at else None
    estimate = estimate_remaining(upgrade, now=now, history=history)
    if estimate.median is None or estimate.p90 is None:  # unknown (both are, or neither)
        return None
    start = now
    if upgrade.state in WAITING_STATES and upgrade.start_at and upgrade.start_at > now:
        start = upgrade.start_at
    return start + estimate.median, start + estimate.p90
