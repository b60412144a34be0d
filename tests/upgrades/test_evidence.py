"""The evidence pack (ocpdash.upgrades.evidence): everything a change ticket asks for, a SHA-256 that
is the JSON's, inert hostile text, no site credentials, and a fixed number of queries."""

import hashlib
import json
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ocpdash.upgrades import evidence
from ocpdash.upgrades.evidence import svg
from ocpdash.upgrades.models import UpgradeEvent
from tests.fixtures.evidence import (
    AK_SECRET,
    EVIL_CLUSTER,
    EVIL_COMMENT,
    EVIL_STEP,
    EVIL_SVG,
    HOP,
    PASSWORD,
    TARGET,
    TRACE_ID,
    audited_upgrade,
    large_upgrade,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def upgrade(make_user):
    return audited_upgrade(make_user)


@pytest.fixture
def pack(upgrade):
    return evidence.export(upgrade.pk)


@pytest.fixture
def html(pack):
    return evidence.render_html(pack, exported_by="auditor", exported_at=timezone.now())


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text as a browser would show it."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


# --- content ---------------------------------------------------------------------------------------


def test_the_pack_names_the_cluster_its_standby_and_the_versions(pack):
    d = pack.data
    assert d["cluster"]["name"] == EVIL_CLUSTER
    assert d["cluster"]["labels"] == ["production"]
    assert [(c["name"], c["role"], c["upgraded_as"]) for c in d["pair"]] == [
        ("orion-sb", "STANDBY", "pair member"),
        (EVIL_CLUSTER, "PRIMARY", "requested"),
    ]
    assert d["pair"][0]["primary"] == EVIL_CLUSTER
    assert (d["upgrade"]["from_version"], d["upgrade"]["to_version"]) == (
        "4.1.0.2-1",
        "4.2.1.1-100000162023111615",
    )
    assert d["upgrade"]["path"] == ["4.2.0.0-100000152023081416", "4.2.1.1-100000162023111615"]


def test_the_pack_lists_every_rpm_of_the_path_with_its_checksums(pack):
    rows = {p["file_name"]: p for p in pack.data["packages"]}
    assert set(rows) == {TARGET, HOP}
    assert (rows[TARGET]["role"], rows[TARGET]["sha256"], rows[TARGET]["sha1"], rows[TARGET]["size"]) == (
        "target", "a" * 64, "b" * 40, 123_456_789
    )  # fmt: skip
    assert (rows[HOP]["role"], rows[HOP]["sha256"], rows[HOP]["size"]) == ("path", "c" * 64, 99_000_000)


def test_the_pack_holds_the_frozen_plan_and_its_digest_still_matches(pack, upgrade):
    plan = pack.data["plan"]
    assert (plan["digest"], plan["digest_matches"]) == (upgrade.plan_digest, True)
    assert plan["frozen"] == upgrade.plan


def test_the_pack_holds_the_precheck_result(pack):
    precheck = pack.data["precheck"]
    assert (precheck["ok"], [c["key"] for c in precheck["checks"]]) == (True, ["rpm_present", "ocp_tasks"])


def test_the_pack_lists_every_approval_including_the_void_one(pack):
    approvals = pack.data["approvals"]
    assert (approvals["required"], approvals["valid"]) == (1, 1)
    decided = [(a["by"], a["void"], a["for_current_plan"]) for a in approvals["decisions"]]
    assert decided == [("appr1", True, False), ("appr2", False, True)]
    assert approvals["decisions"][0]["void_reason"].startswith("OCP reports orion-sb")


def test_the_pack_says_who_did_what_and_when(pack):
    did = {p["user"]: p["did"] for p in pack.data["people"]}
    assert did == {
        "requester": ["requested"],
        "appr1": ["approved (void)"],
        "appr2": ["approve", "approved"],
        "operator2": ["retry"],
        "rev": ["commented", "signed off"],
    }
    by = [e["by"] for e in pack.data["events"]]
    assert by[:3] == ["requester", "appr2", None]  # None: ocpdash itself


def test_every_step_has_its_times_runs_changes_and_operations(pack):
    steps = {s["subtask_id"]: s for s in pack.data["steps"]}
    assert sorted(steps) == [1, 2, 3, 4, 11, 12, 13, 14]
    retried = steps[12]
    assert (retried["name"], retried["runs"], retried["duration_seconds"]) == (EVIL_STEP, 2, 240.0)
    assert [c["status"] for c in retried["changes"]] == ["RUNNING", "FAILED", "RUNNING", "SUCCESSFUL"]
    assert [(o["by"], o["operation"], o["outcome"]) for o in retried["operations"]] == [
        ("operator2", "retry", "requested"),
        ("operator2", "retry", "accepted"),
    ]
    assert all(s["started_at"] and s["finished_at"] for s in steps.values())


def test_faults_carry_ocps_trace_ids(pack):
    assert [t["trace_id"] for t in pack.data["trace_ids"]] == [TRACE_ID]
    faults = [(f["kind"], f["trace_id"]) for f in pack.data["faults"]]
    assert faults == [("step", None), ("error", TRACE_ID)]


def test_the_pack_holds_the_comments_and_the_sign_off(pack):
    assert [(c["by"], c["body"]) for c in pack.data["comments"]] == [("rev", EVIL_COMMENT)]
    assert (pack.data["sign_off"]["by"], pack.data["sign_off"]["note"]) == ("rev", "All zones verified <ok>.")


def test_the_pack_says_when_nothing_is_signed_off_or_planned(make_user, upgrade):
    upgrade.reviewed_by, upgrade.reviewed_at, upgrade.plan, upgrade.plan_digest = None, None, {}, ""
    upgrade.save()
    data = evidence.export(upgrade.pk).data
    assert (data["sign_off"], data["precheck"], data["plan"]["digest_matches"]) == (None, None, False)


# --- hash and canonical form -----------------------------------------------------------------------


def test_the_sha256_is_that_of_the_json_bytes(pack):
    assert hashlib.sha256(pack.body).hexdigest() == pack.sha256
    assert json.loads(pack.body) == pack.data


def test_the_html_states_the_sha256_and_embeds_the_json_byte_for_byte(pack, html):
    assert pack.sha256 in html
    start = html.index('<script type="application/json" id="evidence-json">') + len(
        '<script type="application/json" id="evidence-json">'
    )
    embedded = html[start : html.index("</script>", start)].encode()
    assert embedded == pack.body


def test_the_json_holds_no_character_that_could_end_an_html_element(pack):
    assert not {b"<", b">", b"&"} & {pack.body[i : i + 1] for i in range(len(pack.body))}
    assert pack.body.isascii()


def test_the_same_upgrade_exports_the_same_bytes_until_it_changes(upgrade, pack):
    assert evidence.export(upgrade.pk).sha256 == pack.sha256
    UpgradeEvent.objects.create(upgrade=upgrade, kind="info", message="Later note.")
    assert evidence.export(upgrade.pk).sha256 != pack.sha256


def test_verify_accepts_both_exported_files(pack, html):
    assert evidence.verify(html.encode()).ok
    assert evidence.verify(pack.body) == evidence.Verdict(
        True, pack.sha256, evidence.verify(pack.body).message
    )


def test_verify_refuses_an_edited_html_file(html):
    assert not evidence.verify(html.replace("appr2", "appr9").encode()).ok  # the embedded JSON too


def test_verify_refuses_an_edited_json_file_against_the_stated_sha256(pack):
    edited = pack.body.replace(b"appr2", b"appr9")
    assert not evidence.verify(edited, expected=pack.sha256).ok


def test_verify_refuses_a_reformatted_json_file(pack):
    assert not evidence.verify(json.dumps(json.loads(pack.body), indent=1).encode()).ok


# --- hostile text and secrets ----------------------------------------------------------------------


def test_hostile_ocp_and_user_text_stays_text_in_the_html(html):
    markup = Markup(html)
    scripts = [attrs for tag, attrs in markup.tags if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "evidence-json"}]
    assert [tag for tag, _ in markup.tags if tag in ("img", "iframe", "object", "embed")] == []
    assert [name for _, attrs in markup.tags for name in attrs if name.startswith("on")] == []
    text = "".join(markup.text)
    for hostile in (EVIL_STEP, EVIL_SVG, EVIL_CLUSTER, EVIL_COMMENT):
        assert hostile in text, hostile


