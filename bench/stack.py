"""The real stack for the benchmarks: Redis, the simulator, gunicorn, Celery worker(s) and beat.

Everything lives under var/bench/ (database, sockets, one log per process), on ports 8110 (web)
and 8710 (simulator), so `make run` (8000/8700) and the dev database are never touched.
Every process is started in its own session and killed by process group at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("BENCH_VAR") or ROOT / "var" / "bench")  # bench.views runs its own
WEB_PORT, SIM_PORT = 8110, 8710
WEB = f"http://127.0.0.1:{WEB_PORT}"
SIM = f"http://127.0.0.1:{SIM_PORT}"
GUNICORN_ARGS = ["--workers", "3", "--threads", "2"]  # as in the Procfile
WORKER_CONCURRENCY = 4  # as in the Procfile


def environment() -> dict[str, str]:
    """Shipped defaults for every interval; only locations and the bare-view URLconf differ."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(("OCPDASH_", "OCP_")) or key in ("DATABASE_URL", "REDIS_URL"):
            env.pop(key)
    env.update(
        OCPDASH_VAR_DIR=str(VAR),
        DJANGO_SETTINGS_MODULE="bench.settings",
        REDIS_URL=f"redis+socket://{VAR / 'redis.sock'}",
        OCP_URL=SIM,
        OCP_USERNAME="admin",
        OCP_PASSWORD="aaAA11__",
        OCPDASH_SYNC_ON_WORKER_START="0",
        OCPDASH_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


class Stack:
    def __init__(self) -> None:
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = environment()

    # --- processes ---------------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str], ready=None, timeout: float = 60) -> subprocess.Popen:
        log = open(VAR / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        deadline = time.monotonic() + timeout
        while ready is not None and not ready():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start; see {VAR / (name + '.log')}")
            time.sleep(0.1)
        return process

    def _log_has(self, name: str, text: str):
        return lambda: text in (VAR / f"{name}.log").read_text(errors="replace")

    def start_redis(self) -> None:
        from ocpdash.devtools.redis import command

        self.spawn("redis", command(VAR / "redis.sock"), ready=lambda: (VAR / "redis.sock").exists())

    def start_simulator(self) -> None:
        # OCP's own scheduled tasks off: the figures stay comparable with earlier runs.
        argv = [sys.executable, "-m", "ocpdash.simulator", "--host", "127.0.0.1", "--port", str(SIM_PORT),
                "--background-tasks", "off"]  # fmt: skip
        self.spawn("simulator", argv, ready=lambda: _answers(SIM + "/api/v2/time"))

    def start_web(self) -> None:
        argv = [sys.executable, "-m", "gunicorn", "ocpdash.wsgi", "--bind", f"127.0.0.1:{WEB_PORT}"]
        self.spawn("web", argv + GUNICORN_ARGS, ready=lambda: _answers(WEB + "/login/"))

    def start_worker(self, name: str = "worker1") -> subprocess.Popen:
        argv = [sys.executable, "-m", "celery", "-A", "ocpdash", "worker", "--loglevel", "WARNING",
                "--concurrency", str(WORKER_CONCURRENCY), "--hostname", f"{name}@%h",
                "--without-mingle", "--without-gossip"]  # fmt: skip
        return self.spawn(name, argv, ready=self._worker_ready(name))

    def _worker_ready(self, name: str):
        # With --loglevel WARNING "ready." is not logged; ask the worker over the broker instead.
        def ready() -> bool:
            from ocpdash.celery import app

            try:
                return bool(app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5))
            except Exception:
                return False

        return ready

    def start_beat(self) -> None:
        argv = [sys.executable, "-m", "celery", "-A", "ocpdash", "beat", "--loglevel", "INFO",
                "--schedule", str(VAR / "celerybeat-schedule")]  # fmt: skip
        self.spawn("beat", argv, ready=self._log_has("beat", "beat: Starting"))

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)

    def pids(self, name: str) -> list[int]:
        """The process and its children (a worker's pool)."""
        import psutil

        process = self.processes[name]
        try:
            parent = psutil.Process(process.pid)
            return [parent.pid, *(c.pid for c in parent.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


# Commands the bench needs beyond the venv; each comes in the Debian package of the same name.
DEBIAN_TOOLS = ("wrk", "chromium")


def ensure_debian_tools() -> None:
    """Install what is missing with apt-get (as the bench's README line promises), before anything
    starts, so a missing browser does not abort a run minutes in."""
    missing = [tool for tool in DEBIAN_TOOLS if not shutil.which(tool)]
    if not missing:
        return
    print(f"[bench] installing {', '.join(missing)} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, capture_output=True, env=env)


def fresh_var() -> None:
    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)


def setup_django() -> None:
    """This process uses the same settings (and so the same database) as the stack it starts."""
    os.environ.update(environment())
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    import django

    django.setup()


def prepare_database() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    call_command("ensure_site", verbosity=0)


def offline_database(folder: str) -> None:
    """For a figure measured alone in this process (python -m bench.eta, bench.evidence): a fresh
    SQLite database under var/FOLDER with the demo data and an OCP site nothing answers, none of the
    environment's OCP or database settings, and Django set up."""
    var = ROOT / "var" / folder
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    for key in [k for k in os.environ if k.startswith(("OCPDASH_", "OCP_")) or k == "DATABASE_URL"]:
        os.environ.pop(key)
    os.environ.update(OCPDASH_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="ocpdash.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from ocpdash.sites.models import OcpSite

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    OcpSite.objects.create(name="bench", base_url="http://127.0.0.1:9", from_environment=True)
