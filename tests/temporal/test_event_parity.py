"""Both engines publish the same events for the same run: they derive them in one place
(rules/lifecycle_events.py), the local engine in-process, Temporal through the worker's bus."""

from __future__ import annotations

from temporalio.client import Client

from litestar_workflows import LocalExecutionEngine
from litestar_workflows.core.events import WorkflowEvent
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.engine.events import EventBus
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests import step_kind_defs
from tests.conftest import StartWorker
from tests.temporal.helpers import eventually


async def _run(engine: ExecutionEngine) -> None:
    instance = await engine.start_workflow("hook_flow", user_id="alice")
    secret = instance.context.metadata["webhook_secret"]
    await engine.deliver_webhook(instance.id, "hook", {"n": 1}, secret=secret)
    await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True}, comment="fine")
    done = await eventually(lambda: engine.get_instance(instance.id), lambda i: i.status.is_finished)
    assert done.status == WorkflowStatus.COMPLETED


def _shape(seen: list[WorkflowEvent]) -> list[tuple[str, str | None]]:
    return [(e.kind, getattr(e, "step_name", None)) for e in seen]


async def test_the_local_and_the_temporal_engine_publish_the_same_events(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    local_seen: list[WorkflowEvent] = []
    local = LocalExecutionEngine(step_kind_defs.build_registry())
    local.event_bus.subscribe(WorkflowEvent, local_seen.append)
    await _run(local)

    temporal_seen: list[WorkflowEvent] = []
    bus = EventBus()
    bus.subscribe(WorkflowEvent, temporal_seen.append)
    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry, event_bus=bus) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20, emit_events=True)
        await _run(engine)
        await eventually(lambda: _async(temporal_seen), lambda s: bool(s) and s[-1].kind == "workflow.completed")

    assert _shape(local_seen) == [
        ("workflow.started", None),
        ("step.started", "hook"),
        ("step.completed", "hook"),
        ("step.started", "approve"),
        ("task.created", "approve"),
        ("task.completed", "approve"),
        ("step.completed", "approve"),
        ("step.started", "done"),
        ("step.completed", "done"),
        ("workflow.completed", None),
    ]
    assert _shape(temporal_seen) == _shape(local_seen)


async def _async(value: list[WorkflowEvent]) -> list[WorkflowEvent]:
    return value
