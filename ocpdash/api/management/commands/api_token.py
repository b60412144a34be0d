"""Issue or revoke a user's API token (``Authorization: Token <key>``)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.models import Token

from ocpdash.api.cli import PeopleCommand, get_user


class Command(PeopleCommand):
    help = gettext_lazy(
        "Issue (print) or revoke the API token of a user. Issuing replaces any earlier token."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["issue", "revoke"])
        parser.add_argument("username")

    def handle(self, *args, action: str, username: str, **options):
        user = get_user(username)
        deleted, _rows = Token.objects.filter(user=user).delete()
        if action == "revoke":
            if not deleted:
                raise CommandError(_("%(user)s has no API token.") % {"user": username})
            self.stdout.write(_("Revoked the API token of %(user)s.") % {"user": username})
            return
        token = Token.objects.create(user=user)
        self.stdout.write(token.key)
