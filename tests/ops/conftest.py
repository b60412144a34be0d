import pytest
from django.db.models.functions import Now

from ocpdash.ops.models import Heartbeat


@pytest.fixture
def beat_and_worker(db):
    """A live worker and a live beat, as their heartbeats say (written with the database's clock)."""
    for kind, name in (("worker", "worker@host-a"), ("beat", "beat@host-a")):
        Heartbeat.objects.create(kind=kind, name=name, host="host-a", pid=1, started_at=Now(), seen_at=Now())


@pytest.fixture
def metrics_dir(tmp_path, settings):
    """A folder of its own for /metrics to read (the processes a test starts write there too)."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    settings.PROMETHEUS_MULTIPROC_DIR = str(folder)
    return folder


@pytest.fixture
def make_upgrade_row(make_cluster, make_package, make_user):
    from ocpdash.upgrades.models import State, Upgrade

    def make(state=State.SUCCESSFUL, **fields):
        cluster = make_cluster()
        package = make_package(f"oceanbase-3.1.{Upgrade.objects.count()}-20210108170301.el7.x86_64.rpm")
        return Upgrade.objects.create(
            cluster=cluster, package=package, requested_by=fields.pop("requested_by", None) or make_user(),
            state=state, from_version=cluster.version, to_version=package.full_version, **fields,
        )  # fmt: skip

    return make
