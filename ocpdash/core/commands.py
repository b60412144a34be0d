"""Management commands that people read: they print in the terminal's language. The operator commands
(ocpdash/api/cli.py re-exports these names) and the admin-only ones share them."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, DjangoHelpFormatter
from django.utils import translation


def terminal_language() -> str:
    """The terminal's language as POSIX tools take it (LC_ALL, else LC_MESSAGES, else LANG): zh_CN.UTF-8
    and the like read Chinese; anything else, or nothing set, English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name, ""):
            return "zh-hans" if value.lower().startswith("zh") else "en"
    return "en"


class LazyHelpFormatter(DjangoHelpFormatter):
    """Django's help formatter, taking a lazy (``gettext_lazy``) description: argparse wraps it with a
    regular expression, which wants a str. Each option's help is a lazy string too; argparse's
    ``help % params`` turns it into a str in the language active when the help is printed."""

    def _format_text(self, text):
        return super()._format_text(str(text))


class PeopleCommand(BaseCommand):
    """A command whose output people read, in the terminal's language (:func:`terminal_language`):
    what it prints and its ``--help`` (``help`` and the options' help, marked with ``gettext_lazy``).
    Machine values (states, ids, OCP's statuses, JSON, option names) stay as they are."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", LazyHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def run_from_argv(self, argv):
        # ``manage.py CMD --help`` prints (and exits) inside run_from_argv, in parser.parse_args.
        with translation.override(terminal_language()):
            return super().run_from_argv(argv)

    def print_help(self, prog_name, subcommand):  # ``manage.py help CMD``
        with translation.override(terminal_language()):
            return super().print_help(prog_name, subcommand)

    def execute(self, *args, **options):
        with translation.override(terminal_language()):
            return super().execute(*args, **options)
