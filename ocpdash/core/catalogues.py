"""The translation catalogues: locale/<lang>/LC_MESSAGES/django.po compiled to .mo in pure Python.

Django's compilemessages needs GNU gettext's msgfmt, a system tool; the two-command set-up assumes only
Python 3.11 and make, so polib (pinned in requirements.txt) writes the .mo files instead. The .mo files
are build output (git-ignored): `make run` and `make test` call `manage.py compile_catalogues` first.
A fuzzy or empty entry is left out of the .mo, as msgfmt does, so the English text shows instead.

Extracting strings still uses makemessages (which needs xgettext) on a developer's machine; ocpdash's own
makemessages (ocpdash/core/management/commands) also extracts ocpdash.core.phrases.phrase(...):
    python manage.py makemessages -l zh_Hans --no-obsolete --add-location file
"""

from pathlib import Path

import polib
from django.conf import settings


def po_files() -> list[Path]:
    """Every django.po under LOCALE_PATHS."""
    return sorted(p for root in settings.LOCALE_PATHS for p in Path(root).glob("*/LC_MESSAGES/django.po"))


def compile_catalogues(force: bool = False) -> list[Path]:
    """Write each .po's .mo when it is missing or older than its .po; return the .mo files written."""
    written = []
    for po_path in po_files():
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written
