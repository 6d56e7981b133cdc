"""The published engine API in-process: class-based starts, events, execute_step, listings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from litestar_workflows import (
    Edge,
    LocalExecutionEngine,
    StepExecutionError,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowNotFoundError,
    WorkflowRegistry,
    WorkflowStatus,
)
from litestar_workflows.core.events import (
    HumanTaskCompleted,
    HumanTaskCreated,
    StepFailed,
    StepSkipped,
    WorkflowEvent,
    WorkflowFailed,
    event_from_dict,
)
from litestar_workflows.engine.events import EventBus
from tests.compat.flows import ApprovalWorkflow, Explode, FailingWorkflow, Finish


def _registry() -> WorkflowRegistry:
    registry = WorkflowRegistry()
    registry.register(ApprovalWorkflow)
    registry.register(FailingWorkflow)
    return registry


def test_registry_keeps_classes_and_lists_the_published_way() -> None:
    registry = _registry()
    assert registry.get_workflow_class("compat_approval") is ApprovalWorkflow
    with pytest.raises(KeyError):
        registry.get_workflow_class("nope")
    v2 = ApprovalWorkflow.get_definition()
    v2.version = "2.0.0"
    registry.register(v2)  # a definition registers too
    assert [d.version for d in registry.list_definitions(active_only=True) if d.name == "compat_approval"] == ["2.0.0"]
    assert [d.version for d in registry.list_definitions() if d.name == "compat_approval"] == ["1.0.0", "2.0.0"]
    assert registry.resolve(ApprovalWorkflow) == ("compat_approval", "1.0.0")  # the class's own version
    with pytest.raises(TypeError):
        registry.register(object)


async def test_start_by_class_or_by_name_runs_to_the_same_end() -> None:
    engine = LocalExecutionEngine(_registry())
    by_class = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5000})
    by_name = await engine.start_workflow("compat_approval", {"amount": 5000})
    for instance in (by_class, by_name):
        assert instance.status == WorkflowStatus.WAITING and instance.pending_steps == ["approve"]
        done = await engine.complete_human_task(instance.id, "approve", "bob", {"approved": True})
        assert done.status == WorkflowStatus.COMPLETED and done.context.get("finished") is True
    unregistered = type("Other", (), {"get_definition": staticmethod(FailingWorkflow().get_definition)})
    registry = WorkflowRegistry()
    with pytest.raises(WorkflowNotFoundError):
        await LocalExecutionEngine(registry).start_workflow(unregistered)


async def test_events_at_each_transition_in_order() -> None:
    bus = EventBus()
    seen: list[WorkflowEvent] = []
    tasks: list[HumanTaskCreated] = []

    async def record(event: WorkflowEvent) -> None:
        seen.append(event)

    def broken(event: HumanTaskCompleted) -> None:
        raise RuntimeError("a handler bug")

    bus.subscribe(WorkflowEvent, record)
    bus.subscribe(HumanTaskCreated, tasks.append)  # a sync handler for one type
    bus.subscribe(HumanTaskCompleted, broken)
    engine = LocalExecutionEngine(_registry(), event_bus=bus)
    instance = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5000}, user_id="alice")
    assert [e.kind for e in seen] == [
        "workflow.started",
        "step.started",
        "step.completed",
        "step.started",
        "task.created",
    ]
    assert tasks[0].task_id == f"{instance.id}/approve" and tasks[0].title == "Approve the request"
    done = await engine.complete_human_task(instance.id, "approve", "bob", {"approved": True}, comment="ok")
    assert done.status == WorkflowStatus.COMPLETED  # the failing handler changed nothing
    assert [e.kind for e in seen[5:]] == [
        "task.completed",
        "step.completed",
        "step.started",
        "step.completed",
        "workflow.completed",
    ]
    completed = seen[5]
    assert isinstance(completed, HumanTaskCompleted) and (completed.completed_by, completed.comment) == ("bob", "ok")
    for event in seen:  # plain data: JSON and back
        assert event_from_dict(json.loads(json.dumps(event.to_dict()))) == event


async def test_a_failing_step_publishes_step_failed_and_workflow_failed() -> None:
    engine = LocalExecutionEngine(_registry())
    seen: list[WorkflowEvent] = []
    engine.event_bus.subscribe(WorkflowEvent, seen.append)
    instance = await engine.start_workflow(FailingWorkflow)
    assert instance.status == WorkflowStatus.FAILED
    failed = [e for e in seen if isinstance(e, StepFailed | WorkflowFailed)]
    assert [type(e).__name__ for e in failed] == ["StepFailed", "WorkflowFailed"]
    assert failed[0].error == "boom" and failed[1].failed_step == "explode"  # type: ignore[union-attr]


async def test_cancel_publishes_once() -> None:
    engine = LocalExecutionEngine(_registry())
    seen: list[str] = []
    engine.event_bus.subscribe(WorkflowEvent, lambda e: seen.append(e.kind))
    instance = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5000})
    await engine.cancel_workflow(instance.id, "withdrawn")
    assert seen.count("workflow.canceled") == 1 and seen[-1] == "workflow.canceled"


async def test_execute_step_and_instance_listings() -> None:
    engine = LocalExecutionEngine(_registry())
    context = WorkflowContext(instance_id="adhoc")
    assert await engine.execute_step(Finish(), context, previous_result=3) is None
    assert context.data == {"_previous_result": 3, "finished": True}
    with pytest.raises(StepExecutionError) as raised:
        await engine.execute_step(Explode(), context)
    assert isinstance(raised.value.cause, RuntimeError)
    waiting = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5000})
    finished = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5})
    assert [i.id for i in engine.get_running_instances()] == [waiting.id]
    assert [i.id for i in engine.get_all_instances()] == [waiting.id, finished.id]
    assert waiting.workflow_id == "compat_approval"


def test_persistence_is_refused_not_ignored() -> None:
    LocalExecutionEngine(_registry(), None, None)
    with pytest.raises(TypeError, match="in memory"):
        LocalExecutionEngine(_registry(), persistence=object())


def test_handlers_must_be_for_event_types() -> None:
    bus = EventBus()
    with pytest.raises(TypeError):
        bus.subscribe(dict, print)  # type: ignore[type-var]
    handler: Any = print
    bus.subscribe(WorkflowEvent, handler)
    bus.unsubscribe(WorkflowEvent, handler)
    assert not bus.has_subscribers


async def test_engines_steps_and_instances_satisfy_the_published_protocols() -> None:
    from litestar_workflows.core import protocols

    engine: protocols.ExecutionEngine = LocalExecutionEngine(_registry())
    instance: protocols.WorkflowInstance = await engine.start_workflow(ApprovalWorkflow, {"amount": 5})
    assert isinstance(engine, protocols.ExecutionEngine) and isinstance(instance, protocols.WorkflowInstance)
    assert isinstance(Finish(), protocols.Step)
    assert isinstance(ApprovalWorkflow, protocols.Workflow)


async def test_a_0_3_3_style_bus_with_emit_receives_every_event() -> None:
    class Emitter:
        def __init__(self) -> None:
            self.calls: list[tuple[str, dict[str, Any]]] = []

        async def emit(self, event_name: str, /, **fields: Any) -> None:
            self.calls.append((event_name, fields))

    emitter = Emitter()
    engine = LocalExecutionEngine(_registry(), event_bus=emitter)
    instance = await engine.start_workflow(ApprovalWorkflow, {"amount": 5})
    assert emitter.calls[0] == (
        "workflow.started",
        {
            "instance_id": instance.id,
            "timestamp": instance.started_at,
            "workflow_name": "compat_approval",
            "workflow_version": "1.0.0",
            "initial_data": {"amount": 5},
            "user_id": None,
            "tenant_id": None,
        },
    )
    assert emitter.calls[-1][0] == "workflow.completed"
    with pytest.raises(TypeError, match="emit"):
        LocalExecutionEngine(_registry(), event_bus=object())  # type: ignore[arg-type]


async def test_a_guarded_step_publishes_step_skipped() -> None:
    class Never(Finish):
        async def can_execute(self, context: WorkflowContext) -> bool:
            return False

    registry = WorkflowRegistry()
    registry.register(
        WorkflowDefinition(
            name="compat_skip",
            version="1.0.0",
            description="",
            steps={"never": Never(), "finish": Finish()},
            edges=[Edge("never", "finish")],
            initial_step="never",
            terminal_steps={"finish"},
        )
    )
    engine = LocalExecutionEngine(registry)
    seen: list[WorkflowEvent] = []
    engine.event_bus.subscribe(StepSkipped, seen.append)
    instance = await engine.start_workflow("compat_skip")
    assert instance.status == WorkflowStatus.COMPLETED
    assert [(type(e).__name__, e.step_name) for e in seen] == [("StepSkipped", "never")]  # type: ignore[attr-defined]


async def test_a_handler_may_call_the_engine() -> None:
    engine = LocalExecutionEngine(_registry())

    async def approve_at_once(event: HumanTaskCreated) -> None:
        await engine.complete_human_task(event.instance_id, event.step_name, "robot", {"approved": True})

    engine.event_bus.subscribe(HumanTaskCreated, approve_at_once)
    instance = await engine.start_workflow(ApprovalWorkflow, {"amount": 5000})
    assert instance.status == WorkflowStatus.COMPLETED  # no deadlock: handlers run outside the lock
    assert instance.context.get("finished") is True
