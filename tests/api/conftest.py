"""Fixtures of the gateway tests: settings with a known secret, tokens, clients over create_app."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from examples.expense_approval import registry as expense_registry
from litestar_workflows import LocalExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.settings import Settings

SECRET = "tests-only-secret-0123456789abcdef0123456789"
USERS: dict[str, tuple[str, ...]] = {
    "alice": ("employees",),
    "bob": ("employees", "managers"),
    "bert": ("managers",),
    "carol": ("vps",),
    "dave": ("admins",),
    "mallory": (),
}

Headers = Callable[..., dict[str, str]]


def make_token(
    user: str,
    groups: Iterable[str] | None = None,
    *,
    secret: str = SECRET,
    algorithm: str = "HS256",
    ttl: timedelta = timedelta(minutes=30),
    **claims: Any,
) -> str:
    """A token for ``user`` (groups from :data:`USERS` unless given)."""
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": user,
        "groups": list(USERS.get(user, ()) if groups is None else groups),
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        **claims,
    }
    return jwt.encode(payload, secret, algorithm=algorithm)


def auth_headers(user: str, groups: Iterable[str] | None = None, **extra: str) -> dict[str, str]:
    """``Authorization`` header for ``user``, plus ``extra`` headers."""
    return {"Authorization": f"Bearer {make_token(user, groups)}", **extra}


def gateway_settings(**overrides: Any) -> Settings:
    """Settings with the test secret (environment variables still apply underneath)."""
    values: dict[str, Any] = {"jwt_secret": SECRET, "settle_timeout": 10.0, "dev_tokens": False, **overrides}
    return Settings(**values)


@pytest.fixture
def engine() -> LocalExecutionEngine:
    """A fresh in-process engine over the expense example (``admins`` may read and cancel anything)."""
    return LocalExecutionEngine(expense_registry, admin_groups=["admins"])


@pytest.fixture
async def client(engine: LocalExecutionEngine) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client of ``create_app`` over the in-process engine."""
    async with AsyncTestClient(create_app(gateway_settings(), engine)) as test_client:
        yield test_client


def assert_problem(response: Any, status: int, code: str, *, detail_contains: str = "") -> Mapping[str, Any]:
    """Check an RFC 9457 body and return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:litestar-workflows:problem:{code}", body
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == response.request.url.raw_path.decode().split("?")[0]
    assert detail_contains in body["detail"], body["detail"]
    return body


class LiveServer:
    """A real uvicorn server for an ASGI app, on a free loopback port, in a background thread.

    Its event loop is the thread's own, so the app must create its loop-bound resources (a
    Temporal client) in its lifespan, as ``create_app`` does without an engine.
    """

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", access_log=False)
        )
        self.thread = threading.Thread(target=self.server.run, name="live-gateway", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the gateway did not start")
            time.sleep(0.02)
        return self

    @property
    def url(self) -> str:
        """Base URL."""
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


class ThreadWorker:
    """A Temporal worker on its own thread and event loop, with its own client.

    Litestar's test clients run the app in a portal thread and block the test's event loop for
    the duration of each request, so a worker sharing the test's loop would stall; this one
    keeps polling whatever the test's loop is doing.
    """

    def __init__(self, address: str, registry: WorkflowRegistry, task_queue: str) -> None:
        self.address = address
        self.registry = registry
        self.task_queue = task_queue
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name=f"worker-{task_queue}", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the test thread by __enter__
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        from temporalio.client import Client

        from worker import build_worker

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        client = await Client.connect(self.address)
        worker = build_worker(client, self.registry, self.task_queue, graceful_shutdown_timeout=timedelta(seconds=1))
        async with worker:
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ThreadWorker:
        self._thread.start()
        if not self._ready.wait(60) or self._error is not None:
            raise RuntimeError(f"the worker did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


API_TASK_QUEUE = "tests-api-gateway"
"""Task queue of the gateway tests' own worker (not the shared one, which lives on the test loop)."""


@pytest.fixture(scope="session")
def api_worker(temporal_address: str) -> Iterator[str]:
    """A thread worker over every example on :data:`API_TASK_QUEUE`; yields the queue."""
    from examples import build_registry

    with ThreadWorker(temporal_address, build_registry(), API_TASK_QUEUE):
        yield API_TASK_QUEUE


def temporal_settings(address: str, task_queue: str = API_TASK_QUEUE, **overrides: Any) -> Settings:
    """Gateway settings for an app that opens its own Temporal client in its lifespan."""
    values: dict[str, Any] = {"definitions": "examples:registry", **overrides}
    return gateway_settings(temporal_address=address, task_queue=task_queue, **values)
