from __future__ import annotations

from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, get_upgrade, step_line, upgrade_summary


class Command(PeopleCommand):
    help = gettext_lazy("Show an upgrade: state, OCP task and every step with its status.")

    def add_arguments(self, parser):
        parser.add_argument("upgrade", help=gettext_lazy("Upgrade id"))
        parser.add_argument(
            "--events", action="store_true", help=gettext_lazy("Also print the event history")
        )

    def handle(self, *args, **options):
        upgrade = get_upgrade(options["upgrade"])
        for line in upgrade_summary(upgrade):
            self.stdout.write(line)
        for step in upgrade.steps.all():
            self.stdout.write(step_line(step))
        if options["events"]:
            for event in upgrade.events.select_related("actor"):
                self.stdout.write(f"  {event.created_at:%H:%M:%S} {event.actor_name}: {event.text}")
