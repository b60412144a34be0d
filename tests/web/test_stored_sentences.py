"""Sentences kept in an upgrade's columns in the reader's language (issue 18): a scheduled upgrade's
wait (``start_note``), why it failed (``last_error``), why OCP cannot be read (``ocp_fault``) and why an
approval became void (``void_reason``) are written as phrases (ocpdash.core.phrases.columns: the English
text and, next to it, ``<column>_spec``) and read in the page's, the API's or the terminal's language.
Rows written before (no spec) read as written."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from ocpdash.changes import windows
from ocpdash.changes.models import Approval, Blackout, MaintenanceWindow
from ocpdash.core.catalogues import compile_catalogues
from ocpdash.core.phrases import Phrase, columns, kept, moment, phrase
from ocpdash.upgrades import evidence
from ocpdash.upgrades.models import State, Upgrade

CJK = re.compile(r"[\u4e00-\u9fff]")
SATURDAY = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # Sat 5 Dec 01:00 in Shanghai


@pytest.fixture(autouse=True)
def catalogue():
    compile_catalogues()
    yield
    translation.activate(settings.LANGUAGE_CODE)


def zh(text: Phrase) -> str:
    with translation.override("zh-hans"):
        return text.translated()


def test_a_moment_reads_on_its_zones_wall_clock_in_each_languages_order():
    at = moment(SATURDAY, "Asia/Shanghai")
    assert at == "Sat 5 Dec 01:00 Asia/Shanghai"
    assert zh(at) == "12月5日 星期六 01:00 Asia/Shanghai"
    with translation.override("zh-hans"):  # the English text does not depend on the active language
        assert moment(SATURDAY, "Europe/Berlin", style="weekday", zone=False) == "Fri 18:00"
    assert moment(SATURDAY, "UTC", style="time") == "17:00 UTC"
    assert zh(moment(SATURDAY, "Asia/Shanghai", style="day", zone=False)) == "星期六"


def test_a_sentence_is_kept_as_its_english_and_its_phrase_and_read_back():
    said = phrase("Starts at %(when)s.", when=moment(SATURDAY, "Asia/Shanghai"))
    fields = columns("start_note", said)
    assert fields["start_note"] == "Starts at Sat 5 Dec 01:00 Asia/Shanghai."
    assert fields["start_note_spec"] == said.spec
    assert columns("start_note", "plain", 3) == {"start_note": "pla", "start_note_spec": None}
    assert columns("start_note", "") == {"start_note": "", "start_note_spec": None}
    back = kept(fields["start_note"], fields["start_note_spec"])
    assert isinstance(back, Phrase) and zh(back) == "将于 12月5日 星期六 01:00 Asia/Shanghai 开始。"
    assert kept("plain", None) == "plain" and kept("", said.spec) == ""


def test_a_windows_wait_reads_in_chinese_with_its_times_and_durations():
    window = MaintenanceWindow(weekday=5, start_time=time(1), end_time=time(5), time_zone="Asia/Shanghai")
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    fits = windows.decide(now=now, mode="next_window", start_at=None, windows=[window], blackouts=[],
                          p90=timedelta(hours=1))  # fmt: skip
    assert fits.note == "Waits for the next maintenance window, Sat 5 Dec 01:00–05:00 Asia/Shanghai."
    assert zh(fits.note) == "等待下一个维护窗口：12月5日 星期六 01:00–05:00 Asia/Shanghai。"
    too_long = windows.decide(now=now, mode="next_window", start_at=None, windows=[window], blackouts=[],
                              p90=timedelta(hours=9))  # fmt: skip
    assert "the longest is 4 h 00 min" in too_long.note
    assert "最长的窗口为 4 小时 00 分钟" in zh(too_long.note)
    freeze = Blackout(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=2), reason="双十一")
    held = windows.decide(now=now, mode="now", start_at=None, windows=[], blackouts=[freeze], p90=None)
    assert held.note.startswith("Held by the change freeze '双十一' (every cluster) until ")
    assert zh(held.note).startswith("因变更封网期“双十一”（所有集群）暂停，直到 ")


@pytest.mark.django_db
def test_the_pages_and_the_api_show_an_upgrades_sentences_in_chinese(client, viewer, make_upgrade):
    upgrade = make_upgrade(steps=1, state=State.FAILED)
    failure = phrase(
        "step %(names)s failed in OCP. Retry or skip it, or roll back where OCP allows.", names="'Stop zone'"
    )
    fault = phrase("OCP rejected our credentials: %(error)s", error="HTTP 401")
    Upgrade.objects.filter(pk=upgrade.pk).update(
        **columns("last_error", failure), **columns("ocp_fault", fault)
    )
    client.force_login(viewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("upgrade", args=[upgrade.pk])).content.decode()
    with translation.override("zh-hans"):
        chinese_failure, chinese_fault = failure.translated(), fault.translated()
    assert CJK.search(chinese_failure) and CJK.search(chinese_fault)
    assert escape(chinese_failure) in page and escape(chinese_fault) in page
    assert escape(str(failure)) not in page
    body = client.get(f"/api/upgrades/{upgrade.pk}/", headers={"accept-language": "zh-CN"}).json()
    assert (body["last_error"], body["fault"]["message"]) == (chinese_failure, chinese_fault)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # the cookie outranks Accept-Language
    english = client.get(f"/api/upgrades/{upgrade.pk}/", headers={"accept-language": "en"}).json()
    assert (english["last_error"], english["fault"]["message"]) == (str(failure), str(fault))
    pack = evidence.export(upgrade.pk)
    assert pack.data["upgrade"]["last_error"] == str(failure)  # the JSON keeps the English
    with translation.override("zh-hans"):
        html = evidence.render_html(pack, exported_by="auditor", exported_at=timezone.now())
    assert escape(chinese_failure) in html


@pytest.mark.django_db
def test_an_older_row_without_a_phrase_reads_as_written(make_upgrade):
    upgrade = make_upgrade(steps=1, state=State.FAILED)
    Upgrade.objects.filter(pk=upgrade.pk).update(last_error="Written before phrases.", start_note="Old note.")
    upgrade.refresh_from_db()
    with translation.override("zh-hans"):
        assert (upgrade.last_error_text, upgrade.start_note_text) == ("Written before phrases.", "Old note.")


@pytest.mark.django_db
def test_a_void_approval_says_why_in_the_readers_language(client, approver, make_upgrade):
    upgrade = make_upgrade(steps=0, state=State.AWAITING_APPROVAL, approvals_required=1)
    why = phrase("The plan changed: %(why)s.", why=phrase("the upgrade options changed"))
    Approval.objects.create(
        upgrade=upgrade, user=approver, decision="approved", plan_digest="d" * 64, voided_at=timezone.now(),
        **columns("void_reason", why),
    )  # fmt: skip
    approval = Approval.objects.get()
    assert approval.void_reason == "The plan changed: the upgrade options changed."
    with translation.override("zh-hans"):
        assert approval.void_reason_text == "计划已变更：升级选项已变更。"
    client.force_login(approver)
    body = client.get(f"/api/upgrades/{upgrade.pk}/", headers={"accept-language": "zh-CN"}).json()
    assert body["approvals"][0]["void_reason"] == "计划已变更：升级选项已变更。"


def test_why_no_upgrade_path_exists_reads_in_chinese():
    """ocpdash/ocp does not use Django: NoUpgradePath keeps its msgid (marked N_) and parameters,
    and the pre-check says it as a phrase."""
    from ocpdash.ocp.upgrade_path import NoUpgradePath, parse_dep_graph
    from tests.ocp.test_upgrade_path import INLINE

    with pytest.raises(NoUpgradePath) as refused:
        parse_dep_graph(INLINE).shortest_path("3.2.0", "4.0.0.0")
    said = phrase(refused.value.template, **refused.value.params)
    english = (
        "The upgrade path from version 3.2.0 to version 4.0.0.0 is not found: versions below 4.0 "
        "cannot be upgraded to 4.0 or later."
    )
    assert said == refused.value.message == english
    assert zh(said) == (
        "未找到从版本 3.2.0 到版本 4.0.0.0 的升级路径：4.0 以下的版本不能升级到 4.0 及以上版本。"
    )
