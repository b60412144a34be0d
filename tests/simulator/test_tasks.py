"""Retry, skip, rollback and prohibitRollback as OCP Express's engine does them (ocp-api.md §3.3),
and the parent/child switch ``parent_resumes_after_child_retry``."""

import pytest

from tests.simulator.helpers import (
    ORION_RPM,
    POLARIS_RPM,
    child_tasks,
    cluster,
    done,
    log_of,
    start,
    sub_named,
    subtask_post,
    task,
    task_post,
    wait,
    wait_for,
)


@pytest.fixture
def sim(simulator):
    simulator.config(step_seconds=0.05)
    return simulator


def fail_orion_child_once(sim, step="Restart observer", zone="zone2"):
    """An orion upgrade whose child failed at ``step``; returns (parent id, child details, failed step)."""
    sim.faults(fail_subtask={"name": step, "times": 1, "zone": zone})
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    assert wait(sim, parent["id"], done)["status"] == "FAILED"
    child = task(sim, child_tasks(sim, 1)[0]["id"])
    return parent["id"], child, sub_named(child, step.split(" zone")[0], "FAILED")


def test_child_retry_leaves_the_parent_failed_until_the_parent_is_retried(sim):
    parent_id, child, bad = fail_orion_child_once(sim)
    assert "injected fault" in log_of(sim, child["id"], bad["id"])
    retried = subtask_post(sim, child["id"], bad["id"], "retry")
    assert retried.status_code == 200
    assert (retried.json()["data"]["operation"], retried.json()["data"]["runTime"]) == ("RETRY", 2)
    assert wait(sim, child["id"], done)["status"] == "SUCCESSFUL"
    parent = task(sim, parent_id)
    assert parent["status"] == "FAILED"
    assert sub_named(parent, "Wait dag success")["status"] == "FAILED"
    assert task_post(sim, parent_id, "retry").status_code == 200
    assert wait(sim, parent_id, done)["status"] == "SUCCESSFUL"
    assert sim.get("/api/v2/ob/clusters/1")["data"]["obVersion"] == "4.2.1.1"


def test_parent_retry_with_its_child_still_failed_fails_the_wait_again(sim):
    parent_id, child, _ = fail_orion_child_once(sim)
    assert task_post(sim, parent_id, "retry").status_code == 200
    again = wait(sim, parent_id, done)
    wait_step = sub_named(again, "Wait dag success")
    assert (again["status"], wait_step["status"], wait_step["runTime"]) == ("FAILED", "FAILED", 2)
    assert task(sim, child["id"])["status"] == "FAILED"


def test_parent_resumes_by_itself_when_the_switch_is_on(sim):
    sim.config(parent_resumes_after_child_retry=True)
    parent_id, child, bad = fail_orion_child_once(sim)
    assert subtask_post(sim, child["id"], bad["id"], "retry").status_code == 200
    assert wait(sim, parent_id, done)["status"] == "SUCCESSFUL"


def test_parent_retry_retries_the_failed_child_when_the_switch_is_on(sim):
    sim.config(parent_resumes_after_child_retry=True)
    parent_id, child, _ = fail_orion_child_once(sim)
    assert task_post(sim, parent_id, "retry").status_code == 200
    assert wait(sim, parent_id, done)["status"] == "SUCCESSFUL"
    assert task(sim, child["id"])["operation"] == "RETRY"


def test_skip_marks_the_step_successful_with_skip_operation(sim):
    sim.faults(fail_subtask={"name": "Execute upgrade post script", "times": None})
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    wait(sim, parent["id"], done)
    child_id = child_tasks(sim, 1)[0]["id"]
    bad = sub_named(task(sim, child_id), "Execute upgrade post script", "FAILED")
    assert subtask_post(sim, child_id, bad["id"], "cancel").status_code == 400
    skipped = subtask_post(sim, child_id, bad["id"], "skip")
    assert skipped.status_code == 200 and "data" not in skipped.json()
    assert wait(sim, child_id, done)["status"] == "SUCCESSFUL"
    after = sub_named(task(sim, child_id), "Execute upgrade post script")
    assert (after["status"], after["operation"]) == ("SUCCESSFUL", "SKIP")


def test_parent_rolls_back_before_any_child_was_submitted(sim):
    sim.faults(fail_subtask={"name": "Prepare upgrade cluster", "times": None})
    parent = start(sim, 7, {"rpmFileName": POLARIS_RPM})
    failed = wait(sim, parent["id"], done)
    assert failed["status"] == "FAILED" and failed["prohibitRollback"] is False
    submit = sub_named(failed, "Submit cluster upgrade task")
    assert (submit["prohibitRollback"], submit["status"]) == (True, "PENDING")
    rolled = task_post(sim, parent["id"], "rollback")
    assert rolled.status_code == 200 and rolled.json()["data"]["operation"] == "ROLLBACK"
    final = wait(sim, parent["id"], done)
    assert (final["status"], final["operation"]) == ("SUCCESSFUL", "ROLLBACK")
    assert all(s["status"] == "PENDING" for s in final["subtasks"])
    assert cluster(sim, 7)["status"] == "RUNNING"
    again = task_post(sim, parent["id"], "retry")
    assert again.status_code == 400 and again.json()["error"]["code"] == 20003


