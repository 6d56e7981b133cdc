"""Issue 10 on a real dev server: an instance cannot outgrow Temporal, user input cannot stall a
workflow task, one broken instance does not break listings, a cancel that lost a race says so."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.exceptions import (
    BudgetExceededError,
    FormValidationError,
    WorkflowAlreadyCompletedError,
)
from litestar_workflows.rules.budgets import HISTORY_WINDOW
from litestar_workflows.temporal.contracts import (
    QUERY_STATE,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    UPDATE_COMPLETE_HUMAN_TASK,
    WORKFLOW_TYPE,
    CompleteHumanTask,
)
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import StartWorker
from tests.temporal import reliability_defs
from tests.temporal.helpers import eventually, payload_sizes

EXPENSE = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}
ISSUE_COMMENT = "x" * 1_048_200  # the measured case: under the gateway's 1 MiB body limit, over 2 MiB as state


@pytest.fixture
async def engine(temporal_client: Client, start_temporal_worker: StartWorker) -> AsyncIterator[TemporalExecutionEngine]:
    """An engine over :mod:`tests.temporal.reliability_defs` on its own worker."""
    registry = reliability_defs.build_registry()
    async with start_temporal_worker(registry) as queue:
        yield TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20)


async def test_oversized_completion_is_refused_and_the_instance_still_completes(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", EXPENSE, user_id="alice")
    handle = temporal_client.get_workflow_handle(instance.id)
    before = len((await handle.fetch_history()).events)

    with pytest.raises(BudgetExceededError) as refused:
        await temporal_engine.complete_human_task(
            instance.id, "manager_approval", "bob", {"approved": True, "comments": ISSUE_COMMENT}, groups=["managers"]
        )
    assert refused.value.field == "/data" and refused.value.limit == 65536

    # The workflow's own validator refuses it too (a client that skips the engine's check).
    request = CompleteHumanTask("manager_approval", "bob", {"approved": True}, ["managers"], comment=ISSUE_COMMENT)
    with pytest.raises(WorkflowUpdateFailedError) as raw:
        await handle.execute_update(UPDATE_COMPLETE_HUMAN_TASK, request)
    assert isinstance(raw.value.cause, ApplicationError) and raw.value.cause.type == "BudgetExceededError"
    assert "/comment is 1048200 bytes, over the limit of 8192 bytes" in raw.value.cause.message
    assert len((await handle.fetch_history()).events) == before  # nothing written

    done = await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True, "comments": "fine"}, groups=["managers"]
    )
    assert done.status == WorkflowStatus.COMPLETED


async def test_document_review_survives_a_thousand_review_loops(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    """1,000 review/revise loops with 2,000-character fields and comments (245 wedged it before).
    Sent as signals (one batch per workflow task) so the test takes seconds, not minutes."""
    loops = 1000
    text = "r" * 1990
    data = {"title": "Handbook", "author_id": "ann", "reviewer_id": "rex", "category": "general"}
    instance = await temporal_engine.start_workflow("document_review", data, business_key=uuid.uuid4().hex)
    assert instance.pending_steps == ["review"]
    started = time.perf_counter()
    for i in range(loops):
        marker = f"{i:04d}:"
        await temporal_engine.signal_human_task(
            instance.id, "review", "rex", {"decision": "request_changes", "comments": marker + text}, comment=text
        )
        await temporal_engine.signal_human_task(instance.id, "revise", "ann", {"changes": marker + text}, comment=text)
    sent = time.perf_counter() - started
    final = await eventually(
        lambda: temporal_engine.get_instance(instance.id),
        lambda i: (
            str(i.context.data.get("changes", "")).startswith(f"{loops - 1:04d}:") and i.pending_steps == ["review"]
        ),
        within=120,
    )
    assert final.rejected == []
    final_changes = final.context.get("changes")
    assert len(final.context.step_history) <= HISTORY_WINDOW
    raw_state = await temporal_client.get_workflow_handle(instance.id).query(QUERY_STATE)
    state_bytes = len(json.dumps(raw_state, separators=(",", ":")))
    assert state_bytes < 512 * 1024  # far below the 2 MiB payload limit, however long it loops
    done = await temporal_engine.complete_human_task(instance.id, "review", "rex", {"decision": "approve"})
    assert done.status == WorkflowStatus.COMPLETED, done.error
    # The whole view, though the update returned a summary (the engine queried the state).
    assert done.context.step_history[-1].step_name == "publish" and done.context.get("changes") == final_changes
    # The update result is a summary (238,613 bytes of state before); a machine step gets the
    # whole context (215,796 bytes measured, far below the 2 MiB limit).
    sizes = await payload_sizes(temporal_client, instance.id)
    assert sizes["update"][-1] < 2048 and sizes["litestar_workflows.run_step"][-1] < 512 * 1024, sizes
    runs = 0
    async for _ in temporal_client.list_workflows(f"WorkflowId = '{instance.id}'"):
        runs += 1
    took = time.perf_counter() - started
    print(f"{loops} loops in {took:.1f}s (signals {sent:.1f}s), {runs} runs, state {state_bytes} B")


async def test_step_output_over_budget_fails_the_step_clearly(engine: TemporalExecutionEngine) -> None:
    instance = await engine.start_workflow("bloated")
    assert instance.status == WorkflowStatus.FAILED
    assert instance.failed_step == "bloat"
    assert instance.error is not None and "over the step output limit of 262144 bytes" in instance.error


async def test_redos_pattern_answers_at_once(engine: TemporalExecutionEngine) -> None:
    instance = await engine.start_workflow("patterned")
    started = time.perf_counter()
    with pytest.raises(FormValidationError, match="does not match"):
        await engine.complete_human_task(instance.id, "named", "u", {"name": "a" * 26 + "!"})
    assert time.perf_counter() - started < 2
    done = await engine.complete_human_task(instance.id, "named", "u", {"name": "two words"})
    assert done.status == WorkflowStatus.COMPLETED


async def test_expensive_condition_is_bounded(engine: TemporalExecutionEngine) -> None:
    started = time.perf_counter()
    instance = await engine.start_workflow("expensive_condition")
    assert time.perf_counter() - started < 5
    assert instance.status == WorkflowStatus.FAILED
    assert instance.error is not None and "more than 4096 bits" in instance.error


async def test_a_broken_instance_leaves_listings_and_the_inbox_answering(
    engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    healthy = await engine.start_workflow("patterned")
    broken_id = f"broken-{uuid.uuid4().hex[:8]}"
    # An interpreter run whose input cannot be decoded: its workflow task fails on every attempt.
    await temporal_client.start_workflow(
        WORKFLOW_TYPE,
        {"graph": "not a graph"},
        id=broken_id,
        task_queue=engine.task_queue,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(SA_DEFINITION_NAME, "patterned"),
                SearchAttributePair(SA_DEFINITION_VERSION, "1.0.0"),
                SearchAttributePair(SA_INSTANCE_STATUS, "waiting"),
                SearchAttributePair(SA_PENDING_STEPS, ["named"]),
                SearchAttributePair(SA_WAITING_ON, ["anyone"]),
            ]
        ),
    )

    async def listed() -> dict[str, Any]:
        return {i.id: i for i in (await engine.list_instances()).items}

    rows = await eventually(listed, lambda found: healthy.id in found and broken_id in found, within=15)
    assert rows[healthy.id].status == WorkflowStatus.WAITING
    # A row from visibility alone (no query): the broken run is listed like any other.
    assert rows[broken_id].status == WorkflowStatus.WAITING and rows[broken_id].pending_steps == ["named"]
    page = await engine.list_instances(limit=1)
    if page.next_cursor is not None:
        await engine.list_instances(limit=1, cursor=page.next_cursor)  # paging past it works
    tasks = await eventually(
        lambda: engine.list_pending_tasks(), lambda p: any(t.instance_id == healthy.id for t in p.items)
    )
    assert all(t.instance_id in (healthy.id, broken_id) for t in tasks.items)
    await temporal_client.get_workflow_handle(broken_id).terminate("test over")


async def test_a_cancel_that_lost_the_race_answers_instance_finished(temporal_engine: TemporalExecutionEngine) -> None:
    outcomes: list[str] = []
    for _ in range(6):
        instance = await temporal_engine.start_workflow("expense_approval", EXPENSE, user_id="alice")
        completion = temporal_engine.complete_human_task(
            instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
        )
        done, canceled = await asyncio.gather(
            completion, temporal_engine.cancel_workflow(instance.id, "race"), return_exceptions=True
        )
        if isinstance(canceled, WorkflowAlreadyCompletedError):
            assert not isinstance(done, BaseException) and done.status == WorkflowStatus.COMPLETED
            outcomes.append("completion won")
        else:
            assert not isinstance(canceled, BaseException), canceled
            assert canceled.status == WorkflowStatus.CANCELED
            outcomes.append("cancel won")
    assert outcomes  # either may win; the loser never reports the winner's outcome as its own
