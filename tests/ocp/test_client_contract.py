"""Contract tests: the client against the bundled OCP simulator over real HTTP, as OCP 4.2 and 4.3.

Seed estate (ocpdash/simulator/estate.py): 1 "orion" 4.2.1.0 and 2 "helios" 4.2.0.0 can be upgraded;
5 "sirius" is STOPPED; 6 "terran" (2.2.73) has no path in the upstream files; 8 "draco" misses the
4.1.0.2 RPM its path needs. Every test that sends an upgrade runs against both OCP profiles, with
the body the client builds for the version OCP reports.
"""

import time

import pytest

from ocpdash.ocp import (
    AkSkAuth,
    BasicAuth,
    OcpAuthError,
    OcpClient,
    OcpForbidden,
    OcpNotFound,
    OcpRateLimited,
    OcpRefused,
    OcpServerError,
    OcpUnreachable,
    TaskInstance,
)
from ocpdash.ocp.client import UpgradeRequest, wants_new_upgrade_body
from ocpdash.ocp.rpm import parse_rpm_filename

ORION_RPM = "oceanbase-4.2.1.1-100000162023111615.el7.x86_64.rpm"
HELIOS_RPM = "oceanbase-4.2.1.2-100000082024010818.el7.x86_64.rpm"
DRACO_RPM = HELIOS_RPM


@pytest.fixture(params=["4.2.2", "4.3.2"])
def sim(simulator, request):
    simulator.config(step_seconds=0.05, ocp_version=request.param)
    return simulator


@pytest.fixture
def client(sim):
    with OcpClient(sim.url, BasicAuth(sim.username, sim.password), sleep=lambda s: None) as c:
        yield c


def request_for(rpm: str) -> UpgradeRequest:
    """What ocpdash sends for an RPM: the client spells it for the OCP version it talks to."""
    parts = parse_rpm_filename(rpm)
    return UpgradeRequest(rpm, parts.full_version, parts.dist, "ROLLING")


def upgrade(client, cluster_id: int, rpm: str):
    return client.upgrade_cluster(cluster_id, request_for(rpm), ocp_version=client.get_info().version)


