"""Management commands that people read: they print in the terminal's language. The operator commands
(ocpdash/api/cli.py re-exports these names) and the admin-only ones share them."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand
from django.utils import translation


def terminal_language() -> str:
    """The terminal's language as POSIX tools take it (LC_ALL, else LC_MESSAGES, else LANG): zh_CN.UTF-8
    and the like read Chinese; anything else, or nothing set, English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name, ""):
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


class PeopleCommand(BaseCommand):
    """A command whose output people read, in the terminal's language (:func:`terminal_language`).
    Machine values (states, ids, OCP's statuses, JSON) and the options' help stay as they are."""

    def execute(self, *args, **options):
        with translation.override(terminal_language()):
            return super().execute(*args, **options)
