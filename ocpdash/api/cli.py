"""Shared by the management commands: act as a named user, find objects by id or name, print
upgrades. Commands only parse arguments and call the same domain functions as the UI and API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.commands import PeopleCommand, terminal_language  # noqa: F401
from ocpdash.core.phrases import translated
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.errors import PrecheckFailed, UpgradeError
from ocpdash.upgrades.models import Upgrade
from ocpdash.upgrades.params import parse_id


def add_user_argument(parser, required: bool = True) -> None:
    parser.add_argument(
        "--user",
        required=required,
        help=gettext_lazy("Act as this ocpdash user (same permissions and audit trail)"),
    )


def add_option_arguments(parser) -> None:
    """OCP 4.3's upgrade options, as the form and the API take them."""
    parser.add_argument(
        "--mode",
        choices=["ROLLING", "STOP_SERVICE"],
        help=gettext_lazy("Upgrade mode (default: rolling with 3+ zones)"),
    )
    parser.add_argument(
        "--zone-order", default="", help=gettext_lazy("Zones in upgrade order, comma-separated")
    )
    parser.add_argument(
        "--freeze-server",
        action="store_true",
        default=None,
        help=gettext_lazy("Minor compaction before each zone stops"),
    )


def upgrade_options(options: dict):
    from ocpdash.upgrades.options import UpgradeOptions

    try:
        return UpgradeOptions.parse(
            options.get("mode"), options.get("zone_order"), options.get("freeze_server")
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def get_user(username: str):
    try:
        user = get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No ocpdash user named %(name)r.") % {"name": username})
    if not user.is_active:
        raise CommandError(_("User %(name)r is inactive.") % {"name": username})
    return user


def get_cluster(ref: str) -> Cluster:
    """A cluster by database id, or by name (``site/name`` when the name is not unique)."""
    qs = Cluster.objects.select_related("site")
    if parse_id(ref) is not None:
        found = list(qs.filter(pk=parse_id(ref)))
    elif "/" in ref:
        site, name = ref.split("/", 1)
        found = list(qs.filter(site__name=site, name=name))
    else:
        found = list(qs.filter(name=ref))
    if not found:
        raise CommandError(
            _("No cluster %(ref)r (give its id, name or site/name; run sync_clusters?).") % {"ref": ref}
        )
    if len(found) > 1:
        raise CommandError(_("Several clusters are named %(ref)r: give site/name or the id.") % {"ref": ref})
    return found[0]


def get_package(ref: str) -> RpmPackage:
    """A catalog package by id or file name."""
    lookup = {"pk": parse_id(ref)} if parse_id(ref) is not None else {"file_name": ref}
    try:
        return RpmPackage.objects.get(**lookup)
    except RpmPackage.DoesNotExist:
        raise CommandError(_("No package %(ref)r in the catalog (give its id or file name).") % {"ref": ref})


def get_upgrade(ref: str) -> Upgrade:
    if parse_id(ref) is None:
        raise CommandError(_("An upgrade id is a number (up to 18 digits), not %(ref)r.") % {"ref": ref})
    try:
        return Upgrade.objects.for_list().get(pk=parse_id(ref))
    except Upgrade.DoesNotExist:
        raise CommandError(_("No upgrade #%(id)s.") % {"id": ref})


def command_error(exc: UpgradeError) -> CommandError:
    """A domain error as a CommandError: the message (and every failing check), no traceback."""
    if isinstance(exc, PrecheckFailed):
        lines = [f"  ✗ {check.key}: {translated(check.message)}" for check in exc.report.failures]
        return CommandError("\n".join([_("The pre-check failed:"), *lines]))
    return CommandError(translated(exc.message))


def upgrade_summary(upgrade: Upgrade) -> list[str]:
    lines = [
        f"Upgrade #{upgrade.pk}: {upgrade.cluster.name} ({upgrade.cluster.site.name}) "
        f"{upgrade.from_version} → {upgrade.to_version}",
        f"  state: {upgrade.state}   requested by {upgrade.requested_by} "
        f"at {upgrade.created_at:%Y-%m-%d %H:%M:%S}",
    ]
    if upgrade.plan_digest:
        lines.append(f"  plan digest: {upgrade.plan_digest}")
    if upgrade.approvals_required:
        given = [
            a.user.get_username()
            for a in upgrade.approvals.filter(
                plan_digest=upgrade.plan_digest, voided_at__isnull=True, decision="approved"
            )
        ]
        lines.append(
            f"  approvals: {len(given)} of {upgrade.approvals_required}"
            + (f" ({', '.join(given)})" if given else "")
        )
    if upgrade.start_note:
        lines.append(f"  start: {upgrade.start_note_text}")
    if upgrade.ocp_task_id:
        lines.append(f"  OCP task: {upgrade.ocp_task_id} ({upgrade.ocp_task_status or 'unknown'})")
    if upgrade.last_error:
        lines.append(f"  last error: {upgrade.last_error_text}")
    return lines


def step_line(step) -> str:
    return f"  [{step.display_status:<10}] {step.ocp_task_id}/{step.ocp_subtask_id} {step.name}"
