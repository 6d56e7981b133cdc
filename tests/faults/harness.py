"""Real processes for the fault-injection tests: a Temporal dev server on SQLite, worker
processes and a gateway process, each in its own process group so a test can SIGKILL it.

The command lines are the dev stack's own (``litestar_workflows.devstack.services``), so these tests
exercise the same entry points ``make run`` and docker compose use.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client

from litestar_workflows.devstack.config import DevStackConfig
from litestar_workflows.devstack.services import find_temporal_cli, gateway_command, temporal_command, worker_command

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = "tests.faults.flows:registry"
SECRET = "fault-injection-secret-0123456789abcdef0123456789"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token(user: str, *groups: str) -> str:
    """A bearer token the gateway under test accepts."""
    now = datetime.now(UTC)
    claims = {"sub": user, "groups": list(groups), "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode(claims, SECRET, algorithm="HS256")


@dataclass
class Proc:
    """A child process in its own session, its output in a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def signal(self, sig: signal.Signals) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole process group and reap it."""
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Cluster:
    """Dev server + workers + gateway as real processes, on free ports, data under ``root``."""

    root: Path
    task_queue: str = "faults"
    in_memory: bool = False
    """Keep Temporal's SQLite database in memory (benchmarks); the default is a file that
    survives a server restart."""
    config: DevStackConfig = field(init=False)
    server: Proc = field(init=False)
    workers: list[Proc] = field(default_factory=list)
    gateway: Proc | None = None
    _client: Client | None = None

    def __post_init__(self) -> None:
        self.config = DevStackConfig(
            temporal_port=free_port(),
            ui_port=free_port(),
            gateway_port=free_port(),
            data_dir=self.root,
            definitions=DEFINITIONS,
            task_queue=self.task_queue,
        )
        (self.root / "ledger").mkdir(parents=True, exist_ok=True)
        argv = temporal_command(self.config, find_temporal_cli())
        if self.in_memory:
            at = argv.index("--db-filename")
            del argv[at : at + 2]
        self.server = Proc("temporal", argv, dict(os.environ), self.log("temporal"))

    def log(self, name: str) -> Path:
        return self.root / f"{name}.log"

    @property
    def ledger(self) -> Path:
        return self.root / "ledger"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TEMPORAL_ADDRESS": self.config.temporal_address,
            "TEMPORAL_TASK_QUEUE": self.task_queue,
            "WORKFLOWS_DEFINITIONS": DEFINITIONS,
            "WORKFLOWS_JWT_SECRET": SECRET,
            "WORKFLOWS_SETTLE_TIMEOUT": "30",
            "PYTHONUNBUFFERED": "1",
        }

    async def start_server(self) -> None:
        self.server.start()
        await self.client(reconnect=True)

    async def client(self, *, reconnect: bool = False, wait: float = 60) -> Client:
        """A client of the dev server (waiting until it answers)."""
        if self._client is not None and not reconnect:
            return self._client
        deadline = time.monotonic() + wait
        while True:
            try:
                client = await Client.connect(self.config.temporal_address)
                await client.workflow_service.get_system_info(GetSystemInfoRequest())
                self._client = client
                return client
            except Exception:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Temporal did not come up; see {self.server.log}") from None
                await asyncio.sleep(0.2)

    def start_worker(self, *extra: str) -> Proc:
        name = f"worker{len(self.workers)}"
        proc = Proc(
            name,
            [*worker_command(self.config), "--graceful-shutdown-timeout", "1", "--log-level", "WARNING", *extra],
            self.env,
            self.log(name),
        )
        proc.start()
        self.workers.append(proc)
        return proc

    async def start_gateway(self) -> Proc:
        proc = Proc("gateway", gateway_command(self.config), self.env, self.log("gateway"))
        proc.start()
        self.gateway = proc
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.url) as http:
            while True:
                try:
                    if (await http.get("/health")).status_code == 200:
                        return proc
                except httpx.TransportError:
                    pass
                if not proc.alive or time.monotonic() > deadline:
                    raise RuntimeError(f"gateway did not come up: {self.log('gateway').read_text()[-2000:]}")
                await asyncio.sleep(0.1)

    @property
    def url(self) -> str:
        return self.config.gateway_url

    def stop(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        for worker in self.workers:
            worker.stop()
        self.server.stop(grace=10)