def test_hostile_step_names_are_escaped_in_the_svg(pack):
    drawn = "".join(f for section in svg.dag_sections(pack.data) for f in section.figures)
    drawn += "".join(svg.gantt_figures(pack.data))
    assert "<svg onload" not in drawn and "</script>" not in drawn
    assert "&lt;/script&gt;&lt;script&gt;alert(&#x27;step&#x27;)" in drawn


def test_no_site_credential_is_in_either_file(pack, html):
    for secret in (PASSWORD, AK_SECRET):
        assert secret not in html and secret.encode() not in pack.body
    assert pack.data["sites"] == [
        {"name": "shanghai", "ocp_version": "4.3.2", "address": "https://ocp.example.com:8080"}
    ]


def test_a_credential_that_ocp_echoed_into_an_event_is_redacted(upgrade):
    UpgradeEvent.objects.create(upgrade=upgrade, kind="error", message=f"OCP said: bad password {PASSWORD}")
    pack = evidence.export(upgrade.pk)
    assert PASSWORD.encode() not in pack.body
    assert pack.data["events"][-1]["message"] == "OCP said: bad password [redacted]"
    assert pack.data["redactions"] == 2  # the event and its line among the faults


# --- drawings and size -----------------------------------------------------------------------------


def test_every_step_is_drawn_in_the_dag_and_the_gantt(pack):
    dag = "".join(f for section in svg.dag_sections(pack.data) for f in section.figures)
    gantt = "".join(svg.gantt_figures(pack.data))
    assert dag.count('<g class="node ') == len(pack.data["steps"]) == 8
    assert gantt.count('<g class="row ') == 8
    assert gantt.count('class="earlier"') == 1  # the retried step's first run


def test_a_long_chain_wraps_into_page_sized_figures(operator, make_cluster, make_package):
    pack = evidence.export(large_upgrade(operator, make_cluster(), make_package(), 300).pk)
    figures = [f for section in svg.dag_sections(pack.data) for f in section.figures]
    heights = [int(f.split('height="', 1)[1].split('"', 1)[0]) for f in figures]
    assert len(figures) > 1 and max(heights) <= svg.FIGURE_MAX_H
    assert sum(f.count('<g class="node ') for f in figures) == 300


def test_export_reads_the_same_few_queries_for_10_and_300_steps(operator, make_cluster, make_package):
    counts, package = [], make_package()
    for steps in (10, 300):
        upgrade = large_upgrade(operator, make_cluster(), package, steps)
        with CaptureQueriesContext(connection) as queries:
            evidence.export(upgrade.pk)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8, counts


def test_rendering_the_html_reads_nothing_from_the_database(pack, django_assert_num_queries):
    with django_assert_num_queries(0):
        evidence.render_html(pack, exported_by="auditor", exported_at=timezone.now())
