"""HTTP load with wrk (installed by bench.stack.ensure_debian_tools), and a logged-in session cookie."""

from __future__ import annotations

import re
import subprocess

from bench.stack import WEB


def session_cookie(username: str = "viewer") -> str:
    """A real session in the bench database, as a login would create it."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def wrk(path: str, cookie: str, seconds: float = 5, connections: int = 8) -> dict:
    """Requests per second of one wrk run (1 thread, ``connections`` connections)."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "-H", f"Cookie: sessionid={cookie}",
            "--latency", WEB + path]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "non2xx": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1) if errors else "",
    }
