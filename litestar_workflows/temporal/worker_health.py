"""Liveness and readiness of the worker process over HTTP, for compose and Kubernetes probes.

``WORKER_HEALTH_BIND=0.0.0.0:8081`` makes ``python worker.py`` answer:

* ``GET /health`` — 200 while the process's event loop answers (a blocked loop also stalls
  workflow tasks, so a probe that times out here is the right signal to restart it).
* ``GET /ready`` — 200 once the worker polls its task queue and Temporal answers a health check
  (within 2 s), 503 with the reason otherwise.

The server is deliberately tiny (asyncio streams, one request per connection, the request line
and headers bounded to 8 KiB and 5 s): the worker needs no web framework.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from types import TracebackType

from temporalio.client import Client

__all__ = ["HealthServer", "parse_bind", "worker_health"]

log = logging.getLogger("litestar_workflows.worker")

_LIMIT = 8192
_READ_TIMEOUT = 5.0


def parse_bind(bind: str) -> tuple[str, int]:
    """``(host, port)`` of ``host:port``.

    Raises:
        ValueError: Not ``host:port`` with a port in 0-65535.
    """
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"WORKER_HEALTH_BIND must be host:port, got {bind!r}")
    return host.strip("[]"), int(port)


class HealthServer:
    """Serves ``/health`` and ``/ready`` while entered (``async with``).

    Args:
        bind: ``host:port`` to listen on (port 0: any free port, see :attr:`port`).
        ready: Returns ``None`` when ready, else the reason it is not.
    """

    def __init__(self, bind: str, ready: Callable[[], Awaitable[str | None]]) -> None:
        self.host, self.port = parse_bind(bind)
        self._ready = ready
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> HealthServer:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, limit=_LIMIT)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("worker health at http://%s:%d/health and /ready", self.host, self.port)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        method = "GET"
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
            method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method not in ("GET", "HEAD"):
                status, body = 405, {"status": "error", "detail": "only GET"}
            elif path == "/health":
                status, body = 200, {"status": "ok"}
            elif path == "/ready":
                reason = await self._ready()
                status, body = (
                    (200, {"status": "ready"}) if reason is None else (503, {"status": "not ready", "detail": reason})
                )
            else:
                status, body = 404, {"status": "error", "detail": "GET /health or /ready"}
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, UnicodeDecodeError, ValueError):
            status, body = 400, {"status": "error", "detail": "malformed request"}
        payload = json.dumps(body).encode()
        reason_phrase = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(
            status, "Service Unavailable"
        )
        writer.write(
            f"HTTP/1.1 {status} {reason_phrase}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + (payload if method != "HEAD" else b"")
        )
        try:
            await writer.drain()
        finally:
            writer.close()


def worker_health(bind: str | None, client: Client) -> AbstractAsyncContextManager[object]:
    """The health server of ``WORKER_HEALTH_BIND`` for a running worker (nothing when unset).

    Enter it inside the worker's ``async with``: ``/ready`` then means the worker polls, and
    it checks that ``client``'s Temporal answers.
    """
    if not bind:
        return contextlib.nullcontext()

    async def ready() -> str | None:
        try:
            await client.service_client.check_health(timeout=timedelta(seconds=2))
        except Exception as exc:  # any failure means "not ready"; the reason is shown
            return f"Temporal does not answer: {exc}"
        return None

    return HealthServer(bind, ready)
