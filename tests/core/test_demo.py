from django.contrib.auth import get_user_model

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.demo import catalog_file_names, load_demo


def test_loading_demo_twice_changes_nothing(db):
    first = load_demo()
    users = list(get_user_model().objects.order_by("username").values_list("username", "password"))
    packages = list(RpmPackage.objects.order_by("file_name").values_list("file_name", flat=True))
    second = load_demo()
    assert first["users"] == 3 and first["packages"] == len(catalog_file_names()) > 0
    assert second == {"users": 0, "packages": 0}
    assert list(get_user_model().objects.order_by("username").values_list("username", "password")) == users
    assert list(RpmPackage.objects.order_by("file_name").values_list("file_name", flat=True)) == packages


def test_demo_roles(db):
    load_demo()
    users = get_user_model().objects
    assert users.get(username="operator").has_perm("upgrades.submit_upgrade")
    assert not users.get(username="viewer").has_perm("upgrades.submit_upgrade")
    assert users.get(username="viewer").has_perm("upgrades.view_upgrade")
    assert users.get(username="admin").is_superuser
