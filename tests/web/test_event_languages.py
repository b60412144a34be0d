"""Timeline events in the reader's language (issue 18): the engine writes a sentence as a phrase
(ocpdash.core.phrases), which keeps its msgid and parameters; the page, the API, the evidence pack and
a notification translate it when they show it. Older events, written as plain English, read as
written."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from ocpdash.core.catalogues import compile_catalogues
from ocpdash.core.phrases import Phrase, joined, known, phrase, render, translated
from ocpdash.notify.messages import compose, upgrade_facts
from ocpdash.notify.models import EventKind
from ocpdash.upgrades import events, evidence
from tests.notify.test_messages import FACTS

FAILED = phrase("Upgrade failed: %(error)s", error=phrase("the OCP task failed."))


@pytest.fixture(autouse=True)
def catalogue():
    compile_catalogues()
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_a_phrase_is_its_english_text():
    assert FAILED == "Upgrade failed: the OCP task failed."
    assert isinstance(FAILED, str) and isinstance(FAILED, Phrase)


def test_a_phrase_and_its_phrase_parameters_read_in_the_active_language():
    with translation.override("zh-hans"):
        assert FAILED.translated() == "升级失败：OCP 任务失败。"
    assert FAILED.translated() == "Upgrade failed: the OCP task failed."


def test_plain_parameters_are_shown_as_they_are():
    said = phrase("OCP refused: %(error)s", error="Task is running")
    with translation.override("zh-hans"):
        assert said.translated() == "OCP 拒绝了请求：Task is running"


def test_known_words_use_their_context_and_joined_parts_their_separator():
    status = phrase("Step '%(step)s': %(after)s", step="Stop zone", after=known("FAILED", "OCP status"))
    names = joined("'a'", phrase("'%(step)s' (canceled)", step="b"), sep=", ")
    assert names == "'a', 'b' (canceled)"
    with translation.override("zh-hans"):
        assert status.translated() == "子任务“Stop zone”：执行失败"
        assert names.translated() == "'a', “b”（已取消）"  # the list's separator is the code's


def test_a_spec_that_no_longer_fits_its_msgid_falls_back_to_the_english_text():
    broken = {"msgid": "Upgrade failed: %(error)s", "params": {}}
    assert render({**broken, "params": {"other": "x"}}, "Upgrade failed: x") == "Upgrade failed: x"


def test_translated_leaves_plain_text_alone():
    assert translated("OCP said no") == "OCP said no"


@pytest.mark.django_db
def test_an_event_keeps_english_and_its_phrase(make_upgrade):
    upgrade = make_upgrade(steps=1)
    event = events.record(upgrade.pk, "state", FAILED)
    event.refresh_from_db()
    assert event.message == "Upgrade failed: the OCP task failed."
    assert event.data["phrase"]["msgid"] == "Upgrade failed: %(error)s"
    with translation.override("zh-hans"):
        assert event.text == "升级失败：OCP 任务失败。"


@pytest.mark.django_db
def test_the_timeline_shows_new_events_in_chinese_and_old_ones_as_written(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=1)  # its "Upgrade requested." event is an old, plain one
    events.record(upgrade.pk, "state", FAILED)
    client.force_login(viewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    assert "升级失败：OCP 任务失败。" in page
    assert "Upgrade requested." in page


@pytest.mark.django_db
def test_the_api_translates_event_messages_and_keeps_machine_values(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=1)
    events.record(upgrade.pk, "state", FAILED)
    client.force_login(viewer)
    body = client.get(f"/api/upgrades/{upgrade.pk}/events/", headers={"accept-language": "zh-CN"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert ("state", "升级失败：OCP 任务失败。") in [(e["kind"], e["message"]) for e in rows]
    assert "Upgrade requested." in [e["message"] for e in rows]  # an old event, as written
    english = client.get(f"/api/upgrades/{upgrade.pk}/events/", headers={"accept-language": "en"}).json()
    rows = english["results"] if isinstance(english, dict) else english
    assert "Upgrade failed: the OCP task failed." in [e["message"] for e in rows]


@pytest.mark.django_db
def test_the_evidence_pack_shows_events_in_the_exporters_language_and_hashes_english(make_upgrade):
    upgrade = make_upgrade(steps=1)
    events.record(upgrade.pk, "error", FAILED)
    pack = evidence.export(upgrade.pk)
    with translation.override("zh-hans"):
        html = evidence.render_html(pack, exported_by="auditor", exported_at=timezone.now())
    assert "升级失败：OCP 任务失败。" in html
    assert evidence.export(upgrade.pk).sha256 == pack.sha256
    assert b"Upgrade failed: the OCP task failed." in pack.body


@pytest.mark.django_db
def test_a_notification_reason_reads_in_the_channels_language(make_upgrade):
    upgrade = make_upgrade(steps=1)
    facts = upgrade_facts(upgrade, EventKind.STEP_FAILED, None, {"reason": FAILED}, [upgrade.cluster])
    assert facts["context"]["reason"] == "Upgrade failed: the OCP task failed."
    with translation.override("zh-hans"):
        message = compose(EventKind.STEP_FAILED, facts)
    assert ("原因", "升级失败：OCP 任务失败。") in message.fields
    english = compose(EventKind.STEP_FAILED, {**FACTS, "context": {"reason": "plain"}})
    assert ("Reason", "plain") in english.fields


@pytest.mark.django_db
def test_an_operation_refused_reads_in_chinese(make_upgrade, operator):
    from ocpdash.upgrades.errors import OperationRefused
    from ocpdash.upgrades.operations import operate_task

    upgrade = make_upgrade(steps=1)  # running: nothing can be done to its task now
    with pytest.raises(OperationRefused) as refused:
        operate_task(operator, upgrade, "rollback")
    assert (
        refused.value.message
        == "Roll back is not possible for the upgrade now (upgrade Running); possible: nothing."
    )
    with translation.override("zh-hans"):
        assert translated(refused.value.message) == "该升级当前无法执行回滚（升级状态：运行中）；可执行：无。"
