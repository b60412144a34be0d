"""Commands print in the terminal's language (issue 18): LC_ALL, else LC_MESSAGES, else LANG, as POSIX
tools read it; zh_CN… reads Chinese. Machine values (states, ids, keys) stay as they are."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ocpdash.api.cli import terminal_language
from ocpdash.core.catalogues import compile_catalogues


@pytest.fixture(autouse=True)
def catalogue():
    compile_catalogues()


@pytest.mark.parametrize(
    "env,language",
    [
        ({"LC_ALL": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh-hans"),
        ({"LC_ALL": "", "LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LC_ALL": ""}, "en"),
    ],
)
def test_the_terminal_language_follows_posix_order(monkeypatch, env, language):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert terminal_language() == language


def test_a_chinese_terminal_reads_a_command_error_in_chinese(db, monkeypatch):
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    with pytest.raises(CommandError, match="没有名为 'ghost' 的 ocpdash 用户。"):
        call_command("api_token", "issue", "ghost", stdout=StringIO())


def test_an_english_terminal_reads_english(db):
    with pytest.raises(CommandError, match="No ocpdash user named 'ghost'."):
        call_command("api_token", "issue", "ghost", stdout=StringIO())
