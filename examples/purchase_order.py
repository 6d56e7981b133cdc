"""Purchase order: two of three finance approvers, reminders, an escalation chain and a default
decision — the task operations of :mod:`litestar_workflows.rules.tasks` in one definition.

The graph::

    submit_order -> finance_approval --(approved)------> place_order
                                     --(not approved)--> notify_rejection

``finance_approval`` needs two distinct approvers from the ``finance`` group (anyone there may
claim it, the ``finance-leads`` may reassign it; the requester may not approve their own order).
A rejection ends it at once. Approvers get a reminder after a day and every day after; after
three days nobody decided, it escalates to ``finance-leads``; after five it is auto-rejected (the
default decision, recorded as decided by ``deadline``). Conditions see ``approvals``,
``rejections`` and each decision under ``finance_approval``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    Escalation,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = [
    "APPROVAL_FORM",
    "AUTO_REJECT_AFTER",
    "ESCALATE_AFTER",
    "REMIND_AFTER",
    "FinanceApproval",
    "NotifyRejection",
    "PlaceOrder",
    "SubmitOrder",
    "purchase_order_workflow",
    "registry",
]

REMIND_AFTER = timedelta(days=1)
"""First reminder to the approvers (then daily)."""
ESCALATE_AFTER = timedelta(days=3)
"""When the approval escalates to the finance leads."""
AUTO_REJECT_AFTER = timedelta(days=5)
"""When the order is rejected by default."""

APPROVAL_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "approved": {"type": "boolean", "title": "Approve"},
        "comments": {"type": "string", "title": "Comments", "maxLength": 2000},
    },
    "required": ["approved"],
    "additionalProperties": False,
}


class SubmitOrder(BaseMachineStep):
    """Check the order and note its total."""

    name = "submit_order"
    description = "Validate the purchase order"

    async def execute(self, context: WorkflowContext) -> None:
        amount = context.get("amount", 0)
        if not isinstance(amount, int | float) or amount <= 0:
            raise ValueError("amount must be a positive number")
        context.set("submitted", True)


class FinanceApproval(BaseHumanStep):
    """Two finance approvers decide; reminders, escalation to the leads, auto-reject."""

    name = "finance_approval"
    title = "Approve purchase order"
    description = "Two of the finance team must approve; a rejection ends it"
    form_schema = APPROVAL_FORM
    candidate_groups = ("finance",)
    manager_groups = ("finance-leads",)
    approvals_required = 2
    exclude_starter = True
    reminder_after = REMIND_AFTER
    reminder_every = timedelta(days=1)
    escalations = (Escalation(ESCALATE_AFTER, candidate_groups=("finance-leads",)),)
    deadline = AUTO_REJECT_AFTER
    default_decision = {"approved": False, "comments": "auto-rejected: no decision within five days"}


class PlaceOrder(BaseMachineStep):
    """Place the approved order."""

    name = "place_order"
    description = "Send the order to the supplier"

    async def execute(self, context: WorkflowContext) -> None:
        context.set("status", "ordered")


class NotifyRejection(BaseMachineStep):
    """Tell the requester it was rejected."""

    name = "notify_rejection"
    description = "Tell the requester the order was rejected"

    async def execute(self, context: WorkflowContext) -> None:
        context.set("status", "rejected")


purchase_order_workflow = WorkflowDefinition(
    name="purchase_order",
    version="1.0.0",
    description="Two of three finance approvers, a daily reminder, escalation after three days, auto-reject after five",
    steps={
        "submit_order": SubmitOrder(),
        "finance_approval": FinanceApproval(),
        "place_order": PlaceOrder(),
        "notify_rejection": NotifyRejection(),
    },
    edges=[
        Edge("submit_order", "finance_approval"),
        Edge("finance_approval", "place_order", condition="approved and approvals >= 2"),
        Edge("finance_approval", "notify_rejection", condition="not (approved and approvals >= 2)"),
    ],
    initial_step="submit_order",
    terminal_steps={"place_order", "notify_rejection"},
)

registry = WorkflowRegistry()
registry.register_definition(purchase_order_workflow)
