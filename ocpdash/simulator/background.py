"""Scheduled and system tasks that OCP runs on clusters by itself (task ``type`` other than MANUAL).

The task-list doc (ocp-doc V4.2.2 ``1100.task-management/100.query-the-task-list.md``) shows such
tasks next to manual ones; ``Generate workload report`` and its subtasks are that sample's. The
other names are invented (no public source). Each cluster gets one every ``background_interval_steps``
steps (a seeded RNG per cluster picks the interval and the task), while it is RUNNING or UPGRADING.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass

from ocpdash.simulator.tasks import SCHEDULED, SYS_ONECE, SYS_SCHEDULED


@dataclass(frozen=True)
class Template:
    name: str
    type: str
    steps: tuple[str, ...]
    definition_id: int
    sourced: bool = False  # True: name and steps from the task-list doc sample


TEMPLATES: tuple[Template, ...] = (
    Template(
        "Generate workload report",
        SCHEDULED,
        ("Wait node", "Generate report", "Generate report", "Store workload report"),
        1001,
        sourced=True,
    ),
    Template(
        "Inspect OB cluster",
        SYS_SCHEDULED,
        ("Collect inspection items", "Run inspection", "Save inspection report"),
        2001,
    ),
    Template(
        "Collect OB cluster parameters",
        SYS_SCHEDULED,
        ("Query cluster parameters", "Store parameter snapshot"),
        2002,
    ),
    Template(
        "Sync OB cluster topology", SYS_ONECE, ("Query cluster topology", "Update cluster metadata"), 2003
    ),
)
BY_NAME = {t.name: t for t in TEMPLATES}
ACTIVE_CLUSTER_STATUSES = {"RUNNING", "UPGRADING"}
KEEP_FINISHED_PER_CLUSTER = 50  # older finished background tasks are forgotten (memory of long demos)


def steps_for(name: str, count: int | None) -> list[str]:
    """Subtask names for a task started through ``POST /_sim/tasks``: the template's, cut or padded."""
    template = BY_NAME.get(name)
    names = list(template.steps) if template else []
    count = len(names) if count is None and names else (count or 3)
    return (names + [f"Run step {i}" for i in range(len(names) + 1, count + 1)])[:count]


class Scheduler:
    """When each cluster's next background task starts (a heap of due times)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._heap: list[tuple[float, int]] = []
        self._rngs: dict[int, random.Random] = {}

    def rng(self, cluster_id: int) -> random.Random:
        if cluster_id not in self._rngs:
            self._rngs[cluster_id] = random.Random(f"{self.seed}:background:{cluster_id}")
        return self._rngs[cluster_id]

    def restart(
        self, cluster_ids: list[int], now: float, step_seconds: float, steps: tuple[float, float]
    ) -> None:
        self._heap = []
        for cluster_id in cluster_ids:
            self.add(cluster_id, now, step_seconds, steps)

    def stop(self) -> None:
        self._heap = []

    def add(self, cluster_id: int, after: float, step_seconds: float, steps: tuple[float, float]) -> None:
        delay = self.rng(cluster_id).uniform(*steps) * step_seconds
        heapq.heappush(self._heap, (after + delay, cluster_id))

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[float, int, Template]:
        at, cluster_id = heapq.heappop(self._heap)
        return at, cluster_id, self.rng(cluster_id).choice(TEMPLATES)
