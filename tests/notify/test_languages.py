"""Notifications in each channel's language (issue 18): a team's DingTalk group reads Chinese while
the on-call email stays English; the worker's own language does not matter."""

import pytest
from django.utils import translation

from ocpdash.core.catalogues import compile_catalogues
from ocpdash.notify import delivery as sending
from ocpdash.notify.messages import compose
from ocpdash.notify.models import Channel, EventKind, Outcome
from tests.notify.test_messages import FACTS
from tests.notify.test_sending import fast, one_delivery, queued  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue():
    compile_catalogues()


@pytest.mark.usefixtures("fast", "queued")
def test_an_email_channel_in_chinese_sends_its_mail_in_chinese(make_upgrade, subscribe, mailoutbox):
    chinese = Channel.objects.create(
        name="dba-cn", kind=Channel.Kind.EMAIL, recipients="dba@example.com", language="zh-hans"
    )
    delivery, _ = one_delivery(make_upgrade, chinese, subscribe, kind=EventKind.NEEDS_ATTENTION, reason="忙")
    assert sending.attempt(delivery.pk) == "delivered"
    [mail] = mailoutbox
    assert mail.subject == "[ocpdash] 集群 orion 的升级需要处理"
    assert "集群：orion" in mail.body and "原因：忙" in mail.body
    assert translation.get_language() == "en", "the worker's language is left as it was"


def test_every_message_reads_in_chinese():
    with translation.override("zh-hans"):
        finished = compose(EventKind.FINISHED, {**FACTS, "context": {"outcome": Outcome.ROLLED_BACK}})
        started = compose(EventKind.STARTED, FACTS)
    assert finished.title == "集群 orion 的升级已结束：已回滚"
    assert ("状态", "运行中") in started.fields and ("申请人", "alice") in started.fields
    english = compose(EventKind.STARTED, FACTS)
    assert english.title == "Upgrade of orion started" and ("State", "Running") in english.fields
