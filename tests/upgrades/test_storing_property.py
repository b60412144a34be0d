"""Property test (hypothesis): whatever task JSON OCP sends, parsing and storing it either stores all
of it (adjusted where needed, and said) or nothing, and no exception escapes but the recorded kinds.
Runs on SQLite and, in CI's second leg, on PostgreSQL (NUL, text lengths and integer ranges differ)."""

import copy

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocpdash.ocp import OcpMalformedReply, TaskInstance
from ocpdash.sites.storable import Unstorable
from ocpdash.upgrades import lease
from ocpdash.upgrades.models import POLLED_STATES, State, UpgradeEvent, UpgradeStep, UpgradeTask
from ocpdash.upgrades.polling import apply_snapshot, snapshot_digest
from ocpdash.upgrades.reading import Snapshot

pytestmark = pytest.mark.django_db

SUBTASK = {
    "id": 130001, "name": "Start node", "description": "Start node", "status": "SUCCESSFUL",
    "operation": "EXECUTE", "runTime": 1, "upstreams": [], "downstreams": [130002], "parallelIdx": -1,
    "seriesId": 0, "timeout": 60, "startTime": "2026-11-28T12:00:00.5+08:00",
    "finishTime": "2026-11-28T12:00:01+08:00", "prohibitRollback": False,
}  # fmt: skip
TASK = {
    "id": 108001, "name": "Submit upgrade OB cluster dag", "status": "RUNNING", "operation": "EXECUTE",
    "type": "MANUAL", "prohibitRollback": False, "startTime": "2026-11-28T12:00:00+08:00",
    "subtasks": [SUBTASK, {**SUBTASK, "id": 130002, "name": "Prepare upgrade cluster", "status": "RUNNING",
                           "upstreams": [130001], "downstreams": []}],
}  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(["\x00", "\ud800"]), max_size=400)
    | st.sampled_from(["<script>alert(1)</script>", "RUNNING", "-1", "9" * 30, ""])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
task_keys = st.sampled_from(sorted(TASK))
subtask_keys = st.sampled_from(sorted(SUBTASK))


@st.composite
def spoiled_tasks(draw):
    task = copy.deepcopy(TASK)
    for _ in range(draw(st.integers(0, 4))):
        what = draw(st.sampled_from(["task", "subtask", "drop", "duplicate", "long"]))
        sub = (
            draw(st.sampled_from(task["subtasks"]))
            if isinstance(task.get("subtasks"), list)
            and task["subtasks"]
            and isinstance(task["subtasks"][0], dict)
            else None
        )
        if what == "task":
            task[draw(task_keys)] = draw(values)
        elif what == "subtask" and isinstance(sub, dict):
            sub[draw(subtask_keys)] = draw(values)
        elif what == "drop" and isinstance(sub, dict):
            sub.pop(draw(subtask_keys), None)
        elif what == "duplicate" and isinstance(sub, dict):
            task["subtasks"].append(copy.deepcopy(sub))
        elif what == "long" and isinstance(sub, dict):
            sub["name"] = draw(st.text(min_size=301, max_size=2000))
    return task


def stored(upgrade):
    return (
        UpgradeTask.objects.filter(upgrade=upgrade).count(),
        UpgradeStep.objects.filter(upgrade=upgrade).count(),
        UpgradeEvent.objects.filter(upgrade=upgrade).count(),
    )


class Undo(Exception):
    pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=spoiled_tasks())
def test_any_task_json_is_stored_whole_or_not_at_all(data, upgrade_following):
    upgrade = upgrade_following
    try:
        with transaction.atomic():  # each example starts from the same upgrade, and leaves nothing
            held = lease.acquire(upgrade.pk, POLLED_STATES)
            assert held is not None
            before = stored(upgrade)
            try:
                parent = TaskInstance.from_json(data)
            except OcpMalformedReply:
                raise Undo from None  # the poll shows it as a fault; nothing to store
            snapshot = Snapshot(parent, [], [], {})
            try:
                apply_snapshot(upgrade, held, snapshot, snapshot_digest(parent, []))
            except Unstorable:
                assert stored(upgrade) == before, "nothing half-written"
                raise Undo from None
            ids = {s.id for s in parent.subtasks}
            assert UpgradeStep.objects.filter(upgrade=upgrade).count() == before[1] + len(ids)
            for step in UpgradeStep.objects.filter(upgrade=upgrade):
                assert "\x00" not in step.name and len(step.name) <= 300 and step.run_time >= 0
            raise Undo
    except Undo:
        pass


@pytest.fixture
def upgrade_following(make_cluster, make_package, operator):
    from ocpdash.upgrades.models import Upgrade

    cluster = make_cluster()
    package = make_package()
    return Upgrade.objects.create(
        cluster=cluster, package=package, requested_by=operator, state=State.RUNNING, ocp_task_id=108001,
        from_version=cluster.version, to_version=package.full_version,
    )  # fmt: skip
