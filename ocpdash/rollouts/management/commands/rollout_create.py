from __future__ import annotations

import time

from django.core.management.base import CommandError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import PeopleCommand, add_user_argument, get_user
from ocpdash.rollouts import flow
from ocpdash.rollouts.cli import choose_clusters, command_error, packages, plan_lines, status_lines
from ocpdash.rollouts.models import ENDED_STATES, Rollout
from ocpdash.rollouts.plan import Strategy
from ocpdash.upgrades.errors import UpgradeError


class Command(PeopleCommand):
    help = gettext_lazy(
        "Plan and create a fleet rollout as --user: every chosen cluster (a primary/standby pair is one "
        "unit) pre-checked with OCP, the canary first, then waves. --plan-only prints the plan and stops."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help=gettext_lazy("The rollout's name"))
        add_user_argument(parser)
        parser.add_argument(
            "--package", action="append", help=gettext_lazy("Catalog package id or file name (repeat)")
        )
        parser.add_argument(
            "--cluster", action="append", help=gettext_lazy("Cluster id, name or site/name (repeat)")
        )
        parser.add_argument("--site", default="", help=gettext_lazy("Every cluster of this site …"))
        parser.add_argument("--label", default="", help=gettext_lazy("… with this label …"))
        parser.add_argument(
            "--from-version", default="", help=gettext_lazy("… whose version starts with this")
        )
        parser.add_argument(
            "--canary", action="append", help=gettext_lazy("Cluster upgraded first on its own (repeat)")
        )
        parser.add_argument("--wave-size", type=int, default=5)
        parser.add_argument("--max-parallel", type=int, default=5)
        parser.add_argument("--soak-minutes", type=int, default=0)
        parser.add_argument("--halt-after-failures", type=int, default=1)
        parser.add_argument(
            "--start-at", default="", help=gettext_lazy("ISO 8601 time with its offset (default: now)")
        )
        parser.add_argument("--reason", default="")
        parser.add_argument(
            "--plan-only", action="store_true", help=gettext_lazy("Print the plan; create nothing")
        )
        parser.add_argument("--wait", action="store_true", help=gettext_lazy("Follow it until it ends"))

    def handle(self, *args, **options):
        from ocpdash.api.cli import get_cluster

        user = get_user(options["user"])
        clusters = choose_clusters(options)
        chosen = packages(options["package"])
        canary = [get_cluster(ref).pk for ref in options["canary"] or []]
        strategy = Strategy(
            wave_size=options["wave_size"],
            max_parallel=options["max_parallel"],
            soak_minutes=options["soak_minutes"],
            halt_after_failures=options["halt_after_failures"],
        )
        start_at = None
        if options["start_at"]:
            start_at = parse_datetime(options["start_at"])
            if start_at is None or start_at.tzinfo is None:
                raise CommandError(
                    _("--start-at needs a time with its offset, e.g. 2026-12-05T01:00:00+08:00.")
                )
        try:
            if options["plan_only"]:
                made = flow.preview(
                    user, clusters=clusters, packages=chosen, canary=canary, strategy=strategy
                )
                self.stdout.write("\n".join(plan_lines(made.as_dict())))
                return
            rollout = flow.create(
                user, name=options["name"], clusters=clusters, packages=chosen, canary=canary,
                strategy=strategy, start_at=start_at, reason=options["reason"],
            )  # fmt: skip
        except UpgradeError as exc:
            raise command_error(exc) from None
        self.stdout.write(
            _("Rollout #%(id)s created: %(state)s.") % {"id": rollout.pk, "state": rollout.state}
        )
        self.stdout.write("\n".join(plan_lines(rollout.plan)))
        if options["wait"]:
            follow(self.stdout, rollout.pk)


def follow(out, rollout_id: int) -> None:
    """Print the status whenever it changes, until the rollout ends."""
    seen = -1
    while True:
        rollout = Rollout.objects.get(pk=rollout_id)
        if rollout.revision != seen:
            seen = rollout.revision
            out.write("\n".join(status_lines(rollout)))
        if rollout.state in ENDED_STATES:
            return
        time.sleep(2)
