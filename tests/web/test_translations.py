"""The zh-Hans catalogue: complete, compiled without gettext tools, and used by every page.

What fails here, and what to do:

- a msgid without a zh-Hans msgstr (or a fuzzy one): translate it in locale/zh_Hans/LC_MESSAGES/django.po;
- a string marked in a template or in Python that the .po lacks: run makemessages (see
  ocpdash/core/catalogues.py), then translate;
- English text in a template outside {% translate %} / {% blocktranslate %}: mark it. The check is a
  heuristic (``_bare_text``): it drops template tags, variables, comments, scripts and the marked
  blocks, then looks for words of Latin letters in the text and in the attributes people read
  (title, placeholder, aria-label, alt, hx-confirm); names that are the same in Chinese (OCP, RPM,
  ETA, ...) are allowed;
- an English msgid left as a whole text of a page rendered in zh-Hans: something bypasses the catalogue.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from ocpdash.core.catalogues import compile_catalogues
from ocpdash.upgrades.models import State

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Templates people read in ocpdash; drf_spectacular's Swagger page is not ours to translate.
UNTRANSLATED_TEMPLATES = {"drf_spectacular/swagger_ui.html"}
# Python modules whose user-facing strings are marked (the rest are listed in the i18n section of README).
MARKED_PYTHON = [
    "ocpdash/web", "ocpdash/notify", "ocpdash/core/catalogues.py", "ocpdash/upgrades/eta.py",
    "ocpdash/upgrades/precheck.py", "ocpdash/upgrades/options.py", "ocpdash/changes/models.py",
    "ocpdash/catalog/models.py", "ocpdash/sites/models.py", "ocpdash/catalog/views.py",
    # the engine's timeline events and the refusals of operations, written with phrase()
    "ocpdash/upgrades/submission.py", "ocpdash/upgrades/operations.py", "ocpdash/upgrades/polling.py",
    "ocpdash/upgrades/review.py", "ocpdash/upgrades/storing.py", "ocpdash/upgrades/children.py",
    "ocpdash/changes/flow.py",
    # fleet rollouts: the reconciler's timeline and notes (phrases), refusals, the commands' output
    "ocpdash/rollouts",
    # the admin's names of our models (verbose_name, verbose_name_plural)
    "ocpdash/upgrades/models.py", "ocpdash/ops/models.py", "ocpdash/upgrades/evidence/render.py",
    "ocpdash/web/views/history.py", "ocpdash/api",  # the API's docs page, and the commands' output
    # the maintenance commands' output, the evidence pack's drawings, the start notes and plan changes
    "ocpdash/core/management", "ocpdash/ops/management", "ocpdash/upgrades/evidence/svg.py",
    "ocpdash/changes/windows.py", "ocpdash/changes/plan.py", "ocpdash/changes/policy.py",
    "ocpdash/changes/timing.py", "ocpdash/core/phrases.py",
    # the admin: its titles, our ModelAdmins' texts and the apps' names
    "ocpdash/urls.py", "ocpdash/catalog/admin.py", "ocpdash/changes/admin.py", "ocpdash/sites/admin.py",
    "ocpdash/upgrades/admin.py",
    "ocpdash/core/site_rules.py",
    "ocpdash/ocp/upgrade_path.py",  # why no upgrade path exists (N_: ocpdash/ocp does not use Django)
    *(f"ocpdash/{app}/apps.py" for app in ("api", "catalog", "changes", "ops", "sites", "upgrades", "web")),
]  # fmt: skip
# phrase: ocpdash.core.phrases (a sentence translated when it is read; makemessages knows the keyword)
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy", "ngettext",
                 "ngettext_lazy", "npgettext", "npgettext_lazy", "phrase", "N_"}  # fmt: skip
# Words that read the same on a Chinese page (product names, units, OCP's own terms in Latin letters).
SAME_IN_CHINESE = {"ocpdash", "OCP", "RPM", "RPMs", "ETA", "SHA", "SHA-1", "JSON", "API", "CSV", "HTML",
                   "Gantt", "OS", "IDC", "ID", "PID", "Zone", "RootService", "obd", "OceanBase", "English",
                   "readyz", "metrics"}  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sdifr]")


def template_files() -> list[tuple[str, Path]]:
    dirs = [ROOT / "templates", *sorted((ROOT / "ocpdash").glob("*/templates"))]
    found = []
    for base in dirs:
        for path in sorted(base.rglob("*.html")):
            name = path.relative_to(base).as_posix()
            if name not in UNTRANSLATED_TEMPLATES:
                found.append((name, path))
    return found


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Chinese leaves Chinese active in this thread: later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    compile_catalogues()
    return polib.pofile(str(PO))


def _key(msgctxt: str | None, msgid: str) -> tuple[str, str]:
    return (msgctxt or "", msgid)


def test_every_catalogue_entry_has_a_chinese_translation(catalogue):
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert untranslated == [], "translate these in locale/zh_Hans/LC_MESSAGES/django.po"


def test_no_catalogue_entry_is_fuzzy(catalogue):
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_translations_keep_every_placeholder(catalogue):
    wrong = []
    for entry in catalogue:
        texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in texts:
            if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(entry.msgid)
    assert wrong == []


def test_catalogue_compiles_in_pure_python_and_django_reads_it(catalogue):
    compile_catalogues(force=True)
    assert PO.with_suffix(".mo").stat().st_size > 1000
    with translation.override("zh-hans"):
        assert translation.gettext("Dashboard") == "总览"
        assert translation.pgettext("OCP status", "RUNNING") == "执行中"  # as OCP's own docs say it
        assert translation.ngettext("with %(counter)s warning", "with %(counter)s warnings", 2) == (
            "有 %(counter)s 个警告"
        )


def _template_msgids(source: str) -> set[tuple[str, str]]:
    """The (context, msgid) pairs makemessages would extract from a template, read from Django's own
    templatize (what makemessages hands xgettext: the template blanked out around gettext calls)."""
    code, found = templatize(source), set()
    for match in re.finditer(r"\b(n?p?gettext)\(", code):
        for close in (m.end() for m in re.finditer(r"\)", code[match.start() :])):
            try:
                call = ast.parse(code[match.start() : match.start() + close], mode="eval").body
            except SyntaxError:
                continue
            found |= _call_msgids(match.group(1), call.args)
            break
    return found


def _call_msgids(name: str, args: list[ast.expr]) -> set[tuple[str, str]]:
    literals = [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if name.startswith(("p", "np")):
        return {_key(literals[0], literals[1])} if len(literals) >= 2 else set()
    return {_key(None, literals[0])} if literals else set()


def _python_msgids(path: Path) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in GETTEXT_NAMES:
                found |= _call_msgids(name.lstrip("_") or "gettext", node.args)
    return found


def test_every_marked_string_is_in_the_catalogue(catalogue):
    known = {_key(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}
    marked: dict[tuple[str, str], str] = {}
    for name, path in template_files():
        for key in _template_msgids(path.read_text()):
            marked.setdefault(key, name)
    for target in MARKED_PYTHON:
        paths = [ROOT / target] if target.endswith(".py") else sorted((ROOT / target).rglob("*.py"))
        for path in paths:
            for key in _python_msgids(path):
                marked.setdefault(key, str(path.relative_to(ROOT)))
    assert len(marked) > 300
    missing = {key: where for key, where in marked.items() if key not in known}
    assert missing == {}, "run makemessages (ocpdash/core/catalogues.py), then translate"


_MARKED_BLOCKS = re.compile(
    r"{%\s*(blocktranslate|blocktrans|comment)\b.*?%}.*?{%\s*end(blocktranslate|blocktrans|comment)\s*%}",
    re.S,
)
_HUMAN_ATTRIBUTES = re.compile(r'\b(title|placeholder|aria-label|alt|hx-confirm)="([^"]*)"')
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


def _bare_text(source: str) -> list[str]:
    """English words a template shows outside the translation tags (see the module docstring)."""
    text = _MARKED_BLOCKS.sub(" ", source)
    text = re.sub(r"{#.*?#}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<(svg|code|pre|time)\b.*?</\1>", " ", text, flags=re.S)  # drawings, codes, logs
    text = re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.S)
    readable = [value for _, value in _HUMAN_ATTRIBUTES.findall(text)]
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)  # tags, with every other attribute
    text = re.sub(r"&\w+;|&#\d+;", " ", text)
    words = []
    for chunk in [text, *readable]:
        words += [w for w in _WORD.findall(chunk) if w not in SAME_IN_CHINESE and len(w) > 1]
    return words


def test_bare_text_finds_unmarked_words_and_skips_marked_ones():
    assert _bare_text('<p title="Zoom in">Log in</p>') == ["Log", "in", "Zoom", "in"]
    marked = '{% translate "Log in" %}<p title="{% translate "Zoom in" %}">{{ user }} · OCP</p>'
    assert _bare_text(marked + "{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}") == []


@pytest.mark.parametrize("name,path", template_files(), ids=[name for name, _ in template_files()])
def test_template_has_no_unmarked_english(name, path):
    assert _bare_text(path.read_text()) == [], f"mark these in {name} with {{% translate %}}"


# Rendered pages -------------------------------------------------------------------------------------


def _english_msgids(catalogue) -> set[str]:
    """Whole texts a zh-Hans page must not show: the catalogue's English msgids that differ from their
    translation (and are not OCP's status codes, which a page shows as data attributes)."""
    return {
        e.msgid for e in catalogue if not e.msgctxt and e.msgstr and e.msgstr != e.msgid and len(e.msgid) > 2
    }


def _texts(html: str) -> set[str]:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return {t.strip() for t in re.split(r"<[^>]*>", html) if t.strip()}


@pytest.fixture
def zh_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


@pytest.mark.django_db
def test_key_pages_in_chinese_show_no_english_catalogue_text(
    zh_client, operator, make_upgrade, cluster, make_cluster, catalogue
):
    from tests.web.test_change_pages import DIGEST, frozen_plan

    upgrade = make_upgrade(steps=4, child_steps=3)
    finished = make_upgrade(steps=2, state=State.SUCCESSFUL, statuses=["SUCCESSFUL", "SUCCESSFUL"])
    deneb = make_cluster(name="deneb")
    waiting = make_upgrade(steps=0, state=State.AWAITING_APPROVAL, approvals_required=1, plan_digest=DIGEST,
                           plan=frozen_plan(deneb, finished.package), cluster=deneb)  # fmt: skip
    zh_client.force_login(operator)
    english = _english_msgids(catalogue)
    pages = [
        reverse("dashboard"), reverse("cluster", args=[cluster.pk]),
        reverse("upgrade_form", args=[cluster.pk]), reverse("upgrade", args=[upgrade.pk]) + "?step=2",
        reverse("upgrade", args=[finished.pk]) + "?view=gantt", reverse("upgrade", args=[waiting.pk]),
        reverse("history"), reverse("approvals"), reverse("upcoming"), reverse("catalog"),
    ]  # fmt: skip
    for url in pages:
        response = zh_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html, url
        assert _texts(html) & english == set(), url


@pytest.mark.django_db
def test_login_page_follows_the_browser_language(client, catalogue):
    chinese = client.get(reverse("login"), headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-hans">' in chinese.content.decode() and "登录 ocpdash" in chinese.content.decode()
    english = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.content.decode() and "Log in to ocpdash" in english.content.decode()


@pytest.mark.django_db
def test_language_switch_remembers_the_choice_and_needs_the_csrf_token(client, viewer, catalogue):
    client.force_login(viewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert f'action="{reverse("set_language")}"' in page and 'name="language" value="zh-hans"' in page
    answer = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("history")})
    assert answer.status_code == 302 and answer.url == reverse("history")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "升级历史" in client.get(reverse("history")).content.decode()
    strict = type(client)(enforce_csrf_checks=True)
    assert strict.post(reverse("set_language"), {"language": "zh-hans"}).status_code == 403


@pytest.mark.django_db
def test_language_switch_works_before_login(client, catalogue):
    answer = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")})
    assert answer.status_code == 302 and answer.url == reverse("login")
    assert "用户名" in client.get(reverse("login")).content.decode()


def test_machine_words_read_in_chinese(catalogue):
    from ocpdash.web.templatetags.ocpdash import term

    with translation.override("zh-hans"):
        assert (term("PRIMARY"), term("ROLLING"), term("STOP_SERVICE"), term("")) == (
            "主集群",
            "滚动升级",
            "停服升级",
            "",
        )
    assert term("PRIMARY") == "primary"


def test_durations_read_in_chinese(catalogue):
    from datetime import timedelta

    from ocpdash.web.templatetags.ocpdash import duration

    with translation.override("zh-hans"):
        assert duration(timedelta(hours=1, minutes=2)) == "1 小时 02 分"
        assert duration(timedelta(minutes=3, seconds=5)) == "3 分 05 秒"
    assert duration(timedelta(minutes=3, seconds=5)) == "3m 05s"


@pytest.mark.django_db
def test_a_pre_check_reads_in_the_language_of_its_reader(catalogue, make_cluster, make_package):
    from ocpdash.upgrades import precheck

    cluster = make_cluster(architecture="")
    package = make_package(enabled=False)

    def messages():
        report = precheck.PrecheckReport(cluster.pk, package.pk, cluster.version, package.full_version)
        precheck._check_package(report, cluster, package)
        return [check.message.translated() for check in report.checks]  # phrases, read now

    with translation.override("zh-hans"):
        chinese = messages()
    assert "该软件包已在目录中禁用；需由目录管理员启用。" in chinese
    assert "集群的 CPU 架构未知；请先从 OCP 同步。" in chinese
    assert "The cluster's CPU architecture is unknown; sync it from OCP first." in messages()


@pytest.mark.django_db
def test_the_api_keeps_machine_values_and_translates_only_messages(client, viewer, make_upgrade, catalogue):
    upgrade = make_upgrade(steps=3)
    client.force_login(viewer)
    chinese = {"accept-language": "zh-CN"}
    detail = client.get(f"/api/upgrades/{upgrade.pk}/", headers=chinese).json()
    assert detail["state"] == "running"
    missing = client.get("/api/upgrades/999999/", headers=chinese)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found" and missing.json()["message"] == "未找到。"


def test_every_model_of_ours_names_itself_in_chinese_in_the_admin(catalogue):
    """verbose_name and verbose_name_plural written out (Django's default plural, name + "s", has no
    catalogue entry) and translated."""
    from django.apps import apps

    ours = [m for m in apps.get_models() if m.__module__.startswith("ocpdash.")]
    unnamed = [
        m.__name__ for m in ours if not {"verbose_name", "verbose_name_plural"} <= set(m._meta.original_attrs)
    ]
    assert unnamed == []
    with translation.override("zh-hans"):
        english = [
            m.__name__ for m in ours if not re.search(r"[\u4e00-\u9fff]", str(m._meta.verbose_name_plural))
        ]
    assert english == []


def test_every_field_of_ours_is_labelled_in_chinese_in_the_admin(catalogue):
    """Every field we define (not the auto id) has a verbose_name written out and marked (Django's
    default, the attribute's name, has no catalogue entry) and translated; a label made only of terms
    that stay Latin on a Chinese page needs no Chinese character."""
    from django.apps import apps
    from django.utils.functional import Promise

    stays_latin = {"OCP", "ID", "RPM", "Zone", "URL"}
    ours = [m for m in apps.get_models() if m.__module__.startswith("ocpdash.")]
    fields = [(m, f) for m in ours for f in (*m._meta.fields, *m._meta.many_to_many) if not f.auto_created]
    unlabelled = [
        f"{m.__name__}.{f.name}"
        for m, f in fields
        if not isinstance(f.deconstruct()[3].get("verbose_name"), Promise)
    ]
    assert unlabelled == []
    with translation.override("zh-hans"):
        english = [
            f"{m.__name__}.{f.name}: {f.verbose_name}"
            for m, f in fields
            if not re.search(r"[\u4e00-\u9fff]", str(f.verbose_name))
            and set(str(f.verbose_name).split()) - stays_latin
        ]
    assert english == []


@pytest.mark.django_db
def test_the_history_csv_header_follows_the_language_and_english_keeps_field_names(client, viewer, catalogue):
    from ocpdash.web.views.history import CSV_FIELDS

    client.force_login(viewer)
    english = b"".join(client.get(reverse("history_csv")).streaming_content).decode()
    assert english.splitlines()[0] == ",".join(CSV_FIELDS)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = b"".join(client.get(reverse("history_csv")).streaming_content).decode()
    assert chinese.splitlines()[0].startswith("编号,集群,站点,原版本,目标版本,状态")


def test_where_a_path_came_from_reads_in_chinese(catalogue):
    from ocpdash.upgrades.precheck import RPM_OWN_FILE, route_source_text

    with translation.override("zh-hans"):
        assert route_source_text(RPM_OWN_FILE) == "RPM 自带的 oceanbase_upgrade_dep.yml"
        assert route_source_text("upstream oceanbase_upgrade_dep.yml @0123abcd") == (
            "上游 oceanbase_upgrade_dep.yml @0123abcd"
        )
    assert route_source_text(RPM_OWN_FILE) == RPM_OWN_FILE


@pytest.mark.django_db
def test_the_evidence_pack_reads_in_chinese_and_keeps_its_hash(make_upgrade, catalogue):
    from django.utils import timezone

    from ocpdash.upgrades import evidence

    pack = evidence.export(make_upgrade(steps=2).pk)
    with translation.override("zh-hans"):
        html = evidence.render_html(pack, exported_by="auditor", exported_at=timezone.now())
    assert '<html lang="zh-hans">' in html and "证据包" in html and "校验本证据包" in html
    assert evidence.verify(html.encode()).ok
    assert _texts(html) & _english_msgids(catalogue) == set()
