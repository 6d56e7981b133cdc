"""Issue 10, slim payloads: an update returns the whole state only while it is small, else a
summary (and the engine reads the state with a query); the guard and conditions activities get
no step history; the worst-case input of a machine step stays under Temporal's payload limit."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.converter import value_to_type

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.exceptions import SettleTimeoutError
from litestar_workflows.rules.budgets import HISTORY_DATA_BYTES, HISTORY_RESULT_BYTES, HISTORY_WINDOW, SizeBudgets
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.temporal.contracts import (
    DATA_CONVERTER,
    UPDATE_RESULT_INLINE_BYTES,
    SettledInstance,
    StepTask,
    decode_update_result,
    update_result,
)
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.temporal.helpers import payload_sizes

PAYLOAD_LIMIT = 2 * 1024 * 1024  # Temporal's default blob size limit (limit.blobSize.error)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def encoded(value: Any) -> int:
    """Bytes of ``value`` as the workers and clients encode it."""
    return len(DATA_CONVERTER.payload_converter.to_payloads([value])[0].data)


def big_state(data_bytes: int) -> InstanceState:
    task = PendingTask("i", "w", "1", "review", "Review", "", {"type": "object"}, None, ("g",), NOW)
    return InstanceState("i", "w", "1", NOW, WorkflowStatus.WAITING, {"text": "x" * data_bytes}, pending=[task])


def test_small_state_is_returned_whole_a_large_one_as_a_summary() -> None:
    small = big_state(100)
    assert update_result(small, encoded(small)) is small
    large = big_state(UPDATE_RESULT_INLINE_BYTES)
    summary = update_result(large, encoded(large))
    assert isinstance(summary, SettledInstance)
    assert summary.status == WorkflowStatus.WAITING and summary.pending == large.pending and summary.revision
    assert encoded(summary) < 1024


def test_results_decode_from_old_and_new_workers() -> None:
    state, summary = big_state(10), update_result(big_state(40_000), 40_200)
    raw_state = json.loads(DATA_CONVERTER.payload_converter.to_payloads([state])[0].data)
    raw_summary = json.loads(DATA_CONVERTER.payload_converter.to_payloads([summary])[0].data)
    assert decode_update_result(raw_state) == state  # a small state, or any result of an older worker
    assert decode_update_result(raw_summary) == summary
    # An engine from before the summary decodes it as a state: status and tasks right, no data.
    old_view = value_to_type(InstanceState, raw_summary)  # temporalio's own decoding, as result_type
    assert isinstance(old_view, InstanceState) and old_view.status == WorkflowStatus.WAITING
    assert old_view.pending == state.pending and old_view.data == {}


def test_worst_case_machine_step_input_is_under_the_payload_limit() -> None:
    """``run_step`` keeps the whole published context: data at its budget plus a history window
    of records at their bounds (result, decision data, comment, an error cut to 4,000 characters).
    Measured: 1,310,140 bytes, 62 % of the limit."""
    budgets = SizeBudgets()
    record = StepExecution(
        step_name="review",
        status=StepStatus.SUCCEEDED,
        started_at=NOW,
        completed_at=NOW,
        result={"r": "x" * (HISTORY_RESULT_BYTES - 10)},
        error="e" * 4096,
        completed_by="u" * 200,
        data={"d": "x" * (HISTORY_DATA_BYTES - 10)},
        comment="c" * budgets.comment_bytes,
        completed_by_groups=["g" * 100] * 20,
    )
    state = InstanceState("i", "w", "1", NOW, data={"d": "x" * (budgets.instance_data_bytes - 10)})
    state.history = [dataclasses.replace(record) for _ in range(HISTORY_WINDOW)]
    task = StepTask("w", "1", "f" * 64, "step", state.context("step"), NOW, budgets.step_output_bytes)
    size = encoded(task)
    print(f"worst-case run_step input: {size} bytes")
    assert size < 0.65 * PAYLOAD_LIMIT
    guard = dataclasses.replace(task, context=dataclasses.replace(task.context, step_history=[]))
    assert encoded(guard) < budgets.instance_data_bytes + 2048


async def test_a_large_state_comes_back_whole_through_the_engine(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    attachment = "a" * (UPDATE_RESULT_INLINE_BYTES + 1000)
    request = {"requester_id": "alice", "amount": 250.0, "description": "Offsite", "attachment": attachment}
    instance = await temporal_engine.start_workflow("expense_approval", request, user_id="alice")
    assert instance.status == WorkflowStatus.WAITING and instance.context.get("attachment") == attachment
    assert [h.step_name for h in instance.context.step_history] == ["submit_request", "manager_approval"]
    paused = await temporal_engine.pause_workflow(instance.id)
    assert paused.context.get("attachment") == attachment
    await temporal_engine.resume_workflow(instance.id)
    done = await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert done.status == WorkflowStatus.COMPLETED and done.context.get("attachment") == attachment
    assert [h.step_name for h in done.context.step_history][-1] == "process_result"
    # Four updates (settle on start, pause, resume, completion), none writing the state again.
    sizes = (await payload_sizes(temporal_client, instance.id))["update"]
    assert len(sizes) == 4 and max(sizes) < 2048, sizes


async def test_an_applied_update_whose_state_cannot_be_read_says_accepted(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    request = {"requester_id": "alice", "amount": 250.0, "attachment": "a" * (UPDATE_RESULT_INLINE_BYTES + 1000)}
    instance = await temporal_engine.start_workflow("expense_approval", request)
    impatient = TemporalExecutionEngine(
        temporal_engine.registry, temporal_client, temporal_engine.task_queue, query_timeout=0.000_001
    )
    with pytest.raises(SettleTimeoutError):  # applied, but the query for the state timed out at once
        await impatient.complete_human_task(
            instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
        )
    assert (await temporal_engine.get_instance(instance.id)).status == WorkflowStatus.COMPLETED
