"""Fixtures of the gateway tests: settings with a known secret, tokens, clients over create_app."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from examples.expense_approval import registry as expense_registry
from litestar_workflows import BaseMachineStep, Edge, LocalExecutionEngine, WorkflowContext, WorkflowDefinition
from litestar_workflows.registry import WorkflowRegistry
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


class SlowStep(BaseMachineStep):
    """Takes ``delay`` seconds (from the instance data)."""

    name = "slow"

    async def execute(self, context: WorkflowContext) -> None:
        """Sleep, then mark the data."""
        await asyncio.sleep(float(context.get("delay", 0.5)))
        context.set("slept", True)


def slow_registry() -> WorkflowRegistry:
    """The expense example plus a definition whose only step is slow."""
    reg = WorkflowRegistry()
    for definition in expense_registry.list_definitions():
        reg.register_definition(definition)
    reg.register_definition(
        WorkflowDefinition(
            name="slow",
            version="1.0.0",
            steps={"slow": SlowStep(), "done": _Done()},
            edges=[Edge("slow", "done")],
            initial_step="slow",
            terminal_steps={"done"},
        )
    )
    return reg


class _Done(BaseMachineStep):
    name = "done"

    async def execute(self, context: WorkflowContext) -> None:
        context.set("done", True)


@pytest.fixture
def engine() -> LocalExecutionEngine:
    """A fresh in-process engine over the expense example."""
    return LocalExecutionEngine(expense_registry)


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
