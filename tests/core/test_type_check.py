"""make lint type-checks the domain (pyproject.toml [tool.mypy]): a type error in the engine, or an
unannotated function in OCP's client (checked as strictly as `mypy --strict`), fails it. The check runs
mypy as make lint does, with two of the domain's files replaced (mypy's --shadow-file) by copies that
carry the mistake, on a copy of the project's mypy cache so it takes seconds."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ENGINE_FILE = "ocpdash/upgrades/params.py"
ENGINE_MISTAKE = """

def deliberate_mistake() -> int:
    return parse_id("1")  # int | None, not int
"""
CLIENT_FILE = "ocpdash/ocp/versions.py"
CLIENT_MISTAKE = """

def deliberately_unannotated(value):
    return value
"""


def test_the_domain_is_what_mypy_checks():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert set(config["files"]) == {"ocpdash/ocp", "ocpdash/sites", "ocpdash/upgrades"}


def test_make_lint_fails_on_a_type_error_in_the_engine_and_an_untyped_def_in_the_client(tmp_path):
    shadows = []
    for name, mistake in ((ENGINE_FILE, ENGINE_MISTAKE), (CLIENT_FILE, CLIENT_MISTAKE)):
        shadow = tmp_path / Path(name).name
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
    assert any(line.startswith(ENGINE_FILE) and "Incompatible return value type" in line for line in errors)
    assert any(line.startswith(CLIENT_FILE) and "missing a type annotation" in line for line in errors)
    assert len(errors) == 2, errors  # nothing else in the domain
