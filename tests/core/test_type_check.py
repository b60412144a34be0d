"""make lint type-checks the domain (pyproject.toml [tool.mypy]): a type error in the engine, or an
unannotated function in OCP's client, sites or an engine module that is strict already (checked as
strictly as `mypy --strict`), fails it. The check runs mypy as make lint does, with four of the
domain's files replaced (mypy's --shadow-file) by copies that carry the mistake, on a copy of the
project's mypy cache so it takes seconds."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

UNANNOTATED = """

def deliberately_unannotated(value):
    return value
"""
# file: (what is appended to it, what mypy must then say about it)
MISTAKES = {
    "ocpdash/upgrades/params.py": (
        '\n\ndef deliberate_mistake() -> int:\n    return parse_id("1")  # int | None, not int\n',
        "Incompatible return value type",
    ),
    "ocpdash/ocp/versions.py": (UNANNOTATED, "Function is missing a type annotation"),
    "ocpdash/sites/search.py": (UNANNOTATED, "Function is missing a type annotation"),
    "ocpdash/upgrades/dag.py": (UNANNOTATED, "Function is missing a type annotation"),
}


def test_the_domain_is_what_mypy_checks():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(config["files"]) == {"ocpdash/ocp", "ocpdash/sites", "ocpdash/upgrades"}


def test_make_lint_fails_on_a_type_error_in_the_engine_or_an_untyped_def_where_it_is_strict(tmp_path):
    shadows = []
    for name, (mistake, _) in MISTAKES.items():
        shadow = tmp_path / name.replace("/", "_")
        shadow.write_text((ROOT / name).read_text() + mistake)
        shadows += ["--shadow-file", name, str(shadow)]
    cache = tmp_path / "cache"
    if (ROOT / ".mypy_cache").is_dir():
        shutil.copytree(ROOT / ".mypy_cache", cache)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache), *shadows],
        cwd=ROOT,
        env={**os.environ, "OCPDASH_MANIFEST_STATIC": "0"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert done.returncode == 1, done.stdout + done.stderr
    for name, (_, said) in MISTAKES.items():
        assert any(line.startswith(name) and said in line for line in errors), (name, errors)
    assert len(errors) == len(MISTAKES), errors  # nothing else in the domain
