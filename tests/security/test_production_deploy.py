"""Deployment: check --deploy knows where the encryption key is (review L8), and `make run` creates
the demo logins only beside the bundled simulator (review M7)."""

import os
import subprocess
import sys

from tests.security.test_deploy_and_auth import ROOT, production_env


def check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_check_deploy_warns_when_the_key_file_is_beside_the_database(tmp_path):
    env = production_env(tmp_path)
    del env["OCPDASH_ENCRYPTION_KEY"]  # read from (generated in) var/, where the SQLite file is
    env.pop("DATABASE_URL", None)
    result = check_deploy(env)
    assert "ocpdash.W001" in result.stdout + result.stderr


def test_check_deploy_is_quiet_about_a_key_from_the_environment(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert "ocpdash.W001" not in result.stdout + result.stderr


def make_run_commands(**variables) -> str:
    """What `make run` would do (make -n prints the recipe without running it), from a shell that
    sets none of the OCP variables (`make test`'s own make exports them to the tests)."""
    arguments = [f"{name}={value}" for name, value in variables.items()]
    unset = (
        "OCP_URL",
        "OCP_USERNAME",
        "OCP_PASSWORD",
        "OCPDASH_DEMO_USERS",
        "MAKEFLAGS",
        "MAKELEVEL",
        "MFLAGS",
    )
    env = {k: v for k, v in os.environ.items() if k not in unset}
    result = subprocess.run(["make", "-n", "run", *arguments], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, check=True, env=env)  # fmt: skip
    return result.stdout


def test_make_run_loads_the_demo_beside_the_simulator():
    assert "manage.py load_demo" in make_run_commands()


def test_make_run_against_a_real_ocp_creates_no_demo_logins():
    assert "load_demo" not in make_run_commands(OCP_URL="http://ocp.example.com:8080")


def test_make_run_against_a_real_ocp_says_how_to_create_the_first_admin():
    commands = make_run_commands(OCP_URL="http://ocp.example.com:8080")
    assert ("manage.py createsuperuser" in commands, "manage.py catalog_import" in commands) == (True, True)


def test_demo_logins_against_a_real_ocp_only_when_asked_for():
    assert "manage.py load_demo" in make_run_commands(
        OCP_URL="http://ocp.example.com:8080", OCPDASH_DEMO_USERS=1
    )


def test_make_run_empties_the_metrics_folder_first():
    commands = make_run_commands()
    assert commands.index("manage.py clear_metrics") < commands.index("honcho start")
