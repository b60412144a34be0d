from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from ocpdash.sites.models import OcpSite


def stored(site_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, access_key_secret FROM sites_ocpsite WHERE id = %s", [site_id])
        return cursor.fetchone()


def test_rotation_re_encrypts_every_secret_under_the_new_first_key(db, settings, capsys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    site = OcpSite.objects.create(name="r", base_url="http://x", username="u", password="pw-1",
                                  access_key_id="ak", access_key_secret="sk-1")  # fmt: skip
    before = stored(site.pk)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_key")
    assert "Re-encrypted 2 secrets" in capsys.readouterr().out
    after = stored(site.pk)
    assert after != before and all(v.startswith("fernet:") for v in after)
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key can now be dropped
    site = OcpSite.objects.get(pk=site.pk)
    assert (site.password, site.access_key_secret) == ("pw-1", "sk-1")
