"""The seed's expense flow on Temporal: end to end, rejections, concurrency, idempotency, Web UI facts."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.exceptions import (
    FieldError,
    FormValidationError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    TaskNotFoundError,
    UnauthorizedTaskError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
    WorkflowNotFoundError,
)
from litestar_workflows.temporal.contracts import (
    SA_BUSINESS_KEY,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
)
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.temporal.helpers import attribute, current_details, describe, history_length

REQUEST = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}
LARGE = {"requester_id": "alice", "amount": 9000.0, "description": "Team offsite"}


async def test_small_expense_runs_end_to_end(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", REQUEST, user_id="alice")
    assert instance.status == WorkflowStatus.WAITING
    assert instance.current_step == "manager_approval"
    assert instance.context.get("submitted") is True
    assert instance.context.get("requires_vp_approval") is False
    [task] = instance.pending_tasks
    assert (task.title, task.candidate_groups, task.assignee) == ("Approve Expense Request", ("managers",), None)
    assert task.form_schema is not None and task.form_schema["required"] == ["approved"]

    result = await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True, "comments": "ok"}, groups=["managers"]
    )
    assert result is instance  # refreshed in place, as LocalExecutionEngine does
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.current_step is None
    assert instance.context.get("status") == "approved"
    steps = [(h.step_name, h.status) for h in instance.context.step_history]
    assert steps == [
        ("submit_request", StepStatus.SUCCEEDED),
        ("manager_approval", StepStatus.SUCCEEDED),
        ("process_result", StepStatus.SUCCEEDED),
    ]
    decision = instance.context.get_last_execution("manager_approval")
    assert decision is not None
    assert decision.completed_by == "bob"
    assert decision.data == {"approved": True, "comments": "ok"}

    again = await temporal_engine.get_instance(instance.id)
    assert again is instance and again.status == WorkflowStatus.COMPLETED


async def test_large_expense_needs_a_vp_and_rejection_is_recorded(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", LARGE)
    await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert (instance.status, instance.pending_steps) == (WorkflowStatus.WAITING, ["vp_approval"])
    await temporal_engine.complete_human_task(
        instance.id, "vp_approval", "carol", {"approved": False, "comments": "too much"}, groups=["vps"]
    )
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "rejected"


async def test_invalid_amount_fails_the_instance_naming_the_step(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", {"amount": -5})
    assert instance.status == WorkflowStatus.FAILED
    assert instance.failed_step == "submit_request"
    assert instance.error is not None and "ValueError: Amount must be positive" in instance.error
    assert "'submit_request'" in instance.error
    description = await describe(temporal_client, instance.id)
    assert description.status == WorkflowExecutionStatus.FAILED


async def test_form_rejection_writes_nothing_and_lists_every_field(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", REQUEST, user_id="alice")
    before = await history_length(temporal_client, instance.id)
    with pytest.raises(FormValidationError) as caught:
        await temporal_engine.complete_human_task(
            instance.id, "manager_approval", "bob", {"comments": 5, "extra": 1}, groups=["managers"]
        )
    assert set(caught.value.errors) == {
        FieldError("/approved", "'approved' is a required property"),
        FieldError("/extra", "'extra' is not an allowed property"),
        FieldError("/comments", "5 is not of type 'string'"),
    }
    assert caught.value.step_name == "manager_approval"
    with pytest.raises(FormValidationError):
        await temporal_engine.complete_human_task(instance.id, "manager_approval", "bob", [1, 2], groups=["managers"])  # type: ignore[arg-type]
    with pytest.raises(UnauthorizedTaskError) as denied:
        await temporal_engine.complete_human_task(instance.id, "manager_approval", "alice", {"approved": True})
    assert "members of 'managers'" in str(denied.value)
    assert denied.value.user_id == "alice"
    # mallory takes no part in the instance: the validator answers as if it did not exist.
    with pytest.raises(WorkflowInstanceNotFoundError):
        await temporal_engine.complete_human_task(instance.id, "manager_approval", "mallory", {"approved": True})
    with pytest.raises(StepNotWaitingError, match="waiting at 'manager_approval'"):
        await temporal_engine.complete_human_task(
            instance.id, "vp_approval", "bob", {"approved": True}, groups=["managers"]
        )
    with pytest.raises(StepNotWaitingError, match="machine step"):
        await temporal_engine.complete_human_task(instance.id, "submit_request", "bob", {}, groups=["managers"])
    with pytest.raises(TaskNotFoundError):
        await temporal_engine.complete_human_task(instance.id, "no_such_step", "bob", {}, groups=["managers"])
    assert await history_length(temporal_client, instance.id) == before
    state = await temporal_engine.get_instance(instance.id)
    assert state.status == WorkflowStatus.WAITING and state.rejected == []


async def test_unknown_instance(temporal_engine: TemporalExecutionEngine) -> None:
    with pytest.raises(WorkflowInstanceNotFoundError):
        await temporal_engine.get_instance("expense_approval/does-not-exist")
    with pytest.raises(WorkflowInstanceNotFoundError):
        await temporal_engine.complete_human_task("nope", "manager_approval", "bob", {"approved": True})
    with pytest.raises(WorkflowInstanceNotFoundError):
        await temporal_engine.cancel_workflow("nope")
    with pytest.raises(WorkflowNotFoundError):
        await temporal_engine.start_workflow("no_such_definition", {})


async def test_twenty_concurrent_completions_exactly_one_wins(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", LARGE)
    outcomes = await asyncio.gather(
        *(
            temporal_engine.complete_human_task(
                instance.id, "manager_approval", f"manager-{i}", {"approved": True}, groups=["managers"]
            )
            for i in range(20)
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all(isinstance(e, StepNotWaitingError) for e in losers), losers
    state = await temporal_engine.get_instance(instance.id)
    decisions = [h for h in state.context.step_history if h.step_name == "manager_approval"]
    assert len(decisions) == 1 and decisions[0].status == StepStatus.SUCCEEDED
    assert state.pending_steps == ["vp_approval"]


async def test_completed_step_and_finished_instance(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", LARGE)
    await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    with pytest.raises(TaskAlreadyCompletedError, match="already completed by 'bob'"):
        await temporal_engine.complete_human_task(
            instance.id, "manager_approval", "bert", {"approved": True}, groups=["managers"]
        )
    await temporal_engine.complete_human_task(instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"])
    with pytest.raises(WorkflowAlreadyCompletedError, match="already completed"):
        await temporal_engine.complete_human_task(
            instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"]
        )


async def test_idempotency_key_returns_the_first_result(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", LARGE)
    key = str(uuid.uuid4())
    first = await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"], idempotency_key=key
    )
    assert first.pending_steps == ["vp_approval"]
    repeat = await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"], idempotency_key=key
    )
    assert repeat.pending_steps == ["vp_approval"]
    assert len([h for h in repeat.context.step_history if h.step_name == "manager_approval"]) == 1

    # The last completion finishes the run; its repeat must still return the first outcome.
    last_key = str(uuid.uuid4())
    done = await temporal_engine.complete_human_task(
        instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"], idempotency_key=last_key
    )
    assert done.status == WorkflowStatus.COMPLETED
    again = await temporal_engine.complete_human_task(
        instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"], idempotency_key=last_key
    )
    assert again.status == WorkflowStatus.COMPLETED


async def test_business_key_names_one_instance(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    key = f"INV-{uuid.uuid4().hex[:8]}"
    first = await temporal_engine.start_workflow("expense_approval", REQUEST, business_key=key, user_id="alice")
    assert first.id == f"expense_approval/{key}"
    assert first.business_key == key
    second = await temporal_engine.start_workflow("expense_approval", dict(REQUEST), business_key=key)
    assert second is first
    with pytest.raises(WorkflowAlreadyExistsError, match="different data"):
        await temporal_engine.start_workflow("expense_approval", {**REQUEST, "amount": 1.0}, business_key=key)
    await temporal_engine.complete_human_task(
        first.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    # Finished: the same start returns the finished instance and starts nothing.
    third = await temporal_engine.start_workflow("expense_approval", REQUEST, business_key=key)
    assert third.status == WorkflowStatus.COMPLETED and third.id == first.id
    with pytest.raises(WorkflowAlreadyExistsError):
        await temporal_engine.start_workflow("expense_approval", {"amount": 3}, business_key=key)
    runs = [w async for w in temporal_client.list_workflows(f"WorkflowId = '{first.id}'")]
    assert len(runs) <= 1  # visibility may lag, but there is never a second run


async def test_web_ui_facts_follow_the_state(temporal_engine: TemporalExecutionEngine, temporal_client: Client) -> None:
    key = f"UI-{uuid.uuid4().hex[:8]}"
    instance = await temporal_engine.start_workflow("expense_approval", REQUEST, business_key=key)
    info = await describe(temporal_client, instance.id)
    assert await info.static_summary() == f"expense_approval 1.0.0 — {key}"
    assert await info.static_details() == "Expense request approval workflow"
    details = await current_details(temporal_client, instance.id)
    assert details.startswith("waiting for manager_approval — groups managers — since 20")
    current = await temporal_client.get_workflow_handle(instance.id).describe()
    assert attribute(current, SA_DEFINITION_NAME) == "expense_approval"
    assert attribute(current, SA_DEFINITION_VERSION) == "1.0.0"
    assert attribute(current, SA_BUSINESS_KEY) == key
    assert attribute(current, SA_INSTANCE_STATUS) == "waiting"
    assert attribute(current, SA_PENDING_STEPS) == ["manager_approval"]
    assert attribute(current, SA_WAITING_ON) == ["group:managers"]
    assert attribute(current, SA_WAITING_SINCE) == instance.pending_tasks[0].since
    await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    closed = await describe(temporal_client, instance.id)
    # Completed right after its last machine step: only the status would change, and the run's own
    # status says it (lean publishing spares that visibility write); InstanceStatus stays "running".
    assert closed.status == WorkflowExecutionStatus.COMPLETED
    assert attribute(closed, SA_INSTANCE_STATUS) == "running"
    assert attribute(closed, SA_PENDING_STEPS) is None
    assert attribute(closed, SA_WAITING_ON) is None
    assert attribute(closed, SA_WAITING_SINCE) is None
    assert (await current_details(temporal_client, instance.id)).startswith("completed at 20")


async def test_step_activities_heartbeat_so_a_dead_worker_is_noticed_quickly(
    temporal_engine: TemporalExecutionEngine, temporal_client: Client
) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", REQUEST)
    scheduled = [
        event.activity_task_scheduled_event_attributes
        async for event in temporal_client.get_workflow_handle(instance.id).fetch_history_events()
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
    assert [s.activity_type.name for s in scheduled] == ["litestar_workflows.run_step"]
    # The step's timeout is 5 minutes; the heartbeat timeout bounds how long a dead worker goes unnoticed.
    assert scheduled[0].start_to_close_timeout.ToTimedelta().total_seconds() == 300
    assert scheduled[0].heartbeat_timeout.ToTimedelta().total_seconds() == 30
