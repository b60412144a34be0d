"""Shared by the rollout commands: choose clusters, find a rollout, print a plan and a status, in the
terminal's language (ocpdash.api.cli.PeopleCommand); states, ids and versions stay machine values."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.api.cli import (
    PeopleCommand,
    add_user_argument,
    command_error,
    get_cluster,
    get_package,
    get_user,
)
from ocpdash.core.phrases import translated
from ocpdash.rollouts import plan as plans
from ocpdash.rollouts.models import Rollout, RolloutState
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import UpgradeError
from ocpdash.upgrades.params import parse_id

__all__ = ["OperationCommand", "choose_clusters", "command_error", "get_rollout", "packages", "plan_lines"]
__all__ += ["status_lines"]


def get_rollout(ref: str) -> Rollout:
    rollout_id = parse_id(ref)
    found = Rollout.objects.filter(pk=rollout_id).first() if rollout_id is not None else None
    if found is None:
        raise CommandError(_("No rollout %(ref)r (give its id; rollout_status lists them).") % {"ref": ref})
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
        raise CommandError(_("Choose clusters: --cluster (repeat it), or --site / --label / --from-version."))
    return list(chosen.values())


def _matches(cluster: Cluster, options: dict) -> bool:
    if options["label"] and not cluster.has_label(options["label"]):
        return False
    return not options["from_version"] or cluster.version.startswith(options["from_version"])


def packages(refs: list[str]):
    if not refs:
        raise CommandError(_("Give --package (repeat it: one per architecture the clusters need)."))
    return [get_package(ref) for ref in refs]


def _wave_name(wave: int) -> str:
    return _("canary") if wave == 0 else _("wave %(n)s") % {"n": wave}


def plan_lines(plan: dict) -> list[str]:
    approval = plan["approval"]
    lines = [
        _("Target %(version)s; ETA %(eta)s; approvals needed: %(n)s (%(because)s)")
        % {
            "version": plan["target_version"],
            "eta": plan["eta"]["text"],
            "n": approval["approvals"],
            "because": approval["because"],
        }
    ]
    for wave in plan["waves"]:
        lines.append(
            _("%(wave)s: %(units)s unit(s), %(clusters)s cluster(s)")
            % {"wave": _wave_name(wave["wave"]), "units": wave["units"], "clusters": wave["clusters"]}
        )
        for unit in (u for u in plan["units"] if u["wave"] == wave["wave"]):
            line = _("  %(members)s: %(from)s → %(path)s with %(file)s; ETA %(eta)s") % {
                "members": " + ".join(m["name"] for m in unit["members"]),
                "from": unit["from_version"],
                "path": " → ".join(unit["path"]),
                "file": unit["file_name"],
                "eta": unit["eta"]["text"],
            }
            if unit["missing_rpms"]:
                line += _("; missing RPMs: %(rpms)s") % {"rpms": ", ".join(unit["missing_rpms"])}
            lines.append(line)
    for left in plans.readable(plan)["left_out"]:
        lines.append(_("left out: %(name)s: %(why)s") % {"name": left["name"], "why": left["why"]})
    return lines


def status_lines(rollout: Rollout) -> list[str]:
    units = list(rollout.units.order_by("position"))
    tally = rollout.tally(units)
    lines = [
        _(
            "#%(id)s %(name)s → %(version)s: %(state)s, wave %(wave)s of %(waves)s, "
            "%(done)s/%(total)s units upgraded"
        )
        % {
            "id": rollout.pk,
            "name": rollout.name,
            "version": rollout.target_version,
            "state": rollout.state,
            "wave": max(rollout.current_wave, 0),
            "waves": rollout.waves,
            "done": tally["upgraded"],
            "total": tally["total"],
        }
    ]
    if rollout.halt_reason:
        lines.append(_("halted: %(why)s") % {"why": rollout.halt_text})
    if rollout.state == RolloutState.SOAKING and rollout.soak_until:
        lines.append(_("soaking until %(time)s") % {"time": rollout.soak_until.isoformat(timespec="seconds")})
    for unit in units:
        line = _("  %(wave)s: %(unit)s: %(state)s") % {
            "wave": _wave_name(unit.wave),
            "unit": unit,
            "state": unit.state,
        }
        if unit.upgrade_id:
            line += " " + _("upgrade #%(id)s") % {"id": unit.upgrade_id}
        if unit.note:
            line += f" ({unit.note_text})"
        lines.append(line)
    return lines


class OperationCommand(PeopleCommand):
    """rollout_pause / rollout_resume / rollout_abort: ``operation`` names the flow function."""

    operation = ""

    def add_arguments(self, parser):
        parser.add_argument("rollout", help=gettext_lazy("Rollout id"))
        add_user_argument(parser)
        parser.add_argument("--reason", default="")

    def handle(self, *args, **options):
        from ocpdash.rollouts import flow

        user, rollout = get_user(options["user"]), get_rollout(options["rollout"])
        try:
            message = getattr(flow, self.operation)(user, rollout, reason=options["reason"])
        except UpgradeError as exc:
            raise command_error(exc) from None
        self.stdout.write(translated(message))
