from django.db import connection

from ocpdash.sites.models import OcpSite


def test_site_secrets_are_ciphertext_in_the_database(db):
    site = OcpSite.objects.create(
        name="s", base_url="http://127.0.0.1:1", username="u", password="hunter2-secret",
        access_key_id="ak", access_key_secret="sk-secret-value",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, access_key_secret FROM sites_ocpsite WHERE id = %s", [site.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("fernet:") for value in stored)
    assert "hunter2-secret" not in stored[0] and "sk-secret-value" not in stored[1]
    site.refresh_from_db()
    assert (site.password, site.access_key_secret) == ("hunter2-secret", "sk-secret-value")
    assert "hunter2" not in repr(site) and "hunter2" not in str(site)


def test_admin_site_form_never_renders_the_secret(admin_client, db):
    site = OcpSite.objects.create(
        name="s", base_url="http://127.0.0.1:1", username="u", password="hunter2-secret"
    )
    page = admin_client.get(f"/admin/sites/ocpsite/{site.pk}/change/").content.decode()
    assert "hunter2-secret" not in page
    assert "fernet:" not in page
