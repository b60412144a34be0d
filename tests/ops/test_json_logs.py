"""OCPDASH_LOG_FORMAT=json: one JSON object per line from gunicorn, a Celery worker and beat (real
processes), with the upgrade, its site and cluster, and OCP's trace id where there is one."""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ocpdash.catalog.models import RpmPackage
from ocpdash.core.logs import ContextFilter, bound, json_formatter
from ocpdash.ocp.errors import OcpServerError
from ocpdash.sites.models import Cluster
from ocpdash.upgrades.models import State
from ocpdash.upgrades.submission import submit_upgrade
from tests.fixtures.services import wait_for
from tests.upgrades.test_engine import HAPPY_CLUSTER, HAPPY_PACKAGE

ROOT = Path(__file__).resolve().parents[2]


def json_lines(path: Path) -> list[dict]:
    """Every line of the file as JSON (raises on the first that is not)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_json_line_carries_the_bound_upgrade_and_ocps_trace_id():
    try:
        raise OcpServerError("OCP answered 500", status=500, trace_id="7f3a9c0e1b2d")
    except OcpServerError:
        record = logging.LogRecord(
            "ocpdash.test", logging.WARNING, __file__, 1, "poll %s", ("failed",), sys.exc_info()
        )
    with bound(upgrade_id=42, site="sim", cluster="orion"):
        ContextFilter().filter(record)
    line = json.loads(json_formatter().format(record))
    fields = {
        key: line.get(key)
        for key in ("level", "logger", "message", "upgrade_id", "site", "cluster", "trace_id")
    }
    expected = {"level": "WARNING", "logger": "ocpdash.test", "message": "poll failed", "upgrade_id": 42}
    assert fields == {**expected, "site": "sim", "cluster": "orion", "trace_id": "7f3a9c0e1b2d"}


def test_a_trace_id_is_found_in_the_cause_of_an_error():
    try:
        try:
            raise OcpServerError("OCP answered 500", status=500, trace_id="cafe01")
        except OcpServerError as exc:
            raise RuntimeError("operation failed") from exc
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    ContextFilter().filter(record)
    assert record.trace_id == "cafe01"


def test_plain_text_stays_the_default(settings):
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_and_django_lines_are_json(tmp_path):
    port, log = free_port(), tmp_path / "web.log"
    env = {**os.environ, "OCPDASH_LOG_FORMAT": "json", "OCPDASH_MANIFEST_STATIC": "0",
           "OCPDASH_DATABASE_PATH": str(tmp_path / "unused.sqlite3")}  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", "ocpdash.wsgi", "-c", "python:ocpdash.ops.gunicorn_conf",
               "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-"]  # fmt: skip
    with log.open("wb") as out:
        web = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), 30, "gunicorn to answer")
        requests.get(f"http://127.0.0.1:{port}/no-such-page", timeout=5)
        wait_for(lambda: "no-such-page" in log.read_text(), 10, "the access log line")
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(20)
    loggers = {line["logger"] for line in json_lines(log)}
    assert {"gunicorn.error", "gunicorn.access", "django.request"} <= loggers, loggers


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the application
        return False


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_lines_are_json_and_name_the_upgrade(engine, simulator, operator, tmp_path):
    env = {**engine.env(), "OCPDASH_LOG_FORMAT": "json"}
    logs = {name: tmp_path / f"json-{name}.log" for name in ("worker", "beat")}
    argv = {
        "worker": ["worker", "--loglevel", "INFO", "--concurrency", "1", "--hostname", "json@%h",
                   "--without-mingle", "--without-gossip"],
        "beat": ["beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule")],
    }  # fmt: skip
    processes = []
    try:
        for name, args in argv.items():
            with logs[name].open("wb") as out:
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "ocpdash", "--quiet", *args], cwd=ROOT, env=env,
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                ))  # fmt: skip
        wait_for(lambda: "ready." in logs["worker"].read_text(), 40, "the JSON worker to be ready")
        upgrade = submit_upgrade(operator, Cluster.objects.get(name=HAPPY_CLUSTER),
                                 RpmPackage.objects.get(file_name=HAPPY_PACKAGE))  # fmt: skip
        wait_for(lambda: _state(upgrade) == State.SUCCESSFUL, 90, "the upgrade to succeed")
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    worker, beat = json_lines(logs["worker"]), json_lines(logs["beat"])
    about = [line for line in worker if line.get("upgrade_id") == upgrade.pk]
    assert {(line["site"], line["cluster"]) for line in about} == {(engine.site.name, HAPPY_CLUSTER)}, worker
    assert any("Starting" in line["message"] for line in beat), beat


def _state(upgrade):
    upgrade.refresh_from_db()
    return upgrade.state
