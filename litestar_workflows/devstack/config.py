"""Configuration of the dev stack: ports, directories, timeouts, and the throwaway signing key."""

from __future__ import annotations

import errno
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from litestar_workflows.settings import Settings

__all__ = [
    "DEFAULT_DEFINITIONS",
    "DEMO",
    "HOST",
    "DevStackConfig",
    "DevStackError",
    "PortInUseError",
    "PortSpec",
    "check_ports",
    "dev_codec_keys",
    "dev_jwt_secret",
]

HOST = "127.0.0.1"
"""The dev stack listens on the loopback interface only (dev tokens require it)."""

DEMO = "examples.expense_approval:main"
"""The coroutine function ``litestar-workflows demo`` runs (the expense example, in-process)."""

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
        worker_metrics_port: Port of the worker's Prometheus metrics.
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
    worker_metrics_port: int = 9464
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
        worker_metrics_port: int | None = None,
    ) -> DevStackConfig:
        """Resolve the configuration: flags win over environment variables, which win over defaults."""
        # Without the pydantic mypy plugin mypy cannot see that every field has a default.
        settings = settings or Settings()  # type: ignore[call-arg]
        definitions = settings.definitions if "definitions" in settings.model_fields_set else DEFAULT_DEFINITIONS
        return cls(
            temporal_port=temporal_port or settings.dev_temporal_port,
            ui_port=ui_port or settings.dev_temporal_ui_port,
            gateway_port=gateway_port or settings.port,
            worker_metrics_port=worker_metrics_port or settings.dev_worker_metrics_port,
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
            PortSpec(
                self.worker_metrics_port,
                "worker metrics (Prometheus)",
                "DEV_WORKER_METRICS_PORT",
                "--worker-metrics-port",
            ),
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


def dev_codec_keys(config: DevStackConfig) -> str:
    """The payload encryption key of this data directory (``WORKFLOWS_CODEC_KEYS`` form), created on
    first use (mode 0600) and kept so that the histories in its database stay readable."""
    from litestar_workflows.temporal.codec import generate_key, parse_keys

    path = config.data_dir / "dev-codec-keys"
    config.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        keys = path.read_text().strip()
        try:
            if parse_keys(keys):
                return keys
        except ValueError:
            pass
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    keys = generate_key("dev-1")
    with os.fdopen(fd, "w") as f:
        f.write(keys + "\n")
    return keys
