import pytest

from ocpdash.notify.models import Channel, EventKind, Subscription
from tests.notify.receiver import Receiver
from tests.web.conftest import cluster, make_upgrade  # noqa: F401 - fixtures used here too

# Secrets and tokens that must appear in no log, page, delivery row or message to the wrong place.
WEBHOOK_SECRET = "whsec-9f3b7c1e-never-leaks"
DINGTALK_SECRET = "SECdingtalk5e1d2c3b4a-never-leaks"
FEISHU_SECRET = "feishu-secret-77aa-never-leaks"
SLACK_TOKEN = "slackTokenXoXb0123456789"
DINGTALK_TOKEN = "dtAccessToken0123456789"
FEISHU_TOKEN = "fsHookToken0123456789"
WECOM_KEY = "wecomKey-693a91f6-0123456789"
SECRETS = (
    WEBHOOK_SECRET,
    DINGTALK_SECRET,
    FEISHU_SECRET,
    SLACK_TOKEN,
    DINGTALK_TOKEN,
    FEISHU_TOKEN,
    WECOM_KEY,
)

PATHS = {
    Channel.Kind.WEBHOOK: "/hook/ocpdash",
    Channel.Kind.SLACK: f"/slack/services/T0001/B0001/{SLACK_TOKEN}",
    Channel.Kind.DINGTALK: "/dingtalk/robot/send",
    Channel.Kind.FEISHU: f"/feishu/open-apis/bot/v2/hook/{FEISHU_TOKEN}",
    Channel.Kind.WECOM: "/wecom/cgi-bin/webhook/send",
}


@pytest.fixture
def package(db):
    """The package make_upgrade upgrades to (the engine's sim_site may have loaded it already)."""
    from ocpdash.catalog.models import RpmPackage

    return RpmPackage.objects.get_or_create(file_name="oceanbase-2.2.75-20210108170301.el7.x86_64.rpm")[0]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def channels(receiver, db):
    """One channel of each HTTP kind, pointing at the receiver, each with its credentials."""
    base = receiver.url
    specs = {
        Channel.Kind.WEBHOOK: (f"{base}{PATHS['webhook']}", WEBHOOK_SECRET),
        Channel.Kind.SLACK: (f"{base}{PATHS['slack']}", ""),
        Channel.Kind.DINGTALK: (f"{base}{PATHS['dingtalk']}?access_token={DINGTALK_TOKEN}", DINGTALK_SECRET),
        Channel.Kind.FEISHU: (f"{base}{PATHS['feishu']}", FEISHU_SECRET),
        Channel.Kind.WECOM: (f"{base}{PATHS['wecom']}?key={WECOM_KEY}", ""),
    }
    return {
        kind: Channel.objects.create(name=f"{kind}-channel", kind=kind, url=url, secret=secret)
        for kind, (url, secret) in specs.items()
    }


@pytest.fixture
def subscribe(db):
    def make(channel, events=None, scope=Subscription.Scope.ALL, **fields):
        events = events or [kind.value for kind in EventKind if kind != EventKind.TEST]
        return Subscription.objects.create(channel=channel, events=list(events), scope=scope, **fields)

    return make


@pytest.fixture
def notify_env(monkeypatch, settings):
    """Short timeouts and backoff for the worker processes (environment) and this one (settings)."""
    values = {
        "OCPDASH_NOTIFY_RETRY_BASE": 0.2,
        "OCPDASH_NOTIFY_RETRY_MAX": 0.5,
        "OCPDASH_NOTIFY_CONNECT_TIMEOUT": 0.5,
        "OCPDASH_NOTIFY_READ_TIMEOUT": 2.0,
        "OCPDASH_NOTIFY_LEASE_SECONDS": 1.0,
        "OCPDASH_NOTIFY_OVERDUE_GRACE": 0.5,
        "OCPDASH_NOTIFY_MAX_ATTEMPTS": 5,
        "OCPDASH_NOTIFY_RECOVER_INTERVAL": 0.5,
        "OCPDASH_NOTIFY_CHECK_INTERVAL": 0.5,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
        setattr(settings, name, value)
    monkeypatch.setenv("OCPDASH_EMAIL_TIMEOUT", "1")  # a lease covers the longest send, an email's too
    settings.EMAIL_TIMEOUT = 1.0
    monkeypatch.setenv("OCPDASH_BASE_URL", "https://ocpdash.example.com")
    settings.OCPDASH_BASE_URL = "https://ocpdash.example.com"
    return values
