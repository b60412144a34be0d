"""Shared by the rollout commands: choose clusters, find a rollout, print a plan and a status."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ocpdash.api.cli import add_user_argument, get_cluster, get_package, get_user
from ocpdash.rollouts.models import Rollout
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import UpgradeError
from ocpdash.upgrades.params import parse_id


def get_rollout(ref: str) -> Rollout:
    rollout_id = parse_id(ref)
    found = Rollout.objects.filter(pk=rollout_id).first() if rollout_id is not None else None
    if found is None:
        raise CommandError(f"No rollout {ref!r} (give its id; rollout_status lists them).")
    return found


def choose_clusters(options: dict) -> list[Cluster]:
    """Clusters named by hand, plus those matching every given --site, --label and --from-version."""
    chosen = {c.pk: c for c in (get_cluster(ref) for ref in options["cluster"] or [])}
    if options["site"] or options["label"] or options["from_version"]:
        qs = Cluster.objects.select_related("site", "primary").filter(present_in_ocp=True)
        if options["site"]:
            qs = qs.filter(site__name=options["site"])
        matching = [c for c in qs.order_by("site__name", "name") if _matches(c, options)]
        chosen.update({c.pk: c for c in matching})
    if not chosen:
        raise CommandError("Choose clusters: --cluster (repeat it), or --site / --label / --from-version.")
    return list(chosen.values())


def _matches(cluster: Cluster, options: dict) -> bool:
    if options["label"] and not cluster.has_label(options["label"]):
        return False
    return not options["from_version"] or cluster.version.startswith(options["from_version"])


def packages(refs: list[str]):
    if not refs:
        raise CommandError("Give --package (repeat it: one per architecture the clusters need).")
    return [get_package(ref) for ref in refs]


def command_error(exc: UpgradeError) -> CommandError:
    return CommandError(str(exc.message))


def plan_lines(plan: dict) -> list[str]:
    approval = plan["approval"]
    lines = [
        f"Target {plan['target_version']}; ETA {plan['eta']['text']}; "
        f"approvals needed: {approval['approvals']} ({approval['because']})"
    ]
    for wave in plan["waves"]:
        name = "canary" if wave["wave"] == 0 else f"wave {wave['wave']}"
        lines.append(f"{name}: {wave['units']} unit(s), {wave['clusters']} cluster(s)")
        for unit in (u for u in plan["units"] if u["wave"] == wave["wave"]):
            members = " + ".join(m["name"] for m in unit["members"])
            missing = f"; missing RPMs: {', '.join(unit['missing_rpms'])}" if unit["missing_rpms"] else ""
            lines.append(
                f"  {members}: {unit['from_version']} → {' → '.join(unit['path'])} "
                f"with {unit['file_name']}; ETA {unit['eta']['text']}{missing}"
            )
    for left in plan["left_out"]:
        lines.append(f"left out: {left['name']}: {left['why']}")
    return lines


def status_lines(rollout: Rollout) -> list[str]:
    units = list(rollout.units.select_related("upgrade").order_by("position"))
    done = sum(1 for u in units if u.state == "upgraded")
    lines = [
        f"#{rollout.pk} {rollout.name} → {rollout.target_version}: {rollout.state}, "
        f"wave {max(rollout.current_wave, 0)} of {rollout.waves}, {done}/{len(units)} units upgraded"
    ]
    if rollout.halt_reason:
        lines.append(f"halted: {rollout.halt_reason}")
    if rollout.state == "soaking" and rollout.soak_until:
        lines.append(f"soaking until {rollout.soak_until.isoformat(timespec='seconds')}")
    for unit in units:
        upgrade = f" upgrade #{unit.upgrade_id}" if unit.upgrade_id else ""
        note = f" ({unit.note})" if unit.note else ""
        lines.append(f"  wave {unit.wave}: {unit}: {unit.state}{upgrade}{note}")
    return lines


class OperationCommand(BaseCommand):
    """rollout_pause / rollout_resume / rollout_abort: ``operation`` names the flow function."""

    operation = ""

    def add_arguments(self, parser):
        parser.add_argument("rollout", help="Rollout id")
        add_user_argument(parser)
        parser.add_argument("--reason", default="")

    def handle(self, *args, **options):
        from ocpdash.rollouts import flow

        user, rollout = get_user(options["user"]), get_rollout(options["rollout"])
        try:
            message = getattr(flow, self.operation)(user, rollout, reason=options["reason"])
        except UpgradeError as exc:
            raise command_error(exc)
        self.stdout.write(message)
