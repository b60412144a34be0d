"""Re-encrypt every notification channel's URL and secret with the first key of
OCPDASH_ENCRYPTION_KEY (run beside ``rotate_encryption_key``, before the old key is dropped)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core.commands import PeopleCommand
from ocpdash.notify.models import Channel

SECRET_FIELDS = ("url", "secret")


class Command(PeopleCommand):
    help = gettext_lazy(
        "Re-encrypt notification channels' URLs and secrets with the first key of OCPDASH_ENCRYPTION_KEY."
    )

    def handle(self, *args, **options):
        count = 0
        try:
            with transaction.atomic():
                for channel in Channel.objects.select_for_update():
                    values = {name: getattr(channel, name) for name in SECRET_FIELDS}
                    values = {name: value for name, value in values.items() if value}
                    if values:
                        Channel.objects.filter(pk=channel.pk).update(**values)  # encrypts with the first key
                        count += len(values)
        except ValueError as exc:  # a value no listed key can decrypt
            raise CommandError(str(exc))
        self.stdout.write(
            _("Re-encrypted %(count)s notification channel values with the first key.") % {"count": count}
        )
