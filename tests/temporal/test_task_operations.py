"""Task operations on Temporal: claims, hand-overs, two approvers, stale revisions (the shared dev
server), and reminders, escalation and the default decision as durable timers (time skipping)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.testing import WorkflowEnvironment

from examples import build_registry
from litestar_workflows.core.events import HumanTaskReassigned, HumanTaskReminder, WorkflowEvent
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.events import EventBus
from litestar_workflows.exceptions import (
    StaleRevisionError,
    TaskClaimedError,
    TaskOperationNotAllowedError,
    UnauthorizedTaskError,
    WorkflowInstanceNotFoundError,
)
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import StartWorker

FINANCE = ("finance",)
STEP = "finance_approval"


async def test_claims_handovers_and_two_approvers(temporal_engine: TemporalExecutionEngine) -> None:
    engine = temporal_engine
    inst = await engine.start_workflow(
        "purchase_order", {"amount": 90}, business_key=f"po-{uuid.uuid4().hex[:8]}", user_id="alice"
    )
    iid = inst.id
    assert inst.pending_steps == [STEP] and inst.revision
    await engine.claim_task(iid, STEP, "bob", groups=FINANCE)
    handle = engine.client.get_workflow_handle(iid)
    events = len((await handle.fetch_history()).events)
    with pytest.raises(TaskClaimedError):
        await engine.claim_task(iid, STEP, "carol", groups=FINANCE)
    assert len((await handle.fetch_history()).events) == events  # the validator refused: no history
    for _ in range(100):  # the inbox comes from visibility (eventually consistent)
        listed = [t for t in (await engine.list_pending_tasks("carol", FINANCE)).items if t.instance_id == iid]
        if listed and listed[0].claimed_by == "bob":
            break
        await asyncio.sleep(0.05)
    assert listed and listed[0].claimed_by == "bob"
    with pytest.raises(TaskClaimedError):
        await engine.complete_human_task(iid, STEP, "carol", {"approved": True}, groups=FINANCE)
    with pytest.raises(WorkflowInstanceNotFoundError):
        await engine.claim_task(iid, STEP, "mallory")
    with pytest.raises(TaskOperationNotAllowedError):
        await engine.reassign_task(iid, STEP, "carol", groups=FINANCE, to_user="zoe")
    view = await engine.complete_human_task(iid, STEP, "bob", {"approved": True}, groups=FINANCE)
    assert view.pending_steps == [STEP] and view.tasks.ops[STEP].votes[0].user_id == "bob"
    stale = view.revision
    current = (await engine.comment_task(iid, STEP, "carol", "supplier checked", groups=FINANCE)).revision
    with pytest.raises(StaleRevisionError):
        await engine.complete_human_task(
            iid, STEP, "carol", {"approved": True}, groups=FINANCE, expected_revision=stale
        )
    with pytest.raises(UnauthorizedTaskError):  # four-eyes: the requester
        await engine.complete_human_task(iid, STEP, "alice", {"approved": True}, groups=FINANCE)
    done = await engine.complete_human_task(
        iid, STEP, "carol", {"approved": True}, groups=FINANCE, expected_revision=current
    )
    assert done.status == WorkflowStatus.COMPLETED and done.context.data["status"] == "ordered"
    assert [d.user_id for d in done.tasks.decisions] == ["bob", "carol"]
    assert done.tasks.decisions[-1].revision_seen == current
    assert [h.kind for h in done.tasks.handovers] == ["claim"]
    assert done.tasks.comments[0].author == "carol"


async def test_reminders_escalation_and_default_decision(
    time_skipping_env: WorkflowEnvironment, start_temporal_worker: StartWorker
) -> None:
    client = time_skipping_env.client
    registry = build_registry()
    bus, notified = EventBus(), list[WorkflowEvent]()
    bus.subscribe(HumanTaskReminder, notified.append)  # a notifier (e.g. mail), run by the worker's activity
    bus.subscribe(HumanTaskReassigned, notified.append)

    async with start_temporal_worker(registry, client=client, event_bus=bus) as queue:
        engine = TemporalExecutionEngine(registry, client, queue, settle_timeout=20, emit_events=True)
        inst = await engine.start_workflow("purchase_order", {"amount": 10}, user_id="alice")
        assert inst.pending_steps == [STEP]
        # Nobody decides for five days (skipped): reminders, the escalation, then auto-reject.
        await client.get_workflow_handle(inst.id).result()
        view = await engine.get_instance(inst.id)
    assert view.status == WorkflowStatus.COMPLETED
    assert view.context.data["status"] == "rejected" and view.context.data["approved"] is False
    escalations = [h for h in view.tasks.handovers if h.kind == "escalate"]
    assert [(h.to_groups, h.by) for h in escalations] == [(["finance-leads"], None)]
    assert view.tasks.decisions[-1].outcome == "default"
    approval = view.context.get_last_execution(STEP)
    assert approval is not None and approval.completed_by == "deadline"
    history = await client.get_workflow_handle(inst.id).fetch_history()
    convert = client.data_converter.payload_converter
    summaries = [
        convert.from_payload(e.user_metadata.summary, str)
        for e in history.events
        if e.HasField("timer_started_event_attributes")
    ]
    assert f"reminder 1 for {STEP}" in summaries
    assert f"escalation of {STEP} to level 1: reassign to finance-leads" in summaries
    assert f"reminder 4 for {STEP}" in summaries
    assert f"deadline of {STEP}: after 432000s submit the default decision" in summaries
    reminders = [e.number for e in notified if isinstance(e, HumanTaskReminder)]
    assert reminders == [1, 2, 3, 4]  # the fifth would fall due with the deadline: none is sent then
    assert [e.to_assignee for e in notified if isinstance(e, HumanTaskReassigned)] == ["finance-leads"]
