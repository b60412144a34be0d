"""Demo users and a catalog that mirrors the bundled simulator's packages. Loading twice changes nothing."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.roles import CATALOG_ADMIN, OPERATOR, VIEWER, ensure_roles

DEMO_USERS = (
    ("admin", True, ()),
    ("operator", False, (OPERATOR,)),
    ("viewer", False, (VIEWER,)),
)


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
    return {"users": created_users, "packages": created_packages}
