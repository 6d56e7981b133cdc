"""Task operations on LocalExecutionEngine: the purchase order example end to end in-process."""

from __future__ import annotations

import pytest

from examples.purchase_order import purchase_order_workflow
from litestar_workflows import LocalExecutionEngine, WorkflowRegistry, WorkflowStatus
from litestar_workflows.core.events import HumanTaskReassigned, WorkflowEvent
from litestar_workflows.engine.events import EventBus
from litestar_workflows.exceptions import (
    StaleRevisionError,
    TaskClaimedError,
    TaskOperationNotAllowedError,
    UnauthorizedTaskError,
    WorkflowInstanceNotFoundError,
)

FINANCE = ("finance",)


def engine() -> tuple[LocalExecutionEngine, list[WorkflowEvent]]:
    registry = WorkflowRegistry()
    registry.register_definition(purchase_order_workflow)
    bus, seen = EventBus(), list[WorkflowEvent]()
    bus.subscribe(HumanTaskReassigned, seen.append)
    return LocalExecutionEngine(registry, event_bus=bus, admin_groups=("admins",)), seen


async def test_two_approvers_claims_and_records() -> None:
    eng, events = engine()
    inst = await eng.start_workflow("purchase_order", {"amount": 120}, business_key="po-1", user_id="alice")
    iid = inst.id
    assert inst.pending_steps == ["finance_approval"] and inst.revision
    await eng.claim_task(iid, "finance_approval", "bob", groups=FINANCE)
    with pytest.raises(TaskClaimedError):
        await eng.claim_task(iid, "finance_approval", "carol", groups=FINANCE)
    with pytest.raises(TaskClaimedError):
        await eng.complete_human_task(iid, "finance_approval", "carol", {"approved": True}, groups=FINANCE)
    with pytest.raises(WorkflowInstanceNotFoundError):  # outsiders are told it does not exist
        await eng.claim_task(iid, "finance_approval", "mallory")
    view = await eng.complete_human_task(iid, "finance_approval", "bob", {"approved": True}, groups=FINANCE)
    assert view.pending_steps == ["finance_approval"]  # one of two approvals
    stale = view.revision
    await eng.comment_task(iid, "finance_approval", "carol", "checking the supplier", groups=FINANCE)
    with pytest.raises(StaleRevisionError):
        await eng.complete_human_task(
            iid, "finance_approval", "carol", {"approved": True}, groups=FINANCE, expected_revision=stale
        )
    with pytest.raises(UnauthorizedTaskError):  # four-eyes: the requester may not approve
        await eng.complete_human_task(iid, "finance_approval", "alice", {"approved": True}, groups=FINANCE)
    current = (await eng.get_instance(iid)).revision
    view = await eng.complete_human_task(
        iid, "finance_approval", "carol", {"approved": True}, groups=FINANCE, expected_revision=current
    )
    assert view.status == WorkflowStatus.COMPLETED
    data = view.context.data
    assert data["status"] == "ordered" and data["approvals"] == 2
    assert [d["user_id"] for d in data["finance_approval"]] == ["bob", "carol"]
    assert [(d.user_id, d.outcome) for d in view.tasks.decisions] == [("bob", "approved"), ("carol", "approved")]
    assert view.tasks.decisions[-1].revision_seen == current
    assert view.tasks.comments[0].text == "checking the supplier"
    assert [e.reason for e in events if isinstance(e, HumanTaskReassigned)] == ["claim"]


async def test_reassign_delegate_and_a_rejection() -> None:
    eng, events = engine()
    iid = (await eng.start_workflow("purchase_order", {"amount": 5}, user_id="alice")).id
    with pytest.raises(TaskOperationNotAllowedError):
        await eng.reassign_task(iid, "finance_approval", "bob", groups=FINANCE, to_user="zoe")
    await eng.reassign_task(
        iid, "finance_approval", "lea", groups=("finance-leads",), to_groups=["finance", "audit"], reason="coverage"
    )
    await eng.claim_task(iid, "finance_approval", "ann", groups=("audit",))
    await eng.delegate_task(iid, "finance_approval", "ann", "zoe", groups=("audit",), keep_right=True)
    await eng.take_back_task(iid, "finance_approval", "ann", groups=("audit",))
    view = await eng.complete_human_task(iid, "finance_approval", "ann", {"approved": False}, groups=("audit",))
    assert view.context.data["status"] == "rejected" and view.context.data["rejections"] == 1
    assert [h.kind for h in view.tasks.handovers] == ["reassign", "claim", "delegate", "take_back"]
    reassigned = [e for e in events if isinstance(e, HumanTaskReassigned)]
    assert reassigned[0].reassigned_by == "lea" and reassigned[0].reason == "coverage"
    assert reassigned[2].to_assignee == "zoe"