def wait_task(client, task_id, until, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        task = client.get_task(task_id)
        if until(task):
            return task
        assert time.monotonic() < deadline, (
            f"task {task_id} stuck: {task.status} {[s.status for s in task.subtasks]}"
        )
        time.sleep(0.05)


def failed_subtask(task: TaskInstance):
    return next(s for s in task.subtasks if s.status == "FAILED")


def test_ping(client):
    assert client.ping() is None


def test_info_reports_the_ocp_version(client, sim):
    info = client.get_info()
    assert info.version[:3] == tuple(int(n) for n in sim.settings()["ocp_version"].split("."))


def test_clusters_zones_servers_and_hosts(client):
    clusters = client.list_clusters()
    assert {c.id for c in clusters} >= set(range(1, 13))
    assert [c.name for c in client.list_clusters(name="TERR")] == ["terran"]
    assert {c.id for c in client.list_clusters(status="STOPPED")} == {5}
    terran = client.get_cluster(6)
    assert (terran.name, terran.status, terran.ob_version[:6]) == ("terran", "RUNNING", "2.2.73")
    zones = client.list_zones(6)
    assert len(zones) == 5 and zones[0].name == "zone1"
    servers = client.list_servers(6)
    assert len(servers) == 5 and all(s.port == 2882 and s.sql_port == 2881 for s in servers)
    host = client.get_host(servers[0].host_id)
    assert (host.id, host.architecture, host.ip) == (servers[0].host_id, "x86_64", servers[0].ip)
    assert host.operating_system_release == "centos7" and ".el7." in host.operating_system


def test_pairs_are_named_from_both_sides(client):
    castor, pollux = client.get_cluster(9), client.get_cluster(10)
    assert [s.id for s in castor.standby_clusters] == [10] and castor.primary_cluster is None
    assert pollux.primary_cluster.id == 9 and pollux.type == "STANDBY"


def test_without_the_undocumented_cluster_get_the_list_answers(client, sim):
    sim.config(cluster_get=False)
    assert client.get_cluster(6, name="terran").name == "terran"
    assert client.get_cluster(9).name == "castor"
    with pytest.raises(OcpNotFound):
        client.get_cluster(999)


def test_not_found(client):
    with pytest.raises(OcpNotFound) as info:
        client.get_cluster(999)
    assert info.value.status == 404 and info.value.code is not None
    with pytest.raises(OcpNotFound):
        client.get_task(987654)
    with pytest.raises(OcpNotFound):
        client.get_host(99999)


def test_packages_paging_filters_and_upload(client, sim):
    everything = client.list_packages(page_size=3)
    assert len(everything) == len({p.id for p in everything}) >= 10
    assert len(sim.calls("GET", "/software-packages")) == -(-len(everything) // 3)  # one call per page
    assert ORION_RPM in {p.file_name for p in everything}
    assert {p.type for p in everything} > {"OB_SERVER_INSTALL_PACKAGE"}, "OCP lists obproxy and agents too"
    aarch = client.list_packages(architecture="aarch64")
    assert aarch and all(p.architecture == "aarch64" for p in aarch)
    new_name = "oceanbase-4.2.1.3-100000012024030110.el7.x86_64.rpm"
    pkg = client.upload_package(new_name, b"not really an rpm")
    assert (pkg.file_name, pkg.version, pkg.architecture, pkg.operating_system) == (
        new_name,
        "4.2.1.3",
        "x86_64",
        "el7",
    )
    assert new_name in {p.file_name for p in client.list_packages(keyword="4.2.1.3")}
    with pytest.raises(OcpRefused) as info:
        client.upload_package(new_name, b"again")
    assert info.value.status in (400, 409) and info.value.ocp_message
    with pytest.raises(OcpRefused) as info:
        client.upload_package("not-an-rpm.txt", b"x")
    assert info.value.status == 400


def test_upgrade_returns_parent_task_in_sample_shape(client, sim):
    task = upgrade(client, 1, ORION_RPM)
    assert task.name == "Submit upgrade OB cluster dag"
    assert task.cluster_id == 1 and task.cluster_name == "orion"
    assert task.context.string_map["cluster_id"] == "1"
    assert task.context.list_map["binary_upgrade_versions"][-1] == "4.2.1.1-100000162023111615"
    (body,) = sim.upgrade_bodies()
    if client.get_info().version >= (4, 3):
        assert body == {
            "upgradeMode": "ROLLING",
            "destVersion": "4.2.1.1-100000162023111615",
            "operatingSystem": "el7",
        }
    else:
        assert body == {"rpmFileName": ORION_RPM}
    names = {s.name for s in task.subtasks}
    assert {"Start node", "Prepare upgrade cluster", "Update OB cluster status"} <= names
    assert task.id in {t.id for t in client.list_tasks(cluster_id=1)}
    assert client.get_task(task.id).context.raw == "", "OCP's GET task carries no context"
    assert sim.upgrade_posts() == 1
    with pytest.raises(OcpRefused) as info:  # an upgrade is already running on the cluster
        upgrade(client, 1, ORION_RPM)
    assert info.value.status == 400 and info.value.ocp_message


def test_upgrade_refusals(client):
    with pytest.raises(OcpRefused):
        upgrade(client, 5, "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm")  # STOPPED
    with pytest.raises(OcpRefused):
        upgrade(client, 6, "oceanbase-2.2.75-20210108170301.el7.x86_64.rpm")  # 2.2.x: no upstream path
    with pytest.raises(OcpRefused) as info:
        upgrade(client, 8, DRACO_RPM)  # the 4.1.0.2 RPM on its path is missing
    assert "4.1.0.2" in (info.value.ocp_message or "") + info.value.message
    with pytest.raises(OcpNotFound):
        upgrade(client, 999, ORION_RPM)


def test_ocp_43_refuses_the_classic_body_alone_with_bean_validation(sim):
    sim.config(ocp_version="4.3.2")
    client = OcpClient(sim.url, BasicAuth(sim.username, sim.password))
    with pytest.raises(OcpRefused) as info:
        client.upgrade_cluster(1, ORION_RPM)  # {"rpmFileName"} only
    assert info.value.status == 400 and wants_new_upgrade_body(info.value)
    assert {e.field for e in info.value.sub_errors} >= {"upgradeMode", "destVersion", "operatingSystem"}
    assert client.list_tasks(cluster_id=1) == []


def test_upgrade_runs_to_success(client):
    task = upgrade(client, 1, ORION_RPM)
    done = wait_task(client, task.id, lambda t: t.is_terminal, timeout=30)
    assert done.is_successful and done.finish_time is not None
    assert client.get_cluster(1).status == "RUNNING"
    log = client.get_subtask_log(task.id, done.subtasks[0].id)
    assert isinstance(log, str) and "############" in log


def test_list_tasks_pages_newest_first(client):
    for cluster_id, rpm in ((2, HELIOS_RPM), (1, ORION_RPM)):
        upgrade(client, cluster_id, rpm)
    everything = client.list_tasks(page_size=2)
    assert len(everything) >= 2
    ids = [t.id for t in everything]
    assert ids == sorted(ids, reverse=True)
    assert [t.id for t in client.list_tasks(page_size=1, max_pages=1)] == ids[:1]
    assert {t.cluster_id for t in client.list_tasks(cluster_id=2)} == {2}
    assert [t.name for t in client.list_tasks(cluster_id=1, type="SYS_SCHEDULED")] == []


def test_wrong_password_is_an_auth_error(sim):
    client = OcpClient(sim.url, BasicAuth(sim.username, "wrong"))
    with pytest.raises(OcpAuthError) as info:
        client.list_clusters()
    assert info.value.status == 401 and "wrong" not in info.value.message
    assert info.value.message.startswith("OCP rejected our credentials")


def test_viewer_can_read_but_not_upgrade(sim):
    client = OcpClient(sim.url, BasicAuth("viewer", "viewer"))
    assert client.list_clusters()
    with pytest.raises(OcpForbidden) as info:
        upgrade(client, 1, ORION_RPM)
    assert info.value.status == 403 and info.value.request_sent
    assert sim.upgrade_posts() == 1  # the POST arrived, nothing started
    assert client.list_tasks(cluster_id=6) == []


def test_aksk_auth_reads_and_writes(sim):
    client = OcpClient(sim.url, AkSkAuth(sim.access_key_id, sim.access_key_secret))
    assert {c.id for c in client.list_clusters(name="terran", status=["RUNNING", "STOPPED"])} == {6}
    assert client.list_packages(page_size=4)
    task = upgrade(client, 1, ORION_RPM)
    assert task.cluster_id == 1
    pkg = client.upload_package("oceanbase-4.2.1.4-100000012024030111.el7.x86_64.rpm", b"rpm bytes")
    assert pkg.version == "4.2.1.4"


def test_wrong_aksk_signature_is_refused(sim):
    client = OcpClient(sim.url, AkSkAuth(sim.access_key_id, "not-the-secret"))
    with pytest.raises(OcpAuthError):
        client.list_clusters()
    client = OcpClient(sim.url, AkSkAuth("unknown-ak", sim.access_key_secret))
    with pytest.raises(OcpAuthError):
        client.get_cluster(6)


def test_get_retries_server_errors_and_rate_limits(sim, client):
    sim.faults(http_error={"status": 503, "count": 2, "method": "GET"})
    assert client.get_cluster(6).id == 6
    assert len(sim.calls("GET", "/ob/clusters/6")) == 3
    sim.clear_faults()
    sim.faults(http_error={"status": 429, "count": 1, "retry_after": 1, "method": "GET"})
    assert client.get_cluster(6).id == 6


def test_get_gives_up_after_retries(sim):
    sleeps = []
    client = OcpClient(sim.url, BasicAuth(sim.username, sim.password), max_retries=2, sleep=sleeps.append)
    sim.faults(http_error={"status": 500, "count": 10, "method": "GET"})
    with pytest.raises(OcpServerError) as info:
        client.list_zones(6)
    assert info.value.status == 500 and len(sleeps) == 2


def test_post_is_never_retried(sim, client):
    sim.faults(http_error={"status": 503, "count": 1, "method": "POST"})
    with pytest.raises(OcpServerError) as info:
        upgrade(client, 1, ORION_RPM)
    assert info.value.request_sent is True and sim.upgrade_posts() == 1
    sim.clear_faults()
    sim.faults(http_error={"status": 429, "count": 1, "method": "POST", "retry_after": 3})
    with pytest.raises(OcpRateLimited) as info:
        upgrade(client, 1, ORION_RPM)
    assert info.value.retry_after == 3
    assert client.list_tasks(cluster_id=1) == []


def test_dropped_connection_on_upgrade_means_maybe_sent(sim, client):
    sim.faults(ambiguous_upgrade=True)
    with pytest.raises(OcpUnreachable) as info:
        upgrade(client, 1, ORION_RPM)
    assert info.value.request_sent is True
    sim.clear_faults()
    # the operator's next step: look before re-sending
    assert [t.name for t in client.list_tasks(cluster_id=1)] == ["Submit upgrade OB cluster dag"]


def test_fail_then_retry_subtask(sim, client):
    sim.faults(fail_subtask={"name": "Prepare upgrade cluster", "times": 1})
    task = upgrade(client, 1, ORION_RPM)
    failed = wait_task(client, task.id, lambda t: t.status == "FAILED")
    sub = failed_subtask(failed)
    assert sub.name == "Prepare upgrade cluster"
    with pytest.raises(OcpRefused) as info:  # cancel only applies to RUNNING subtasks
        client.cancel_subtask(task.id, sub.id)
    assert info.value.status == 400
    retried = client.retry_subtask(task.id, sub.id)
    assert retried.id == sub.id and retried.operation == "RETRY" and retried.run_time == 2
    running = client.get_task(task.id)
    assert running.status == "RUNNING"
    with pytest.raises(OcpRefused) as info:  # retry/rollback of a task need it FAILED
        client.retry_task(task.id)
    assert info.value.code is not None
    with pytest.raises(OcpRefused):
        client.rollback_task(task.id)
    with pytest.raises(OcpRefused):  # skip only applies to FAILED subtasks
        client.skip_subtask(task.id, sub.id)


def test_fail_then_skip_subtask(sim, client):
    sim.faults(fail_subtask={"name": "Prepare upgrade cluster", "times": 1})
    task = upgrade(client, 1, ORION_RPM)
    sub = failed_subtask(wait_task(client, task.id, lambda t: t.status == "FAILED"))
    assert client.skip_subtask(task.id, sub.id) is None
    skipped = wait_task(client, task.id, lambda t: t.subtask(sub.id).is_skipped)
    assert skipped.subtask(sub.id).status == "SUCCESSFUL"


def test_fail_then_retry_and_rollback_task(sim, client):
    sim.faults(fail_subtask={"name": "Prepare upgrade cluster", "times": 2})
    task = upgrade(client, 1, ORION_RPM)
    wait_task(client, task.id, lambda t: t.status == "FAILED")
    assert client.retry_task(task.id).status == "RUNNING"
    failed = wait_task(client, task.id, lambda t: t.status == "FAILED")
    assert not failed.prohibit_rollback
    rolling_back = client.rollback_task(task.id)
    assert rolling_back.operation == "ROLLBACK"
    done = wait_task(client, task.id, lambda t: t.is_terminal)
    assert done.status == "SUCCESSFUL" and all(s.status == "PENDING" for s in done.subtasks)
    with pytest.raises(OcpRefused):
        client.retry_task(task.id)


def test_cancel_running_subtask_and_rollback_refused_after_zone_steps(sim, client):
    sim.faults(hang_subtask={"name": "Stop zone", "times": 1})
    task = upgrade(client, 1, ORION_RPM)

    def child_hanging():
        for summary in client.list_tasks(cluster_id=1):
            if summary.id != task.id:
                child = client.get_task(summary.id)
                hung = [s for s in child.subtasks if s.status == "RUNNING" and s.name.startswith("Stop zone")]
                if hung:
                    return child, hung[0]
        return None

    deadline = time.monotonic() + 15
    while (found := child_hanging()) is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child, sub = found
    assert client.cancel_subtask(child.id, sub.id) is None
    failed = wait_task(client, child.id, lambda t: t.status == "FAILED")
    assert failed.subtask(sub.id).is_canceled
    with pytest.raises(OcpRefused) as info:
        client.rollback_task(child.id)
    assert info.value.status == 400 and info.value.code is not None


def test_dropped_connections_get_is_retried_post_is_not(sim, client):
    sim.faults(drop_connection={"count": 1, "method": "GET"})
    assert client.get_cluster(6).id == 6
    assert len(sim.calls("GET", "/ob/clusters/6")) == 2
    sim.clear_faults()
    sim.faults(drop_connection={"count": 1, "method": "POST"})
    with pytest.raises(OcpUnreachable) as info:
        upgrade(client, 1, ORION_RPM)
    assert info.value.request_sent is True and sim.upgrade_posts() == 1


def test_connection_refused_is_not_sent():
    from .scripted_server import free_port

    client = OcpClient(f"http://127.0.0.1:{free_port()}", BasicAuth("admin", "x"), max_retries=0)
    with pytest.raises(OcpUnreachable) as info:
        client.upgrade_cluster(1, ORION_RPM)
    assert info.value.request_sent is False
