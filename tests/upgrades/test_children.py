"""Which OCP tasks are an upgrade's children, and what a parent left failed means (pure logic)."""

from datetime import UTC, datetime, timedelta

from ocpdash.ocp import TaskInstance, TaskSummary
from ocpdash.upgrades.children import binary_for, discover, needs_discovery, submit_steps
from ocpdash.upgrades.models import State
from ocpdash.upgrades.reading import Snapshot

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def parent(
    submit1="SUCCESSFUL", wait1="RUNNING", submit2="PENDING", wait2="PENDING", status="RUNNING", **extra
):
    """Start → Prepare → Submit(11) → Wait(12) → Submit(13) → Wait(14) → Update; submit 1 ran 0–10 s."""
    steps = [
        (1, "Start node", [], "SUCCESSFUL", None, None),
        (2, "Prepare upgrade cluster", [1], "SUCCESSFUL", None, None),
        (11, "Submit cluster upgrade task", [2], submit1, at(0), at(10) if submit1 == "SUCCESSFUL" else None),
        (12, "Wait dag success", [11], wait1, at(10), None),
        (13, "Submit cluster upgrade task", [12], submit2, at(100) if submit2 != "PENDING" else None, None),
        (14, "Wait dag success", [13], wait2, None, None),
        (3, "Update OB cluster status", [14], "PENDING", None, None),
    ]
    downstream = {sid: [d for d, _, ups, *_ in steps if sid in ups] for sid, *_ in steps}
    subtasks = [
        {"id": sid, "name": name, "status": st, "operation": "EXECUTE", "upstreams": ups,
         "downstreams": downstream[sid], "startTime": start, "finishTime": finish, "runTime": 1}
        for sid, name, ups, st, start, finish in steps
    ]  # fmt: skip
    return TaskInstance.from_json(
        {"id": 500, "name": "Submit upgrade OB cluster dag", "status": status, "subtasks": subtasks, **extra}
    )


def test_submit_steps_come_in_order_with_their_wait_step():
    steps = submit_steps(parent())
    assert [(s.submit.id, s.wait_id) for s in steps] == [(11, 12), (13, 14)]


def test_discovery_runs_while_a_wait_step_waits_for_nothing_seen_running():
    assert [s.submit.id for s in needs_discovery(parent(), {})] == [11]
    assert needs_discovery(parent(), {601: ("RUNNING", 12)}) == []
    # the child finished but the wait step still runs: OCP may wait for one more child
    assert [s.submit.id for s in needs_discovery(parent(), {601: ("SUCCESSFUL", 12)})] == [11]
    assert needs_discovery(parent(wait1="SUCCESSFUL"), {}) == [], "a finished wait step needs nothing"
    assert needs_discovery(parent(submit1="PENDING", wait1="PENDING"), {}) == [], "nothing submitted yet"


class Tasks:
    """An OCP whose cluster task lists and task details are given; records what was asked."""

    def __init__(self, listed: dict[int, list[dict]], details: dict[int, dict]) -> None:
        self.listed, self.details, self.asked = listed, details, []

    def list_tasks(self, cluster_id=None, **kwargs):
        self.asked.append(("list", cluster_id))
        return [TaskSummary.from_json(t) for t in self.listed.get(cluster_id, [])]

    def get_task(self, task_id):
        self.asked.append(("get", task_id))
        return TaskInstance.from_json(self.details[task_id])


def task(task_id, name, start, cluster=7, type_="MANUAL", **extra):
    return {
        "id": task_id,
        "name": name,
        "startTime": at(start),
        "cluster": {"id": cluster},
        "type": type_,
        **extra,
    }


def test_only_tasks_started_while_the_submit_step_ran_and_not_scheduled_are_adopted():
    listed = {
        7: [
            task(499, "Upgrade OB cluster to 4.2.1.1-1", 2),  # older than the parent
            task(600, "Inspect OB cluster", 3, type_="SYS_SCHEDULED"),  # OCP's own scheduled task
            task(601, "Upgrade OB cluster to 4.2.1.1-1", 9),  # the child
            task(602, "Generate workload report", 400),  # long after the submit step
            task(603, "Submit upgrade OB cluster dag", 5),  # another upgrade's parent
        ],
        8: [task(610, "Upgrade OB cluster to 4.2.1.1-1", 8, cluster=8)],  # the standby's child
    }
    details = {t["id"]: t for ts in listed.values() for t in ts}
    ocp = Tasks(listed, details)
    steps = needs_discovery(parent(), {})
    found = discover(ocp, parent(), steps, [8, 7], lambda ids: {610} & ids, ["4.2.1.1-1", "4.3.0.0-2"])
    assert [a.task.id for a in found] == [601]
    assert found[0].wait_id == 12 and found[0].binary_version == "4.2.1.1-1"
    assert "while step 'Submit cluster upgrade task' #11 ran" in found[0].why
    assert ("get", 602) not in ocp.asked and ("get", 499) not in ocp.asked, "out of the window: not even read"


def test_a_context_naming_another_cluster_or_version_is_not_adopted():
    child = task(601, "x", 9, context="Context(parallelIdx=-1, stringMap={cluster_id=99}, listMap={})")
    other = task(
        602, "y", 9, context="Context(parallelIdx=-1, stringMap={upgrade_version=9.9.9.9-1}, listMap={})"
    )
    ocp = Tasks({7: [child, other]}, {601: child, 602: other})
    assert discover(ocp, parent(), needs_discovery(parent(), {}), [7], lambda ids: set(), ["4.2.1.1-1"]) == []


def test_binary_version_of_a_submit_step_per_binary_and_per_pair_member():
    assert binary_for(0, ["a", "b"], 2) == "a" and binary_for(1, ["a", "b"], 2) == "b"
    assert [binary_for(i, ["a", "b"], 4) for i in range(4)] == ["a", "a", "b", "b"]  # standby, primary
    assert binary_for(0, [], 2) == ""


def child(status, task_id=601):
    return TaskInstance.from_json({"id": task_id, "name": "c", "status": status, "subtasks": []})


def test_a_parent_failed_only_at_a_wait_whose_child_runs_again_is_running():
    failed = parent(wait1="FAILED", status="FAILED")
    assert Snapshot(failed, [(child("FAILED"), 12)], [], {}).state(State.RUNNING) == State.FAILED
    running_again = Snapshot(failed, [(child("RUNNING"), 12)], [], {})
    assert running_again.state(State.FAILED) == State.RUNNING
    assert running_again.parent_retry_key() == "", "the child still runs: nothing to retry yet"


def test_a_parent_left_failed_after_its_child_succeeded_is_retried_once_per_failure():
    failed = parent(wait1="FAILED", status="FAILED")
    snapshot = Snapshot(failed, [], [], {601: 12})  # the child succeeded before this poll
    assert snapshot.state(State.FAILED) == State.RUNNING
    assert snapshot.parent_retry_key() == "500:12.1"
    rolled = parent(wait1="FAILED", status="FAILED", operation="ROLLBACK")
    assert Snapshot(rolled, [], [], {601: 12}).parent_retry_key() == "", "never during a rollback"
    other_step = parent(submit2="FAILED", wait1="SUCCESSFUL", status="FAILED")
    assert Snapshot(other_step, [], [], {601: 12}).state(State.RUNNING) == State.FAILED