def test_a_submitted_child_forbids_rolling_back_the_parent_not_the_child(sim):
    sim.faults(fail_subtask={"name": "Execute upgrade checker script", "times": None})
    parent = start(sim, 7, {"rpmFileName": POLARIS_RPM})
    failed = wait(sim, parent["id"], done)
    assert failed["prohibitRollback"] is True
    refused = task_post(sim, parent["id"], "rollback")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 20004
    assert refused.json()["error"]["message"] == f"Task {parent['id']} can not rollback."
    child_id = child_tasks(sim, 7)[0]["id"]
    assert task(sim, child_id)["prohibitRollback"] is False
    assert task_post(sim, child_id, "rollback").status_code == 200
    rolled = wait(sim, child_id, done)
    assert (rolled["status"], rolled["operation"]) == ("SUCCESSFUL", "ROLLBACK")
    assert cluster(sim, 7)["status"] == "UPGRADING"  # the parent still holds the cluster


def test_rollback_refused_after_zone_steps_ran(sim):
    parent_id, child, _ = fail_orion_child_once(sim, step="Start zone", zone=None)
    assert child["prohibitRollback"] is True
    assert task_post(sim, parent_id, "rollback").json()["error"]["code"] == 20004
    assert task_post(sim, child["id"], "rollback").status_code == 400
    assert task_post(sim, 1, "retry").status_code == 404


def test_a_failed_rollback_can_be_skipped_and_the_rollback_carries_on(sim):
    sim.faults(
        fail_subtask={"name": "Save inspection report", "times": 1},
        fail_rollback={"name": "Run inspection", "times": 1},
    )
    task_id = sim.start_task(1, "Inspect OB cluster", "MANUAL", steps=3)
    assert wait(sim, task_id, done)["status"] == "FAILED"
    assert task_post(sim, task_id, "rollback").status_code == 200
    failed = wait(sim, task_id, done)
    step = sub_named(failed, "Run inspection")
    assert (failed["status"], failed["operation"]) == ("FAILED", "ROLLBACK")
    assert (step["status"], step["operation"]) == ("FAILED", "ROLLBACK")
    assert "Rollback Run inspection failed" in log_of(sim, task_id, step["id"])
    refused = subtask_post(sim, task_id, step["id"], "retry").json()["error"]
    assert (refused["code"], refused["message"]) == (
        20003,
        f"This operation is not supported for the {step['id']} task in the ROLLBACK state.",
    )
    assert task_post(sim, task_id, "retry").json()["error"]["code"] == 20003
    assert subtask_post(sim, task_id, step["id"], "skip").status_code == 200
    final = wait(sim, task_id, done)
    assert (final["status"], final["operation"]) == ("SUCCESSFUL", "ROLLBACK")
    skipped = sub_named(final, "Run inspection")
    assert (skipped["status"], skipped["operation"]) == ("PENDING", "ROLLBACK_SKIP")
    assert all(s["status"] == "PENDING" for s in final["subtasks"])


def test_a_failed_rollback_may_be_rolled_back_again(sim):
    sim.faults(
        fail_subtask={"name": "Save inspection report", "times": 1},
        fail_rollback={"name": "Collect inspection items", "times": 1},
    )
    task_id = sim.start_task(1, "Inspect OB cluster", "MANUAL", steps=3)
    wait(sim, task_id, done)
    task_post(sim, task_id, "rollback")
    assert wait(sim, task_id, done)["status"] == "FAILED"
    again = task_post(sim, task_id, "rollback")
    assert again.status_code == 200 and again.json()["data"]["status"] == "RUNNING"
    final = wait(sim, task_id, done)
    assert (final["status"], final["operation"]) == ("SUCCESSFUL", "ROLLBACK")
    first = sub_named(final, "Collect inspection items")
    assert (first["status"], first["operation"]) == ("PENDING", "ROLLBACK")


def test_a_context_flag_forbids_rollback(sim):
    sim.faults(fail_subtask={"name": "Run step 1", "times": 1})
    task_id = sim.start_task(1, "Custom job", "MANUAL", steps=2, prohibit_rollback=True)
    failed = wait(sim, task_id, done)
    assert failed["prohibitRollback"] is True
    assert task_post(sim, task_id, "rollback").json()["error"]["code"] == 20004


def test_prohibit_rollback_counts_only_started_steps(sim):
    sim.config(step_seconds=0.3)
    parent = start(sim, 1, {"rpmFileName": ORION_RPM})
    assert task(sim, parent["id"])["prohibitRollback"] is False
    wait_for(lambda: task(sim, parent["id"])["prohibitRollback"], what="the Submit step to start")
    submit = sub_named(task(sim, parent["id"]), "Submit cluster upgrade task")
    assert submit["status"] in {"RUNNING", "SUCCESSFUL"}
