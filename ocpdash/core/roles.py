"""The roles, as Django groups: viewers read, operators upgrade, approvers approve or decline other
people's upgrade requests (ocpdash.changes), catalog admins keep the RPMs.

Superusers (admins) can do everything. Every mutating path checks one of these permissions.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

VIEWER = "Viewers"
OPERATOR = "Operators"
CATALOG_ADMIN = "Catalog admins"
APPROVER = "Approvers"

VIEW_PERMS = [
    "sites.view_ocpsite",
    "sites.view_cluster",
    "catalog.view_rpmpackage",
    "upgrades.view_upgrade",
    "upgrades.view_upgradestep",
    "upgrades.view_upgradeevent",
]
OPERATE_PERMS = ["upgrades.submit_upgrade", "upgrades.operate_upgrade", "upgrades.review_upgrade"]
APPROVE_PERMS = ["upgrades.approve_upgrade"]
CATALOG_PERMS = ["catalog.add_rpmpackage", "catalog.change_rpmpackage", "catalog.delete_rpmpackage"]
ROLE_PERMS = {
    VIEWER: VIEW_PERMS,
    OPERATOR: [*VIEW_PERMS, *OPERATE_PERMS],
    CATALOG_ADMIN: [*VIEW_PERMS, *CATALOG_PERMS],
    APPROVER: [*VIEW_PERMS, *APPROVE_PERMS],
}


def ensure_roles() -> None:
    """Create the groups and give them exactly their permissions (idempotent)."""
    for group_name, perm_names in ROLE_PERMS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = []
        for dotted in perm_names:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
