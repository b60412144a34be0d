"""Words the pages translate at run time from a value (``{% translate value %}``, ``gettext(label)``)
but that are written where no translation marker may go: labels of other apps' choices (the upgrade
states of ocpdash.upgrades.models, the operation labels of ocpdash.upgrades.operations, the modes of
ocpdash.upgrades.options), the overview's cell states, OCP's step statuses, and cluster roles.

Listed here with ``gettext_noop`` so that makemessages puts them in the catalogue; nothing imports this
module. The catalogue test (tests/web/test_translations.py) checks every one has a zh-Hans entry.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

# ocpdash.upgrades.models.Upgrade.State labels (templates: {% translate u.get_state_display %})
UPGRADE_STATES = [
    gettext_noop("Queued"),
    gettext_noop("Submitting to OCP"),
    gettext_noop("Running"),
    gettext_noop("Failed"),
    gettext_noop("Successful"),
    gettext_noop("Rejected by OCP"),
    gettext_noop("Rolled back"),
    gettext_noop("Closed"),
    gettext_noop("Needs attention"),
    gettext_noop("Cancelled"),
    gettext_noop("Awaiting approval"),
    gettext_noop("Scheduled"),
    gettext_noop("Declined"),
]
# ocpdash.changes.models.Approval.Decision labels
DECISIONS = [gettext_noop("Approved"), gettext_noop("Declined")]
# ocpdash.upgrades.operations.LABELS (the op_label filter)
OPERATIONS = [
    gettext_noop("Retry"),
    gettext_noop("Roll back"),
    gettext_noop("Close"),
    gettext_noop("Skip"),
    gettext_noop("Cancel"),
    gettext_noop("Retry the submission"),
]
# ocpdash.upgrades.options.MODES (the upgrade form's choices)
MODES = [
    gettext_noop("Rolling (no interruption; needs 3 zones or more)"),
    gettext_noop("Downtime (all zones at once)"),
]
# ocpdash.web.overview cell and row states; cluster roles (OCP's clusterType, lower-cased); modes
WORDS = [
    gettext_noop("done"),
    gettext_noop("running"),
    gettext_noop("pending"),
    gettext_noop("failed"),
    gettext_noop("primary"),
    gettext_noop("standby"),
    gettext_noop("rolling"),
    gettext_noop("stop_service"),
    gettext_noop("all zones"),  # ocpdash.web.dagview.ALL_ZONES, a lane's name
]
# OCP's step and task statuses as the steps table shows them (ocpdash.web.markup: pgettext "OCP status")
OCP_STATUSES = [
    pgettext_lazy("OCP status", "PENDING"),
    pgettext_lazy("OCP status", "READY"),
    pgettext_lazy("OCP status", "RUNNING"),
    pgettext_lazy("OCP status", "SUCCESSFUL"),
    pgettext_lazy("OCP status", "FAILED"),
    pgettext_lazy("OCP status", "CANCELING"),
    pgettext_lazy("OCP status", "SKIPPED"),
    pgettext_lazy("OCP status", "CANCELED"),
    pgettext_lazy("OCP status", "ROLLING_BACK"),
    pgettext_lazy("OCP status", "ROLLED_BACK"),
    pgettext_lazy("OCP status", "ROLLBACK_FAILED"),
    pgettext_lazy("OCP status", "ROLLBACK_SKIPPED"),
]
# OCP's operation on a step, lower-cased, as a timeline event says it (ocpdash.upgrades.storing)
OCP_OPERATIONS = [
    pgettext_lazy("OCP operation", "retry"),
    pgettext_lazy("OCP operation", "skip"),
    pgettext_lazy("OCP operation", "cancel"),
    pgettext_lazy("OCP operation", "rollback"),
]
# ocpdash.upgrades.operations.LABELS lower-cased inside a sentence ("OCP accepted the retry of ...")
OPERATION_WORDS = [
    gettext_noop("retry"),
    gettext_noop("roll back"),
    gettext_noop("close"),
    gettext_noop("skip"),
    gettext_noop("cancel"),
    gettext_noop("retry the submission"),
]
