"""Shared helpers of the dev stack tests: free ports, process liveness, a line reader for a child's output."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (chosen by the kernel, so parallel suites do not clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it holds or fail with ``what``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


class OutputReader:
    """Collects a child's stdout lines on a thread so the child never blocks on a full pipe."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, needle: str, timeout: float) -> str:
        """Wait for a line containing ``needle``; return it."""
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if needle in line:
                return line
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line containing {needle!r} within {timeout}s; output:\n{self.text()}")
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is None:
                raise AssertionError(f"output ended without {needle!r}; output:\n{self.text()}")
            self.lines.append(item)
            if needle in item:
                return item

    def drain(self, timeout: float = 5.0) -> None:
        """Collect the remaining output until EOF."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is None:
                return
            self.lines.append(item)

    def text(self) -> str:
        """Every line read so far."""
        return "\n".join(self.lines)


def dev_env(tmp: Path, **extra: str) -> dict[str, str]:
    """An environment for a dev stack on free ports with its own data directory."""
    ports: set[int] = set()
    while len(ports) < 4:
        ports.add(free_port())
    temporal, ui, gateway, worker_metrics = sorted(ports)
    env = dict(os.environ)
    env.update(
        {
            "DEV_TEMPORAL_PORT": str(temporal),
            "DEV_TEMPORAL_UI_PORT": str(ui),
            "WORKFLOWS_PORT": str(gateway),
            "DEV_WORKER_METRICS_PORT": str(worker_metrics),
            "DEV_DATA_DIR": str(tmp / "data"),
            "NO_COLOR": "1",
        }
    )
    env.update(extra)
    return env
