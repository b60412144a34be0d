"""The admin-only commands print in the terminal's language too (ocpdash.core.commands.PeopleCommand),
and the evidence pack's drawings label themselves in the reader's language; OCP's step names and
statuses stay as OCP wrote them, and every word drawn in an SVG is escaped."""

from __future__ import annotations

import signal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ocpdash.core.catalogues import compile_catalogues
from ocpdash.core.commands import PeopleCommand, terminal_language
from ocpdash.upgrades.evidence import svg

CHINESE, ENGLISH = "zh_CN.UTF-8", "C"


@pytest.fixture(autouse=True)
def catalogue():
    compile_catalogues()


def terminal(monkeypatch, lang: str) -> None:
    """A terminal with only LANG set (the conftest sets LC_ALL=C.UTF-8 for every test)."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang)


def run(monkeypatch, lang: str, *args) -> str:
    terminal(monkeypatch, lang)
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_keeps_the_names_it_shared_before():
    from ocpdash.api import cli

    assert (cli.PeopleCommand, cli.terminal_language) == (PeopleCommand, terminal_language)


ADMIN_COMMANDS = ["ensure_site", "load_demo", "rotate_encryption_key", "rotate_notify_secrets",
                  "clear_metrics", "serve_metrics", "api_token"]  # fmt: skip


@pytest.mark.parametrize("name", ADMIN_COMMANDS)
def test_every_admin_command_reads_the_terminal_language(name):
    from django.core.management import get_commands, load_command_class

    assert isinstance(load_command_class(get_commands()[name], name), PeopleCommand)


# --- ensure_site -------------------------------------------------------------------------------------


@pytest.fixture
def ocp_settings(settings):
    settings.OCP_URL = "http://ocp.example.com:8080"
    settings.OCP_SITE_NAME = "shanghai"
    settings.OCP_USERNAME, settings.OCP_PASSWORD = "ocp-admin", "pw-1"
    settings.OCP_ACCESS_KEY_ID = settings.OCP_ACCESS_KEY_SECRET = ""
    return settings


def test_ensure_site_without_ocp_url_reads_chinese_in_a_chinese_terminal(db, settings, monkeypatch):
    settings.OCP_URL = ""
    assert run(monkeypatch, CHINESE, "ensure_site").strip() == "未设置 OCP_URL；没有来自环境变量的站点。"


def test_ensure_site_without_ocp_url_reads_english_in_a_c_terminal(db, settings, monkeypatch):
    settings.OCP_URL = ""
    assert (
        run(monkeypatch, ENGLISH, "ensure_site").strip()
        == "OCP_URL is not set; no site from the environment."
    )


def test_ensure_site_says_which_site_in_the_terminal_language(db, ocp_settings, monkeypatch):
    chinese = run(monkeypatch, CHINESE, "ensure_site").strip()
    assert chinese == "OCP 站点“shanghai” → http://ocp.example.com:8080（用户名和密码）"
    english = run(monkeypatch, ENGLISH, "ensure_site").strip()
    assert english == "OCP site 'shanghai' → http://ocp.example.com:8080 (Username and password)"
    ocp_settings.OCP_ACCESS_KEY_ID, ocp_settings.OCP_ACCESS_KEY_SECRET = "AKID123", "sk-1"
    assert run(monkeypatch, CHINESE, "ensure_site").strip().endswith("（AccessKey（AK/SK 签名））")
    assert run(monkeypatch, ENGLISH, "ensure_site").strip().endswith("(AccessKey (AK/SK signature))")


def test_ensure_site_refuses_missing_credentials_in_the_terminal_language(db, ocp_settings, monkeypatch):
    ocp_settings.OCP_PASSWORD = ""
    terminal(monkeypatch, CHINESE)
    with pytest.raises(
        CommandError, match="^已设置 OCP_URL，但没有凭据：请设置 OCP_USERNAME 和 OCP_PASSWORD"
    ):
        call_command("ensure_site", stdout=StringIO())
    terminal(monkeypatch, ENGLISH)
    with pytest.raises(CommandError, match="^OCP_URL is set but no credentials: set OCP_USERNAME"):
        call_command("ensure_site", stdout=StringIO())


# --- key rotation ------------------------------------------------------------------------------------


def test_rotate_encryption_key_reports_in_the_terminal_language(db, ocp_settings, monkeypatch):
    run(monkeypatch, ENGLISH, "ensure_site")  # a site with a password: one secret
    assert run(monkeypatch, CHINESE, "rotate_encryption_key").strip() == "已用第一个密钥重新加密 1 个凭据。"
    assert run(monkeypatch, ENGLISH, "rotate_encryption_key").strip() == (
        "Re-encrypted 1 secrets with the first key."
    )


def test_rotate_notify_secrets_reports_in_the_terminal_language(db, monkeypatch):
    assert (
        run(monkeypatch, CHINESE, "rotate_notify_secrets").strip()
        == "已用第一个密钥重新加密通知通道的 0 个值。"
    )
    assert run(monkeypatch, ENGLISH, "rotate_notify_secrets").strip() == (
        "Re-encrypted 0 notification channel values with the first key."
    )


# --- demo data and metrics ---------------------------------------------------------------------------


def test_load_demo_reports_in_chinese_and_keeps_the_logins_as_they_are(db, monkeypatch):
    from ocpdash.core.demo import demo_password

    chinese = run(monkeypatch, CHINESE, "load_demo", "--no-sync")
    assert chinese.startswith("演示数据：新增 4 个用户") and "从模拟器读取 0 个集群" in chinese
    assert f"admin / operator / viewer / approver，密码“{demo_password()}”。" in chinese
    english = run(monkeypatch, ENGLISH, "load_demo", "--no-sync")  # loaded already: nothing new
    assert english.startswith("Demo data: 0 new user(s), 0 new package(s), 0 cluster(s) from the simulator")
    assert f"password '{demo_password()}'." in english


def test_clear_metrics_reports_in_the_terminal_language(tmp_path, settings, monkeypatch):
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    (tmp_path / "counter_1.db").write_bytes(b"x")
    assert run(monkeypatch, CHINESE, "clear_metrics").strip() == f"指标目录 {tmp_path}：已删除 1 个文件。"
    assert (
        run(monkeypatch, ENGLISH, "clear_metrics").strip() == f"Metrics folder {tmp_path}: 0 file(s) removed."
    )


def test_serve_metrics_says_where_in_the_terminal_language(tmp_path, settings, monkeypatch):
    import prometheus_client

    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    monkeypatch.setattr(prometheus_client, "start_http_server", lambda *args, **kwargs: None)
    monkeypatch.setattr(signal, "pause", lambda: None)
    chinese = run(monkeypatch, CHINESE, "serve_metrics", "--port", "9999").strip()
    assert chinese == f"正在 http://127.0.0.1:9999/ 提供 {tmp_path} 的指标"
    english = run(monkeypatch, ENGLISH, "serve_metrics", "--port", "9999").strip()
    assert english == f"Metrics of {tmp_path} on http://127.0.0.1:9999/"


# --- the evidence pack's drawings --------------------------------------------------------------------

HOSTILE_STEP = '"><svg onload=alert(1)>'


def pack_data() -> dict:
    """A pack's data as collect.py writes it, as far as svg.py reads it: a parent task, a child task
    with a binary version, one step retried and one still running."""

    def step(task_id, subtask_id, name, status, started, finished, upstreams=(), runs=1, changes=()):
        return {
            "task_id": task_id, "subtask_id": subtask_id, "name": name, "display_status": status,
            "started_at": started, "finished_at": finished, "upstreams": list(upstreams), "runs": runs,
            "changes": list(changes),
        }  # fmt: skip

    retried = [
        {"at": "2026-03-07T01:00:00+00:00", "status": "RUNNING"},
        {"at": "2026-03-07T01:01:00+00:00", "status": "FAILED"},
        {"at": "2026-03-07T01:02:00+00:00", "status": "RUNNING"},
    ]
    return {
        "as_of": "2026-03-07T01:10:00+00:00",
        "tasks": [
            {"id": 10, "is_parent": True, "name": "Upgrade cluster", "binary_version": "", "steps": 2},
            {"id": 11, "is_parent": False, "name": "Upgrade binary", "binary_version": "4.2.1.1", "steps": 1},
        ],
        "steps": [
            step(10, 1, "Stop zone", "SUCCESSFUL", "2026-03-07T01:00:00+00:00", "2026-03-07T01:03:00+00:00",
                 runs=2, changes=retried),
            step(10, 2, HOSTILE_STEP, "RUNNING", "2026-03-07T01:03:00+00:00", None, upstreams=[1]),
            step(11, 3, "Install OceanBase RPM", "PENDING", None, None),
        ],
    }  # fmt: skip


def drawings() -> tuple[list[svg.Section], str]:
    data = pack_data()
    sections = svg.dag_sections(data)
    return sections, "".join(f for s in sections for f in s.figures) + "".join(svg.gantt_figures(data))


def test_the_evidence_drawings_read_in_chinese_and_keep_ocps_names_and_statuses():
    with translation.override("zh-hans"):
        sections, drawn = drawings()
    assert [s.title for s in sections] == [
        "父任务 #10 Upgrade cluster（2 个子任务）",
        "子级任务 #11 Upgrade binary，二进制版本 4.2.1.1（1 个子任务）",
    ]
    assert 'aria-label="子任务流程图"' in drawn and 'aria-label="子任务甘特图"' in drawn
    assert "执行 2 次" in drawn and "→ 运行中" in drawn
    assert "父任务 #10 Upgrade cluster（2 个子任务）" in drawn  # the Gantt's task heading
    assert "Stop zone — SUCCESSFUL" in drawn and "Install OceanBase RPM" in drawn  # OCP's, as OCP wrote them
    for english in (
        "Steps graph",
        "Gantt of the steps",
        "Parent task",
        "Child task",
        " steps)",
        "→ running",
        ", ran ",
    ):
        assert english not in drawn


def test_the_evidence_drawings_read_english_by_default():
    sections, drawn = drawings()
    assert [s.title for s in sections] == [
        "Parent task #10 Upgrade cluster (2 steps)",
        "Child task #11 Upgrade binary, binary 4.2.1.1 (1 steps)",
    ]
    assert 'aria-label="Steps graph"' in drawn and 'aria-label="Gantt of the steps"' in drawn
    assert ", ran 2 times" in drawn and "→ running" in drawn
    assert svg.task_title(None, 12) == "Task #12"


def test_the_evidence_drawings_escape_translated_words_and_ocps_text(monkeypatch):
    monkeypatch.setattr(svg, "_", lambda text: '<b class="x">' + text + "</b>")
    _sections, drawn = drawings()
    assert "<b" not in drawn and "<svg onload" not in drawn and '"><svg' not in drawn
    assert 'aria-label="&lt;b class=&quot;x&quot;&gt;Steps graph&lt;/b&gt;"' in drawn
    assert "&lt;svg onload=alert(1)&gt;" in drawn
