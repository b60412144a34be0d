"""Parsing OCP replies into typed objects: samples from the docs and surprising replies."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ocpdash.ocp import (
    Cluster,
    OcpMalformedReply,
    SoftwarePackage,
    Subtask,
    TaskContext,
    TaskInstance,
    TaskSummary,
)

SAMPLES = Path(__file__).parent / "samples"
CST = timezone(timedelta(hours=8))


def sample(name):
    return json.loads((SAMPLES / name).read_text())


def test_upgrade_response_sample_parses_into_the_parent_task():
    task = TaskInstance.from_json(sample("upgrade_response.json")["data"])
    assert task.id == 108368
    assert task.name == "Submit upgrade OB cluster dag"
    assert task.status == "RUNNING" and not task.is_terminal
    assert (task.cluster_id, task.cluster_name, task.creator) == (22, "terran", "admin")
    assert task.start_time == datetime(2021, 3, 2, 12, 4, 48, 487000, tzinfo=CST)
    assert task.finish_time is None
    assert [s.id for s in task.subtasks] == [130229, 130230, 130231, 130232, 130233]
    start = task.subtask(130231)
    assert (start.name, start.status, start.upstreams, start.downstreams) == (
        "Start node",
        "RUNNING",
        (),
        (130232,),
    )
    assert task.subtask(130229).downstreams == ()
    assert task.subtask(130230).upstreams == (130233,)


def test_upgrade_response_context_is_parsed():
    ctx = TaskInstance.from_json(sample("upgrade_response.json")["data"]).context
    assert ctx.parallel_idx == -1
    assert ctx.string_map == {
        "cluster_version": "2.2.73-20201211175814",
        "cluster_name": "terran",
        "cluster_id": "22",
        "target_cluster_status": "RUNNING",
        "primary_cluster_id": "22",
    }
    assert ctx.list_map == {
        "binary_upgrade_versions": ["2.2.75-20210108170301"],
        "cluster_ids": ["22"],
        "upgrade_versions": ["2.2.74", "2.2.75-20210108170301"],
    }
    assert ctx.raw.startswith("Context(parallelIdx=-1")


def test_task_detail_reads_subtasks_key_and_all_fields():
    task = TaskInstance.from_json(sample("task_detail.json")["data"])
    assert task.is_terminal and task.is_failed and task.prohibit_rollback
    assert (task.operation, task.type, task.executor) == ("EXECUTE", "MANUAL", "10.1.2.3")
    assert task.create_time == datetime(2021, 8, 25, 15, 9, 31, 740000, tzinfo=CST)
    assert task.finish_time == datetime(2021, 8, 25, 15, 12, 2, 3000, tzinfo=CST)
    failed = task.subtask(13000337)
    assert (failed.series_id, failed.timeout, failed.run_time, failed.parallel_idx) == (2, 1800, 1, -1)
    assert failed.prohibit_rollback and not failed.is_canceled
    assert task.subtask(13000336).is_skipped
    assert task.context.list_map == {}


def test_task_list_rows_parse_as_summaries():
    rows = sample("task_list.json")["data"]["contents"]
    first, second = (TaskSummary.from_json(r) for r in rows)
    assert (first.id, first.cluster_id, first.creator, first.progress) == (1000087, 22, "admin", (1, 2))
    assert second.subtasks == () and second.is_terminal


def test_cluster_sample_with_zones_and_servers():
    rows = sample("cluster_list.json")["data"]["contents"]
    cluster = Cluster.from_json(rows[0])
    assert (cluster.id, cluster.ob_cluster_id, cluster.ob_version, cluster.server_count) == (
        1000002,
        1,
        "2.2.73",
        3,
    )
    assert [z.name for z in cluster.zones] == ["zone1", "zone2", "zone3"]
    server = cluster.zones[0].servers[0]
    assert (server.ip, server.port, server.sql_port, server.host_id, server.zone_name) == (
        "10.0.0.1",
        2882,
        2881,
        31,
        "zone1",
    )
    assert server.with_rootserver
    assert cluster.zones[2].servers == () and cluster.zones[2].idc_name is None


def test_unknown_status_html_name_and_extra_keys_are_kept_verbatim():
    cluster = Cluster.from_json(sample("cluster_list.json")["data"]["contents"][1])
    assert cluster.name == "<b>zerg</b>"
    assert cluster.status == "UPGRADING_SOMEHOW"
    assert cluster.zones == () and cluster.ob_cluster_id is None


def test_package_sample():
    pkg = SoftwarePackage.from_json(sample("package_list.json")["data"]["contents"][0])
    assert pkg.file_name == "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm"
    assert (pkg.version, pkg.build_number, pkg.full_version) == (
        "2.2.75",
        "20210108170301",
        "2.2.75-20210108170301",
    )
    assert (pkg.operating_system, pkg.architecture, pkg.size, pkg.type) == (
        "el7",
        "x86_64",
        123456789,
        "OB_SERVER_INSTALL_PACKAGE",
    )


def test_minimal_task_uses_defaults():
    task = TaskInstance.from_json({"id": 1})
    assert task.subtasks == () and task.context == TaskContext() and task.status is None
    assert not task.is_terminal and task.start_time is None


def test_nulls_and_unknown_enums_do_not_crash():
    task = TaskInstance.from_json(
        {
            "id": 5,
            "name": None,
            "status": "PAUSED_BY_MARTIANS",
            "operation": "TELEPORT",
            "cluster": None,
            "creator": None,
            "context": None,
            "subtasks": None,
            "tasks": [{"id": 9, "status": "WHATEVER", "upstreams": None, "downstreams": None}],
        }
    )
    assert task.status == "PAUSED_BY_MARTIANS" and task.operation == "TELEPORT"
    assert task.subtasks[0].status == "WHATEVER" and task.subtasks[0].upstreams == ()


def test_alternate_spellings_parallel_idx_and_downstream():
    sub = Subtask.from_json({"id": 1, "paralleIdx": 3, "downstream": [2, 3], "upstream": [0]})
    assert (sub.parallel_idx, sub.downstreams, sub.upstreams) == (3, (2, 3), (0,))


def test_cycle_and_out_of_order_ids_are_kept_as_sent():
    task = TaskInstance.from_json(
        {
            "id": 1,
            "subtasks": [
                {"id": 30, "upstreams": [10], "downstreams": [20]},
                {"id": 10, "upstreams": [20], "downstreams": [30]},
                {"id": 20, "upstreams": [30], "downstreams": [10]},
            ],
        }
    )
    assert [s.id for s in task.subtasks] == [30, 10, 20]
    assert task.subtask(10).upstreams == (20,)


def test_empty_subtask_lists_in_both_keys():
    assert TaskInstance.from_json({"id": 1, "subtasks": []}).subtasks == ()
    assert TaskInstance.from_json({"id": 1, "tasks": []}).subtasks == ()


def test_skipped_and_canceled_helpers():
    assert Subtask(1, status="SUCCESSFUL", operation="SKIP").is_skipped
    assert not Subtask(1, status="SUCCESSFUL", operation="EXECUTE").is_skipped
    assert Subtask(1, status="FAILED", operation="CANCEL").is_canceled
    assert Subtask(1, status="PENDING", operation="ROLLBACK").is_rolled_back


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"name": "x"}, "task has no 'id'"),
        ({"id": "108368"}, "field 'id' is a string"),
        ({"id": True}, "field 'id' is a boolean"),
        ({"id": 1, "subtasks": [{"name": "no id"}]}, "subtask has no 'id'"),
        ({"id": 1, "subtasks": "oops"}, "expected a list"),
        ({"id": 1, "subtasks": [7]}, "expected a JSON object"),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_wrong_required_fields_raise_malformed_reply(data, fragment):
    with pytest.raises(OcpMalformedReply) as info:
        TaskInstance.from_json(data)
    assert fragment in info.value.message
    assert not info.value.transient


def test_zone_without_name_is_malformed():
    with pytest.raises(OcpMalformedReply, match="zone has no 'name'"):
        Cluster.from_json({"id": 1, "zones": [{"status": "RUNNING"}]})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Context(parallelIdx=-1, stringMap={}, listMap={})", (-1, {}, {})),
        ("Context(parallelIdx=2, stringMap={a=1}, listMap={l=[]})", (2, {"a": "1"}, {"l": []})),
        (
            "Context(parallelIdx=0, stringMap={msg=a, b, c, k=v}, listMap={x=[1, 2]}, extra=zz)",
            (0, {"msg": "a, b, c", "k": "v"}, {"x": ["1", "2"]}),
        ),
        ("Context(stringMap=null, listMap=null, parallelIdx=-1)", (-1, {}, {})),
    ],
)
def test_context_string_variants(text, expected):
    ctx = TaskContext.parse(text)
    assert (ctx.parallel_idx, ctx.string_map, ctx.list_map) == expected
    assert ctx.raw == text


@pytest.mark.parametrize(
    "text", ["not a context", "Context(parallelIdx=x)", "Context(stringMap={broken)", ""]
)
def test_unparsable_context_keeps_raw_only(text):
    ctx = TaskContext.parse(text)
    assert (ctx.parallel_idx, ctx.string_map, ctx.list_map, ctx.raw) == (None, {}, {}, text)


def test_json_object_context_is_accepted():
    ctx = TaskContext.parse({"parallelIdx": 1, "stringMap": {"a": "b"}, "listMap": {"l": ["x"]}})
    assert (ctx.parallel_idx, ctx.string_map, ctx.list_map) == (1, {"a": "b"}, {"l": ["x"]})


def test_datetimes_are_aware_or_none():
    task = TaskInstance.from_json(
        {
            "id": 1,
            "startTime": "2021-03-02T04:04:48Z",
            "createTime": "2021-03-02T12:04:48",
            "finishTime": "junk",
        }
    )
    assert task.start_time == datetime(2021, 3, 2, 4, 4, 48, tzinfo=UTC)
    assert task.create_time is None and task.finish_time is None


def test_host_details_doc_sample_gives_release_and_kernel():
    """ocp-doc V4.2.2 600.host-module/1400.query-host-details.md, verbatim."""
    from ocpdash.ocp import Host
    from ocpdash.ocp.platform import host_platform

    host = Host.from_json(sample("host_detail.json")["data"])
    assert host.operating_system_release == "alios7"
    assert host.operating_system == "4.9.168-018.ali3000.alios7.x86_64"
    assert host.architecture == "x86_64"
    assert host_platform(host.operating_system_release, host.operating_system).family == "el7"


def test_task_details_doc_sample_has_no_context_and_parses():
    """ocp-doc V4.2.2 1100.task-management/200.query-task-instance-details.md, verbatim: OCP's GET
    task (WrappedTaskInstance) carries no context."""
    task = TaskInstance.from_json(sample("task_detail_doc.json")["data"])
    assert (task.id, task.name, task.type, task.status) == (
        35000312,
        "Reinstall OCP agent",
        "MANUAL",
        "SUCCESSFUL",
    )
    assert task.context.string_map == {} and task.context.list_map == {}
    assert len(task.subtasks) == 4 and all(s.status == "SUCCESSFUL" for s in task.subtasks)


def test_cluster_pair_references_parse_and_bad_ones_are_dropped():
    cluster = Cluster.from_json(
        {
            "id": 10,
            "name": "pollux",
            "type": "STANDBY",
            "primaryCluster": {"id": 9, "name": "castor", "type": "PRIMARY"},
            "standbyClusters": [{"id": 11, "name": "x"}, {"name": "no id"}, None, "junk"],
        }
    )
    assert cluster.primary_cluster.id == 9 and cluster.primary_cluster.name == "castor"
    assert [s.id for s in cluster.standby_clusters] == [11]
    assert Cluster.from_json({"id": 1, "primaryCluster": None}).primary_cluster is None
