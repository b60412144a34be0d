"""What a notification says: the facts taken when the event happens, and the message composed from
them when it is sent (title, labelled fields, the link to the upgrade page). Channel formats
(ocpdash/notify/formats.py) only lay the message out.

Facts are a snapshot: a ``started`` message sent late still says "Running", not what the upgrade
has become meanwhile. They hold no secret: names, versions, states, user names and the context the
domain gives (``CONTEXT_KEYS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from ocpdash.core.phrases import Phrase, render
from ocpdash.notify.models import OUTCOME_OF_STATE, EventKind, Outcome

# The context keys the domain may pass to notify() (others are kept, as text, for webhooks only).
CONTEXT_KEYS = ("reason", "comment", "step_name", "eta_text", "window_text", "outcome", "minutes", "since")
CONTEXT_VALUE_MAX = 500  # characters of one context value kept (a reason may be 2000)

TITLES = {
    EventKind.APPROVAL_REQUESTED: gettext_lazy("Upgrade of %(cluster)s needs approval"),
    EventKind.APPROVED: gettext_lazy("Upgrade of %(cluster)s approved"),
    EventKind.DECLINED: gettext_lazy("Upgrade of %(cluster)s declined"),
    EventKind.SCHEDULED: gettext_lazy("Upgrade of %(cluster)s scheduled"),
    EventKind.STARTED: gettext_lazy("Upgrade of %(cluster)s started"),
    EventKind.STEP_FAILED: gettext_lazy("Upgrade of %(cluster)s: a step failed"),
    EventKind.OCP_UNREACHABLE: gettext_lazy("Upgrade of %(cluster)s: OCP unreachable for %(minutes)s min"),
    EventKind.NEEDS_ATTENTION: gettext_lazy("Upgrade of %(cluster)s needs attention"),
    EventKind.FINISHED: gettext_lazy("Upgrade of %(cluster)s finished: %(outcome)s"),
    EventKind.TEST: gettext_lazy("Test notification from ocpdash"),
}


@dataclass(frozen=True)
class Message:
    kind: str
    title: str
    fields: tuple[tuple[str, str], ...]  # (label, value); values are untrusted text
    url: str

    @property
    def text(self) -> str:
        """The whole message as plain text."""
        lines = [self.title, *(field_line(label, value) for label, value in self.fields)]
        return "\n".join([*lines, self.url])


def field_line(label: str, value: str) -> str:
    """'Cluster: orion', with the active language's punctuation (a full-width colon in Chinese)."""
    return pgettext("a label and its value", "%(label)s: %(value)s") % {"label": label, "value": value}


def _text(value) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)[:CONTEXT_VALUE_MAX]


def clean_context(context: dict) -> dict[str, str]:
    """The domain's context as short strings (JSON-safe), empty values dropped."""
    return {key: _text(value) for key, value in context.items() if value not in (None, "")}


def upgrade_facts(upgrade, kind: str, actor, context: dict, clusters) -> dict:
    """The snapshot a delivery keeps (``upgrade`` with its cluster and site loaded). A context value
    written as a phrase (ocpdash.core.phrases) is kept in English and as its phrase, which the message
    is composed from in the channel's language."""
    spoken = {key: value.spec for key, value in context.items() if isinstance(value, Phrase) and value}
    context = clean_context(context)
    if kind == EventKind.FINISHED and "outcome" not in context:
        context["outcome"] = OUTCOME_OF_STATE.get(upgrade.state, upgrade.state)
    return {
        "upgrade_id": upgrade.pk,
        "cluster": upgrade.cluster.name,
        "site": upgrade.cluster.site.name,
        "also": [cluster.name for cluster in clusters if cluster.pk != upgrade.cluster_id],
        "from_version": upgrade.from_version,
        "to_version": upgrade.to_version,
        "state": upgrade.state,
        "requested_by": upgrade.requested_by.get_username() if upgrade.requested_by_id else "",
        "actor": actor_name(actor),
        "occurred_at": timezone.now().isoformat(),
        "context": context,
        **({"phrases": spoken} if spoken else {}),
    }


def actor_name(actor) -> str:
    """A user's name (the domain passes a user; a name is taken as it is; None: ocpdash itself)."""
    if actor is None or isinstance(actor, str):
        return actor or ""
    return actor.get_username() if hasattr(actor, "get_username") else str(actor)


def facts_for_test(subscription) -> dict:
    return {
        "subscription": str(subscription.scope_text),
        "events": list(subscription.events),
        "occurred_at": timezone.now().isoformat(),
        "context": {},
    }


def upgrade_url(upgrade_id: int | None) -> str:
    base = settings.OCPDASH_BASE_URL.rstrip("/")
    if upgrade_id is None:
        return base + "/"
    try:
        return base + reverse("upgrade", args=[upgrade_id])
    except NoReverseMatch:
        return f"{base}/upgrades/{upgrade_id}/"


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _state_label(value: str) -> str:
    from ocpdash.upgrades.models import State

    return _(_label(State, value))  # the state's label in the message's language: ocpdash.web.terms


def compose(kind: str, facts: dict) -> Message:
    context = dict(facts.get("context", {}))
    for key, spec in facts.get("phrases", {}).items():
        context[key] = render(spec, context.get(key, ""))[:CONTEXT_VALUE_MAX]
    if kind == EventKind.TEST:
        fields = (
            (_("Subscription"), facts.get("subscription", "")),
            (_("Events"), ", ".join(facts.get("events", []))),
        )
        return Message(kind, str(TITLES[EventKind.TEST]), fields, upgrade_url(None))
    outcome = _label(Outcome, context.get("outcome", ""))
    title = str(TITLES.get(kind, kind)) % {
        "cluster": facts["cluster"],
        "minutes": context.get("minutes", "?"),
        "outcome": outcome,
    }
    title = " ".join(title.split())  # one line: a subject, a heading (a name from OCP may hold a newline)
    return Message(kind, title, tuple(_fields(facts, context, outcome)), upgrade_url(facts["upgrade_id"]))


def _fields(facts: dict, context: dict, outcome: str):
    cluster = facts["cluster"]
    if facts.get("also"):
        cluster += " " + _("(with %(others)s)") % {"others": ", ".join(facts["also"])}
    yield _("Cluster"), cluster
    yield _("Site"), facts["site"]
    yield _("Versions"), f"{facts['from_version']} → {facts['to_version']}"
    yield _("State"), _state_label(facts["state"])
    optional = (
        (_("Step"), context.get("step_name")),
        (_("Outcome"), outcome),
        (_("By"), facts.get("actor")),
        (_("Requested by"), facts.get("requested_by")),
        (_("ETA"), context.get("eta_text")),
        (_("Window"), context.get("window_text")),
        (_("Unreachable since"), context.get("since")),
        (_("Reason"), context.get("reason")),
        (_("Comment"), context.get("comment")),
    )
    yield from ((label, value) for label, value in optional if value)
