"""One supervised child process: its own session, output prefixed and logged, stopped by signal with a grace period."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TextIO

from litestar_workflows.devstack.config import DevStackError

__all__ = ["ManagedProcess"]


_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Resolved once here: a preexec function must not import or load anything after fork().
_PRCTL = _load_prctl()


def _die_with_parent_hook(parent_pid: int) -> Callable[[], None] | None:
    prctl = _PRCTL
    if prctl is None:
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
        if os.getppid() != parent_pid:
            # The supervisor died between fork() and prctl(): the signal will never come.
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


class ManagedProcess:
    """A child process in its own process group, with its output prefixed to the console and logged.

    Args:
        name: Short name used as the output prefix.
        argv: Command line.
        env: Complete environment of the child.
        log_path: File the output is appended to.
        console: Where prefixed output lines go (``None`` for none).
        color: ANSI color code of the prefix, or ``None``.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        log_path: Path,
        console: TextIO | None = None,
        color: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = log_path
        self.console = console
        prefix = f"{name:>8} | "
        self._prefix = f"\x1b[{color}m{prefix}\x1b[0m" if color else prefix
        self._tail: deque[str] = deque(maxlen=30)
        self._process: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._log: IO[bytes] | None = None
        # Shutdown chatter (e.g. the dev server's connection warnings) goes to the log file only.
        self._echo = True

    @property
    def pid(self) -> int | None:
        """Pid of the child (also its process group id), once started."""
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        """Exit status once the child has exited (negative: killed by that signal)."""
        return self._process.returncode if self._process else None

    def tail(self) -> str:
        """The last lines of the child's output."""
        return "\n".join(self._tail)

    async def start(self) -> None:
        """Start the child in a new session."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(self.argv)}\n".encode())
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(os.getpid()),
            )
        except OSError as exc:
            self._log.close()
            raise DevStackError(f"cannot start the {self.name} ({self.argv[0]}): {exc}") from exc
        self._pump = asyncio.create_task(self._pump_output(), name=f"{self.name}-output")

    async def _pump_output(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        stream = self._process.stdout
        pending = b""
        while True:
            # Chunks, not readline(): a very long line must not break the pump.
            chunk = await stream.read(65536)
            if not chunk:
                break
            if self._log is not None:
                self._log.write(chunk)
                self._log.flush()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._emit(line)
        if pending:
            self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        self._tail.append(line)
        if self.console is not None and self._echo:
            try:
                self.console.write(f"{self._prefix}{line}\n")
                self.console.flush()
            except (OSError, ValueError):
                # The console went away (closed pipe): keep draining the child into its log file.
                self.console = None

    async def wait(self) -> int:
        """Wait until the child exits; return its exit status."""
        assert self._process is not None
        return await self._process.wait()

    def signal_group(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the child's process group (ignored once it is gone)."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the child's process group now."""
        if self._process is not None and self._process.returncode is None:
            self.signal_group(signal.SIGKILL)

    async def stop(self, grace: float) -> int | None:
        """SIGTERM the process group, SIGKILL it after ``grace`` seconds; return the exit status."""
        if self._process is None:
            return None
        if self._process.returncode is None:
            self._echo = False
            self.signal_group(signal.SIGTERM)
            try:
                await asyncio.wait_for(self._process.wait(), grace)
            except TimeoutError:
                self._write_console(f"did not exit within {grace:g}s of SIGTERM; killing it")
                self.signal_group(signal.SIGKILL)
                await self._process.wait()
        # Anything the child left behind in its group goes with it.
        self.signal_group(signal.SIGKILL)
        await self._finish_output()
        return self._process.returncode

    async def _finish_output(self) -> None:
        if self._pump is not None:
            try:
                await asyncio.wait_for(self._pump, 5)
            except (TimeoutError, asyncio.CancelledError):
                self._pump.cancel()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _write_console(self, message: str) -> None:
        if self.console is not None:
            self.console.write(f"{self._prefix}[dev stack] {message}\n")
            self.console.flush()
