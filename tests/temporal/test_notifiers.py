"""Named notifiers on a real Temporal: one activity per notifier and batch, each with its own retries;
a notifier that keeps failing is recorded on the instance and in the Web UI, and nothing else notices."""

from __future__ import annotations

from collections import Counter

from temporalio.client import Client
from temporalio.worker import Replayer

from api.models import InstanceView
from litestar_workflows.core.events import HumanTaskCreated, WorkflowCompleted, WorkflowEvent
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.events import EventBus, NotifierPolicy
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests import step_kind_defs
from tests.conftest import StartWorker
from tests.temporal.helpers import current_details
from worker import sandbox_runner
from workflows.interpreter import InterpreterWorkflow

QUICK = NotifierPolicy(max_attempts=2, initial_interval=0.1, maximum_interval=0.1, timeout=5)


async def test_a_failing_notifier_is_isolated_recorded_and_not_fatal(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    audited: list[WorkflowEvent] = []
    mail_attempts: Counter[str] = Counter()
    bus = EventBus()
    bus.subscribe(WorkflowEvent, audited.append, notifier="audit")

    @bus.notifier("mail", HumanTaskCreated, WorkflowCompleted, policy=QUICK)
    async def mail(event: WorkflowEvent) -> None:
        mail_attempts[event.kind] += 1
        raise ConnectionError("smtp down")

    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry, event_bus=bus) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20, emit_events=True)
        instance = await engine.start_workflow("pause_flow")
        await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
        handle = temporal_client.get_workflow_handle(instance.id)
        await handle.result()
        view = await engine.get_instance(instance.id)
        details = await current_details(temporal_client, instance.id)
    history = await handle.fetch_history()

    # The instance went on and completed; the other notifier got every event exactly once, in order.
    assert view.status == WorkflowStatus.COMPLETED
    kinds = [e.kind for e in audited]
    assert kinds[0] == "workflow.started" and kinds[-1] == "workflow.completed", kinds
    for kind in ("task.created", "task.completed", "step.completed"):
        assert kind in kinds, kinds
    identities = [(e.kind, getattr(e, "step_name", None), e.timestamp) for e in audited]
    assert len(identities) == len(set(identities)), identities
    # The failing one was tried max_attempts times per batch, then recorded: visible, not fatal.
    assert mail_attempts == {"task.created": 2, "workflow.completed": 2}
    failures = [(f.notifier, f.events, f.attempts) for f in view.notifier_failures]
    assert failures == [("mail", "HumanTaskCreated \u00d71", 2), ("mail", "WorkflowCompleted \u00d71", 2)]
    assert "ConnectionError: smtp down" in view.notifier_failures[0].error
    assert "notifier mail failed on WorkflowCompleted \u00d71" in details, details
    gateway = InstanceView.from_instance(view).model_dump(mode="json")
    assert [f["notifier"] for f in gateway["notifier_failures"]] == ["mail", "mail"]

    # One activity per (batch, notifier), named in the Web UI; the history replays.
    convert = temporal_client.data_converter.payload_converter
    summaries = [
        convert.from_payload(e.user_metadata.summary, str)
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert "notify mail: HumanTaskCreated \u00d71" in summaries, summaries
    assert any(s.startswith("notify audit: WorkflowStarted \u00d71") for s in summaries), summaries
    replayer = Replayer(workflows=[InterpreterWorkflow], workflow_runner=sandbox_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def test_a_canceled_instance_still_notifies_and_records_on_its_way_out(
    temporal_client: Client, start_temporal_worker: StartWorker
) -> None:
    audited: list[str] = []
    bus = EventBus()
    bus.subscribe(WorkflowEvent, lambda e: audited.append(e.kind), notifier="audit")

    @bus.notifier("chat", WorkflowEvent, policy=QUICK)
    def chat(event: WorkflowEvent) -> None:
        raise RuntimeError("chat is down")

    registry = step_kind_defs.build_registry()
    async with start_temporal_worker(registry, event_bus=bus) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20, emit_events=True)
        instance = await engine.start_workflow("pause_flow")
        await engine.cancel_workflow(instance.id, "no longer needed")  # returns once the run closed
        view = await engine.get_instance(instance.id)
    assert view.status == WorkflowStatus.CANCELED
    assert audited[0] == "workflow.started" and audited[-1] == "workflow.canceled"
    assert [f.notifier for f in view.notifier_failures] == ["chat", "chat"]
    assert "WorkflowCanceled \u00d71" in view.notifier_failures[-1].events
