"""The completion signal (docs/security.md): it bypasses the gateway, so it can be turned off per
instance (``completion_signals``), and its ``rejected`` list stays bounded. And a visibility query
Temporal refuses is the caller's 400, never a 503."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import InvalidQueryError
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import TEMPORAL_TASK_QUEUE


async def until(check: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(15):
        for _ in range(1000):
            if await check():
                return
            await asyncio.sleep(0.1)


async def test_signals_can_be_turned_off_and_rejections_are_bounded(
    temporal_client: Client, temporal_registry: WorkflowRegistry, temporal_worker: Worker
) -> None:
    off = TemporalExecutionEngine(temporal_registry, temporal_client, TEMPORAL_TASK_QUEUE, completion_signals=False)
    instance = await off.start_workflow("expense_approval", {"amount": 10}, user_id="alice")
    await off.signal_human_task(instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"])

    async def rejected_once() -> bool:
        return len((await off.get_instance(instance.id)).rejected) == 1

    await until(rejected_once)
    state = await off.get_instance(instance.id)
    assert state.status == WorkflowStatus.WAITING
    assert "turned off" in state.rejected[0].reason

    on = TemporalExecutionEngine(temporal_registry, temporal_client, TEMPORAL_TASK_QUEUE)
    other = await on.start_workflow("expense_approval", {"amount": 10}, user_id="alice")
    for _ in range(25):  # anyone who can signal could otherwise grow the state without bound
        await on.signal_human_task(other.id, "manager_approval", "mallory", {"approved": True})

    async def all_seen() -> bool:
        rejected = (await on.get_instance(other.id)).rejected
        return len(rejected) == 20 and all("not found" in r.reason for r in rejected)

    await until(all_seen)
    await on.signal_human_task(other.id, "manager_approval", "bob", {"approved": True}, groups=["managers"])

    async def completed() -> bool:
        return (await on.get_instance(other.id)).status == WorkflowStatus.COMPLETED

    await until(completed)


async def test_a_query_temporal_refuses_is_a_client_error_not_unavailable(
    temporal_client: Client, temporal_registry: WorkflowRegistry
) -> None:
    engine = TemporalExecutionEngine(temporal_registry, temporal_client, TEMPORAL_TASK_QUEUE)
    # What the SQLite visibility of the dev server answers INVALID_ARGUMENT to (a quote left open).
    with pytest.raises(InvalidQueryError, match="Temporal rejected the listing query"):
        await engine._list("Participants IN ('user:a", 10, None)
