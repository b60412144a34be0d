"""Re-encrypt every stored OCP credential with the first key of OCPDASH_ENCRYPTION_KEY.

Rotation: put the new key first and keep the old one after it (``NEW,OLD``), run this command,
then drop the old key. Values are decrypted with any listed key and written back under the first.
"""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core.commands import PeopleCommand
from ocpdash.sites.fields import PREFIX
from ocpdash.sites.models import OcpSite

SECRET_FIELDS = ("password", "access_key_secret")


class Command(PeopleCommand):
    help = gettext_lazy("Re-encrypt every OCP site secret with the first key of OCPDASH_ENCRYPTION_KEY.")

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                count = sum(self.rotate(site) for site in OcpSite.objects.select_for_update())
        except ValueError as exc:  # a value no listed key can decrypt
            raise CommandError(str(exc))
        self.check_first_key_reads_all()
        self.stdout.write(_("Re-encrypted %(count)s secrets with the first key.") % {"count": count})

    def rotate(self, site: OcpSite) -> int:
        values = {field: getattr(site, field) for field in SECRET_FIELDS if getattr(site, field)}
        if values:
            OcpSite.objects.filter(pk=site.pk).update(**values)  # encrypts with the first key
        return len(values)

    def check_first_key_reads_all(self) -> None:
        """Read the raw column values (the ORM would decrypt them) and decrypt with the first key only."""
        first = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
        table = connection.ops.quote_name(OcpSite._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT password, access_key_secret FROM {table}")  # noqa: S608 - no user input
            for row in cursor.fetchall():
                for stored in filter(None, row):
                    first.decrypt(stored[len(PREFIX) :].encode())  # raises if still under an old key
