"""``python -m ocpdash.simulator --host 127.0.0.1 --port 8700 [--seed N] [--step-seconds S] [...]``.

Every setting of ``config.SWITCHES`` is a flag here and an ``OCP_SIM_*`` variable; see README.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from ocpdash.simulator import config
from ocpdash.simulator.auth import Credentials
from ocpdash.simulator.server import make_server
from ocpdash.simulator.state import Simulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m ocpdash.simulator", description="OCP API simulator")
    parser.add_argument("--host", default=env("OCP_SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("OCP_SIM_PORT", "8700")))
    config.add_arguments(parser)
    parser.add_argument("--username", default=env("OCP_SIM_USERNAME", "admin"))
    parser.add_argument("--password", default=env("OCP_SIM_PASSWORD", "aaAA11__"))
    parser.add_argument("--access-key-id", default=env("OCP_SIM_ACCESS_KEY_ID", "ocpdash-ak"))
    parser.add_argument(
        "--access-key-secret", default=env("OCP_SIM_ACCESS_KEY_SECRET", "ocpdash-sk-0123456789abcdef")
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    creds = Credentials(
        basic={args.username: args.password, "viewer": "viewer"},
        access_keys={args.access_key_id: args.access_key_secret},
        ak_user=args.username,
    )
    sim = Simulator(config.settings_from_args(args), credentials=creds)
    server = make_server(args.host, args.port, sim)

    def stop(signum, frame) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"OCP simulator listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    print("OCP simulator stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
