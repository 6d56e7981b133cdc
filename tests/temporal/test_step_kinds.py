"""Timer, webhook, gateway and group steps, pause/resume and lifecycle events on a real Temporal
dev server (the timers on the time-skipping one)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from litestar_workflows.core.events import StepCompleted, WorkflowEvent, WorkflowStarted
from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.engine.events import EventBus
from litestar_workflows.exceptions import (
    FormValidationError,
    StepNotWaitingError,
    WebhookAlreadyDeliveredError,
    WebhookSecretError,
    WorkflowAlreadyCompletedError,
    WorkflowNotPausedError,
    WorkflowPausedError,
)
from litestar_workflows.temporal.contracts import SA_INSTANCE_STATUS
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests import step_kind_defs
from tests.conftest import StartWorker
from tests.temporal.helpers import attribute, current_details, describe, eventually


async def _updates_accepted(client: Client, workflow_id: str) -> int:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return sum(1 for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes"))


async def test_timers_gateways_groups_and_a_webhook_run_durably(
    time_skipping_env: WorkflowEnvironment, start_temporal_worker: StartWorker
) -> None:
    client = time_skipping_env.client
    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry, client=client) as queue:
        engine = TemporalExecutionEngine(registry, client, queue, settle_timeout=20)
        started = await engine.start_workflow("kinds_flow", {"amount": 5000, "hours": 2})
        assert started.status == WorkflowStatus.WAITING  # at the one-hour cooling-off timer
        # The two timers (1 h fixed, 2 h computed by an activity) are skipped; then it waits for the webhook.
        instance = await eventually(
            lambda: engine.get_instance(started.id),
            lambda i: any(h.step_name == "payment" and h.status == StepStatus.WAITING for h in i.context.step_history),
        )
        data = instance.context.data
        assert data["fraud"] and data["audit_a"] and data["audit_b"] and data["big_review"]
        assert "express" not in data and "small_review" not in data
        assert "waiting for the webhook callback of payment" in await current_details(client, started.id)
        secret = instance.context.metadata["webhook_secret"]
        with pytest.raises(WebhookSecretError):
            await engine.deliver_webhook(started.id, "payment", {"paid": True}, secret="guess")
        with pytest.raises(FormValidationError) as invalid:
            await engine.deliver_webhook(started.id, "payment", {"paid": "yes"}, secret=secret)
        assert [e.pointer for e in invalid.value.errors] == ["/paid"]
        with pytest.raises(StepNotWaitingError):
            await engine.deliver_webhook(started.id, "ship", {"paid": True}, secret=secret)
        assert await _updates_accepted(client, started.id) == 1  # only update-with-start: refusals wrote nothing
        done = await engine.deliver_webhook(started.id, "payment", {"paid": True, "amount": 5000}, secret=secret)
        assert done.status == WorkflowStatus.COMPLETED
        assert done.context.data["payment"] == {"paid": True, "amount": 5000}
        assert done.context.data["shipped"] is True
        with pytest.raises(WorkflowAlreadyCompletedError):
            await engine.deliver_webhook(started.id, "payment", {"paid": True}, secret=secret)
    history = await client.get_workflow_handle(started.id).fetch_history()
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    summaries = [client.data_converter.payload_converter.from_payload(t.user_metadata.summary, str) for t in timers]
    assert summaries == ["timer step cool_off: 3600s — cooling-off period", "timer step wait: 7200s"]
    # The gateway functions ran as activities, never in the workflow.
    activities = [
        e.activity_task_scheduled_event_attributes.activity_id
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert len(activities) >= 8


async def test_a_second_delivery_is_refused_without_a_trace(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20)
        instance = await engine.start_workflow("hook_flow")
        secret = instance.context.metadata["webhook_secret"]
        first = await engine.deliver_webhook(instance.id, "hook", {"n": 1}, secret=secret)
        assert first.pending_steps == ["approve"] and first.context.data["webhook_data"] == {"n": 1}
        accepted = await _updates_accepted(temporal_client, instance.id)
        with pytest.raises(WebhookAlreadyDeliveredError):
            await engine.deliver_webhook(instance.id, "hook", {"n": 2}, secret=secret)
        assert await _updates_accepted(temporal_client, instance.id) == accepted
        assert (await engine.get_instance(instance.id)).context.data["webhook_data"] == {"n": 1}
        await engine.cancel_workflow(instance.id)


async def test_pause_is_durable_visible_and_refuses_completions(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20)
        instance = await engine.start_workflow("pause_flow")
        paused = await engine.pause_workflow(instance.id, "audit")
        assert paused.status == WorkflowStatus.PAUSED
        described = await eventually(
            lambda: describe(temporal_client, instance.id), lambda d: attribute(d, SA_INSTANCE_STATUS) == "paused"
        )
        assert attribute(described, SA_INSTANCE_STATUS) == "paused"
        assert (await current_details(temporal_client, instance.id)).startswith("PAUSED by an operator since")
        before = await _updates_accepted(temporal_client, instance.id)
        with pytest.raises(WorkflowPausedError):
            await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
        with pytest.raises(WorkflowPausedError):
            await engine.pause_workflow(instance.id)
        assert await _updates_accepted(temporal_client, instance.id) == before
        assert (await engine.resume_workflow(instance.id)).status == WorkflowStatus.WAITING
        with pytest.raises(WorkflowNotPausedError):
            await engine.resume_workflow(instance.id)
        await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
        # Paused while the 1 s timer runs: the timer fires, the next step waits for the resume.
        await engine.pause_workflow(instance.id)
        held = await eventually(
            lambda: engine.get_instance(instance.id),
            lambda i: (i.context.get_last_execution("tick") or i).status == StepStatus.SUCCEEDED,
        )
        assert held.status == WorkflowStatus.PAUSED and "done" not in held.context.data
        finished = await engine.resume_workflow(instance.id)
        assert finished.status == WorkflowStatus.COMPLETED and finished.context.data["done"] is True


async def test_events_run_on_the_worker_at_least_once_without_blocking_the_instance(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    seen: list[WorkflowEvent] = []
    failures: Counter[str] = Counter()
    gate = asyncio.Event()

    async def record(event: WorkflowEvent) -> None:
        seen.append(event)

    async def flaky(event: StepCompleted) -> None:
        if event.step_name == "approve" and failures[event.step_name] == 0:
            failures[event.step_name] += 1
            raise RuntimeError("mail server down")

    async def slow(event: Any) -> None:
        await gate.wait()  # held until the instance has moved on

    bus = EventBus()
    bus.subscribe(WorkflowEvent, record)
    bus.subscribe(StepCompleted, flaky)
    bus.subscribe(WorkflowStarted, slow)
    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry, event_bus=bus) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20, emit_events=True)
        instance = await engine.start_workflow("pause_flow")
        await engine.pause_workflow(instance.id)
        await engine.resume_workflow(instance.id)
        await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
        done = await eventually(lambda: engine.get_instance(instance.id), lambda i: i.status.is_finished)
        assert done.status == WorkflowStatus.COMPLETED  # while the first batch's handler still waits
        gate.set()
        await temporal_client.get_workflow_handle(instance.id).result()
    kinds = [e.kind for e in seen]
    assert kinds[0] == "workflow.started" and kinds[-1] == "workflow.completed"
    for kind in ("workflow.paused", "workflow.resumed", "task.created", "task.completed", "step.completed"):
        assert kind in kinds, kinds
    assert failures["approve"] == 1  # failed once, retried: the events after it still arrived in order
