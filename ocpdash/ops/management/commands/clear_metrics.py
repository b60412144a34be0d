from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.core.commands import PeopleCommand


class Command(PeopleCommand):
    help = gettext_lazy(
        "Empty PROMETHEUS_MULTIPROC_DIR, as prometheus-client wants between runs: run it when a host's "
        "ocpdash processes (re)start, before any of them (one file per process id piles up otherwise)."
    )

    def handle(self, *args, **options):
        folder = Path(settings.PROMETHEUS_MULTIPROC_DIR)
        removed = 0
        for entry in folder.glob("*.db"):
            entry.unlink(missing_ok=True)
            removed += 1
        folder.mkdir(parents=True, exist_ok=True)
        self.stdout.write(
            _("Metrics folder %(folder)s: %(removed)s file(s) removed.")
            % {"folder": folder, "removed": removed}
        )
