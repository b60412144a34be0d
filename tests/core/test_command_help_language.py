"""``manage.py CMD --help`` of the commands people read is in the terminal's language too
(ocpdash.core.commands.PeopleCommand): the command's help and its options' help, marked with
gettext_lazy, while option names, placeholders and machine words stay as they are. Run as people run
it: manage.py in a subprocess, with only LANG set."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.utils import translation

from ocpdash.core.catalogues import compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
CHINESE, ENGLISH = "zh_CN.UTF-8", "C"


@pytest.fixture(autouse=True)
def catalogue():
    compile_catalogues()


def manage_help(lang: str, *args: str) -> str:
    """``manage.py ARGS`` in a terminal with only LANG set (LC_ALL and LC_MESSAGES would win over it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env.update(LANG=lang, OCPDASH_MANIFEST_STATIC="0", COLUMNS="200")
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return " ".join(result.stdout.split())  # argparse wraps lines: compare the words


def test_submit_upgrade_help_reads_chinese_in_a_chinese_terminal():
    text = manage_help(CHINESE, "submit_upgrade", "--help")
    assert "以 --user 的身份预检查并申请将 CLUSTER 升级到 PACKAGE" in text
    assert "--user USER 以此 ocpdash 用户的身份操作（相同的权限和审计记录）" in text  # shared helper
    assert "now（默认）、next_window，或带时区偏移的时间（2026-12-05T01:00:00+08:00）" in text
    assert "--mode {ROLLING,STOP_SERVICE} 升级方式（默认：3 个及以上 Zone 时滚动升级）" in text
    assert "Pre-check and request" not in text and "Act as this ocpdash user" not in text


def test_submit_upgrade_help_reads_english_in_a_c_terminal():
    text = manage_help(ENGLISH, "submit_upgrade", "--help")
    assert "Pre-check and request an upgrade of CLUSTER to PACKAGE as --user" in text
    assert "--user USER Act as this ocpdash user (same permissions and audit trail)" in text
    assert "--wait Follow the upgrade until it ends" in text
    assert "升级" not in text


def test_rollout_create_help_follows_the_terminal_language():
    chinese = manage_help(CHINESE, "rollout_create", "--help")
    assert "以 --user 的身份规划并创建批量升级" in chinese and "--plan-only 只打印计划" in chinese
    assert "--start-at START_AT 带时区偏移的 ISO 8601 时间（默认：立即）" in chinese
    english = manage_help(ENGLISH, "rollout_create", "--help")
    assert "Plan and create a fleet rollout as --user" in english
    assert "--start-at START_AT ISO 8601 time with its offset (default: now)" in english


def test_help_subcommand_and_an_admin_command_follow_the_terminal_language():
    assert "根据 OCP_URL 和 OCP_* 凭据创建或更新 OCP 站点。" in manage_help(CHINESE, "help", "ensure_site")
    english = manage_help(ENGLISH, "ensure_site", "--help")
    assert "Create or update the OCP site from OCP_URL and OCP_* credentials." in english


def test_a_parser_prints_the_language_active_when_it_prints():
    """The texts are lazy: built once, printed in the language of the moment (call_command's parsers
    are built outside any terminal language, and nothing about them changes)."""
    command = load_command_class(get_commands()["rollout_status"], "rollout_status")
    parser = command.create_parser("manage.py", "rollout_status")
    with translation.override("zh-hans"):
        assert "不给 ID 时列出最近的批量升级" in parser.format_help()
    with translation.override("en"):
        assert "without an id, the recent rollouts" in " ".join(parser.format_help().split())


def test_call_command_still_parses_options(db):
    out = StringIO()
    call_command("rollout_status", stdout=out)  # no rollouts: prints nothing, parses fine
    assert out.getvalue() == ""
