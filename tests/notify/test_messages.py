"""What each notification says: short, with the facts of the event and a link to the upgrade."""

import pytest

from ocpdash.notify.formats import markdown_escape, no_mentions, slack_escape
from ocpdash.notify.messages import compose
from ocpdash.notify.models import EventKind, Outcome

FACTS = {
    "upgrade_id": 42, "cluster": "orion", "site": "sim", "also": [], "from_version": "2.2.73",
    "to_version": "4.2.1.1", "state": "running", "requested_by": "alice", "actor": "bob",
    "occurred_at": "2026-01-01T00:00:00+00:00", "context": {},
}  # fmt: skip


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.OCPDASH_BASE_URL = "https://ocpdash.example.com"


def message(kind, **context):
    return compose(kind, {**FACTS, "context": context})


@pytest.mark.parametrize(
    ("kind", "context", "title"),
    [
        (EventKind.APPROVAL_REQUESTED, {}, "Upgrade of orion needs approval"),
        (EventKind.APPROVED, {}, "Upgrade of orion approved"),
        (EventKind.DECLINED, {}, "Upgrade of orion declined"),
        (EventKind.SCHEDULED, {}, "Upgrade of orion scheduled"),
        (EventKind.STARTED, {}, "Upgrade of orion started"),
        (EventKind.STEP_FAILED, {}, "Upgrade of orion: a step failed"),
        (EventKind.OCP_UNREACHABLE, {"minutes": "12"}, "Upgrade of orion: OCP unreachable for 12 min"),
        (EventKind.NEEDS_ATTENTION, {}, "Upgrade of orion needs attention"),
        (EventKind.FINISHED, {"outcome": Outcome.ROLLED_BACK}, "Upgrade of orion finished: Rolled back"),
    ],
)
def test_every_kind_has_its_title(kind, context, title):
    assert message(kind, **context).title == title


def test_the_link_is_the_upgrade_page_absolute():
    assert message(EventKind.STARTED).url == "https://ocpdash.example.com/upgrades/42/"


def test_the_facts_are_fields():
    fields = dict(message(EventKind.STARTED).fields)
    assert fields["Cluster"] == "orion"
    assert fields["Site"] == "sim"
    assert fields["Versions"] == "2.2.73 → 4.2.1.1"
    assert fields["State"] == "Running"
    assert fields["By"] == "bob"
    assert fields["Requested by"] == "alice"


def test_a_failed_step_is_named():
    assert dict(message(EventKind.STEP_FAILED, step_name="Upgrade zone2").fields)["Step"] == "Upgrade zone2"


def test_eta_window_reason_and_comment_are_said_when_given():
    fields = dict(
        message(EventKind.SCHEDULED, eta_text="about 40 min", window_text="Sat 02:00–04:00 UTC",
                reason="CVE fix", comment="ok from DBA").fields
    )  # fmt: skip
    assert (fields["ETA"], fields["Window"], fields["Reason"], fields["Comment"]) == (
        "about 40 min", "Sat 02:00–04:00 UTC", "CVE fix", "ok from DBA",
    )  # fmt: skip


def test_absent_context_says_nothing():
    fields = dict(message(EventKind.STARTED).fields)
    assert not {"ETA", "Window", "Reason", "Comment", "Step", "Outcome"} & set(fields)


def test_an_unknown_state_is_shown_as_it_is():
    assert dict(compose(EventKind.STARTED, {**FACTS, "state": "brand_new"}).fields)["State"] == "brand_new"


def test_pair_members_are_named():
    assert dict(compose(EventKind.STARTED, {**FACTS, "also": ["orion-standby"]}).fields)["Cluster"] == (
        "orion (with orion-standby)"
    )


def test_plain_text_is_title_fields_and_link():
    text = message(EventKind.NEEDS_ATTENTION, reason="8 submissions failed").text.splitlines()
    assert text[0] == "Upgrade of orion needs attention"
    assert "Reason: 8 submissions failed" in text
    assert text[-1] == "https://ocpdash.example.com/upgrades/42/"


def test_untrusted_text_cannot_format_link_or_mention():
    assert markdown_escape("[x](http://evil) **b**\n# h") == r"\[x\]\(http://evil\) \*\*b\*\* \# h"
    assert slack_escape("<!channel> & <http://evil|x>") == "&lt;!channel&gt; &amp; &lt;http://evil|x&gt;"
    assert "<@" not in no_mentions("hi <@all>")


def test_a_name_with_a_newline_keeps_the_title_on_one_line():
    assert compose(EventKind.STARTED, {**FACTS, "cluster": "orion\nBcc: x@evil"}).title == (
        "Upgrade of orion Bcc: x@evil started"
    )
