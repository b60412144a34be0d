"""Demo users, a catalog that mirrors the bundled simulator's packages, and change management to try:
cluster helios labelled ``production`` needs one approval and has a weekly maintenance window.
Loading twice changes nothing."""

from __future__ import annotations

import os
from datetime import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.roles import APPROVER, CATALOG_ADMIN, OPERATOR, VIEWER, ensure_roles

DEMO_USERS = (
    ("admin", True, ()),
    ("operator", False, (OPERATOR,)),
    ("viewer", False, (VIEWER,)),
    ("approver", False, (APPROVER,)),
)
DEMO_PRODUCTION = "helios"  # labelled production: its upgrades need an approval
DEMO_LABEL = "production"
DEMO_WINDOW = {"weekday": 5, "start_time": time(1, 0), "end_time": time(5, 0), "time_zone": "Asia/Shanghai"}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "demo")


def catalog_file_names() -> list[str]:
    """The OceanBase server RPMs the simulator starts with (it lists obproxy and agent packages too,
    as OCP does; the catalog holds only what an upgrade can target)."""
    from ocpdash.ocp.rpm import RpmNameError, parse_rpm_filename
    from ocpdash.simulator.estate import seed_package_file_names

    names = []
    for file_name in seed_package_file_names():
        try:
            parse_rpm_filename(file_name)
        except RpmNameError:
            continue
        names.append(file_name)
    return names


@transaction.atomic
def load_demo() -> dict[str, int]:
    ensure_roles()
    user_model = get_user_model()
    created_users = 0
    for username, is_super, groups in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": is_super, "is_superuser": is_super}
        )
        if created:
            user.set_password(demo_password())
            user.save()
            created_users += 1
        if groups:
            user.groups.add(*Group.objects.filter(name__in=groups))
    admin = user_model.objects.get(username="admin")
    admin.groups.add(*Group.objects.filter(name__in=[CATALOG_ADMIN]))
    created_packages = 0
    for file_name in catalog_file_names():
        _, created = RpmPackage.objects.get_or_create(
            file_name=file_name,
            defaults={"added_by": admin, "notes": "Demo catalog (matches the simulator)."},
        )
        created_packages += created
    return {"users": created_users, "packages": created_packages, **load_demo_changes()}


def load_demo_changes() -> dict[str, int]:
    """The production label on helios, a one-approval policy for the label and a weekly window for
    helios (the clusters come from the simulator: see sync_demo_estate)."""
    from ocpdash.changes.models import ApprovalPolicy, MaintenanceWindow
    from ocpdash.sites.models import Cluster

    _, policies = ApprovalPolicy.objects.get_or_create(
        label=DEMO_LABEL,
        defaults={"approvals_required": 1, "note": "Demo: production upgrades need a second person."},
    )
    labelled = 0
    for cluster in Cluster.objects.filter(name=DEMO_PRODUCTION):
        if not cluster.has_label(DEMO_LABEL):
            cluster.labels = [*(cluster.labels or []), DEMO_LABEL]
            cluster.save(update_fields=["labels"])
            labelled += 1
    # The window is helios's own, not the site's: a demo rollout to the other clusters starts now
    # instead of waiting for Saturday night.
    windows = 0
    for cluster in Cluster.objects.filter(name=DEMO_PRODUCTION):
        _, created = MaintenanceWindow.objects.get_or_create(
            cluster=cluster, weekday=DEMO_WINDOW["weekday"], defaults={**DEMO_WINDOW, "note": "Demo window"}
        )
        windows += created
    return {"policies": int(policies), "labelled": labelled, "windows": windows, "channels": _demo_mail()}


def _demo_mail() -> int:
    """An email channel for every event: with the console mail backend (the default) the worker's
    output shows each notification."""
    from ocpdash.notify.models import Channel, EventKind, Subscription

    channel, created = Channel.objects.get_or_create(
        name="Demo team mail",
        defaults={"kind": Channel.Kind.EMAIL, "recipients": "dba-team@example.com", "message_format": "text"},
    )
    if created:
        events = [kind.value for kind in EventKind if kind != EventKind.TEST]
        Subscription.objects.create(channel=channel, events=events, scope=Subscription.Scope.ALL)
    return int(created)


def sync_demo_estate(site) -> int:
    """Sync ``site``'s clusters from an in-process copy of the bundled simulator (its estate is the
    same every start), so the demo's labels and history have their clusters before the simulator
    process runs. Returns the number of clusters stored."""
    import copy
    import threading

    from ocpdash.simulator import config
    from ocpdash.simulator.__main__ import parse_args
    from ocpdash.simulator.auth import Credentials
    from ocpdash.simulator.server import make_server
    from ocpdash.simulator.state import Simulator
    from ocpdash.sites.sync import sync_site

    args = parse_args([])
    creds = Credentials(basic={site.username or args.username: site.password or args.password})
    server = make_server("127.0.0.1", 0, Simulator(config.settings_from_args(args), credentials=creds))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        local = copy.copy(site)
        local.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        result = sync_site(local)
    finally:
        server.shutdown()
        server.server_close()
    if result.error:
        raise RuntimeError(f"Demo sync failed: {result.error}")
    return result.clusters
