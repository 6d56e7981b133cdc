"""A stand-in child process for supervisor tests: becomes ready, records signals, misbehaves on request.

Usage: ``python fake_service.py NAME WORKDIR [--ignore-term] [--crash-after S] [--exit-early]
[--grandchild] [--never-ready]``. Readiness is the file ``WORKDIR/NAME.ready``; every event is
appended to ``WORKDIR/events`` as ``NAME <event>``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--ignore-term", action="store_true")
    parser.add_argument("--crash-after", type=float)
    parser.add_argument("--exit-early", action="store_true")
    parser.add_argument("--grandchild", action="store_true")
    parser.add_argument("--never-ready", action="store_true")
    args = parser.parse_args()
    events = args.workdir / "events"

    def record(event: str) -> None:
        with events.open("a") as f:
            f.write(f"{args.name} {event}\n")

    def on_term(signum: int, frame: FrameType | None) -> None:
        record(signal.Signals(signum).name)
        if not args.ignore_term:
            sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    record(f"started pid={os.getpid()} pgid={os.getpgid(0)}")
    print(f"{args.name} says hello", flush=True)
    if args.exit_early:
        print(f"{args.name} fails to start: boom", flush=True)
        sys.exit(3)
    if args.grandchild:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        (args.workdir / f"{args.name}.grandchild").write_text(str(child.pid))
    if not args.never_ready:
        (args.workdir / f"{args.name}.ready").write_text(str(os.getpid()))
    started = time.monotonic()
    while True:
        time.sleep(0.05)
        if args.crash_after is not None and time.monotonic() - started > args.crash_after:
            print(f"{args.name} crashes now", flush=True)
            os._exit(7)


if __name__ == "__main__":
    main()
