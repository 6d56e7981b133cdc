"""LocalExecutionEngine's events come from the rules' diff (rules/lifecycle_events.py), the same
derivation the Temporal interpreter uses (tests/temporal/test_event_parity.py runs both)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from litestar_workflows import (
    Edge,
    LocalExecutionEngine,
    RetryPolicy,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)
from litestar_workflows.core.events import StepCompleted, StepFailed, StepStarted, WorkflowCanceled, WorkflowEvent
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.events import EventBus
from tests import step_kind_defs
from tests.compat.flows import Approve, Explode, Finish


def _kinds(seen: list[WorkflowEvent]) -> list[tuple[str, str | None]]:
    return [(e.kind, getattr(e, "step_name", None)) for e in seen]


async def test_pause_resume_timer_and_task_events_in_causal_order() -> None:
    bus, seen = EventBus(), list[WorkflowEvent]()
    bus.subscribe(WorkflowEvent, seen.append)
    engine = LocalExecutionEngine(step_kind_defs.build_registry(timedelta(milliseconds=10)), event_bus=bus)
    instance = await engine.start_workflow("pause_flow", user_id="alice")
    await engine.pause_workflow(instance.id)
    await engine.resume_workflow(instance.id)
    await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
    for _ in range(200):
        if instance.status.is_finished:
            break
        await asyncio.sleep(0.01)
    assert instance.status == WorkflowStatus.COMPLETED
    assert _kinds(seen) == [
        ("workflow.started", None),
        ("step.started", "approve"),
        ("task.created", "approve"),
        ("workflow.paused", None),
        ("workflow.resumed", None),
        ("task.completed", "approve"),
        ("step.completed", "approve"),  # the completion before what it starts
        ("step.started", "tick"),
        ("step.completed", "tick"),
        ("step.started", "done"),
        ("step.completed", "done"),
        ("workflow.completed", None),
    ]
    approve = seen[6]
    assert isinstance(approve, StepCompleted) and approve.output_data == {"ok": True}
    done = seen[-2]
    assert isinstance(done, StepCompleted) and done.output_data == {"done": True}
    started = seen[-3]
    assert isinstance(started, StepStarted) and started.input_data is not None and "done" not in started.input_data


class Guarded(Approve):
    async def can_execute(self, context: WorkflowContext) -> bool:
        return bool(context.get("ask"))


async def test_a_guarded_human_step_is_announced_once_and_a_failure_names_its_type() -> None:
    registry = WorkflowRegistry()
    registry.register_definition(
        WorkflowDefinition(
            name="guarded",
            version="1.0.0",
            description="",
            steps={"approve": Guarded(), "finish": Finish()},
            edges=[Edge("approve", "finish")],
            initial_step="approve",
            terminal_steps={"finish"},
        )
    )
    registry.register_definition(
        WorkflowDefinition(
            name="boom",
            version="1.0.0",
            description="",
            steps={"explode": Explode(retry_policy=RetryPolicy(max_attempts=1))},
            edges=[],
            initial_step="explode",
            terminal_steps={"explode"},
        )
    )
    bus, seen = EventBus(), list[WorkflowEvent]()
    bus.subscribe(WorkflowEvent, seen.append)
    engine = LocalExecutionEngine(registry, event_bus=bus)
    asked = await engine.start_workflow("guarded", {"ask": True})
    assert _kinds(seen) == [("workflow.started", None), ("step.started", "approve"), ("task.created", "approve")]
    seen.clear()
    await engine.start_workflow("guarded", {"ask": False})
    assert [k for k, _ in _kinds(seen)] == [
        "workflow.started",
        "step.started",
        "step.skipped",
        "step.started",
        "step.completed",
        "workflow.completed",
    ]
    seen.clear()
    await engine.start_workflow("boom")
    failed = [e for e in seen if isinstance(e, StepFailed)]
    assert [(e.step_name, e.error, e.error_type) for e in failed] == [("explode", "boom", "RuntimeError")]
    seen.clear()
    await engine.cancel_workflow(asked.id, "withdrawn")
    assert [type(e) for e in seen] == [WorkflowCanceled]
    assert (seen[0].canceled_by, seen[0].reason) == (None, "canceled: withdrawn")  # type: ignore[attr-defined]


async def test_a_handler_subscribed_later_hears_only_what_happens_after() -> None:
    engine = LocalExecutionEngine(step_kind_defs.build_registry())
    instance = await engine.start_workflow("pause_flow")
    seen: list[WorkflowEvent] = []
    engine.event_bus.subscribe(WorkflowEvent, seen.append)
    await engine.cancel_workflow(instance.id, "")
    assert [e.kind for e in seen] == ["workflow.canceled"]
