"""Django's makemessages, also extracting the sentences written with ocpdash.core.phrases.phrase (the
timeline's events, written by the engine and translated when read)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=phrase", "--keyword=N_"]
