"""The quickstart's expense approval, as an importable module.

``registry`` is what ``worker.py`` loads by default (``examples.expense_approval:registry``).
Differences from the quickstart: the manager step is offered to the ``managers``
group (so the gateway's authorization has something to enforce) and large amounts
need a VP as well, routed by a string condition.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    LocalExecutionEngine,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = ["ManagerApproval", "ProcessResult", "SubmitRequest", "VpApproval", "expense_workflow", "registry"]


class SubmitRequest(BaseMachineStep):
    """Validate and record the expense submission."""

    name = "submit_request"
    description = "Validate and record the expense submission"

    async def execute(self, context: WorkflowContext) -> None:
        """Reject non-positive amounts; flag large ones for a VP."""
        amount = context.get("amount", 0)
        if amount <= 0:
            raise ValueError("Amount must be positive")
        # The requester is whoever started the instance (from their token), not a field they typed.
        started_by = context.metadata.get("started_by")
        if started_by:
            context.set("requester_id", started_by)
        context.set("submitted", True)
        context.set("submitted_at", datetime.now().isoformat())
        context.set("requires_vp_approval", amount > 5000)


class ManagerApproval(BaseHumanStep):
    """A manager approves or rejects the request."""

    name = "manager_approval"
    title = "Approve Expense Request"
    description = "Review and approve or reject this expense request"
    candidate_groups = ("managers",)
    exclude_starter = True  # four-eyes: a manager never approves their own expense
    form_schema = {
        "type": "object",
        "properties": {
            "approved": {"type": "boolean", "title": "Approve?"},
            "comments": {"type": "string", "title": "Comments"},
        },
        "required": ["approved"],
        "additionalProperties": False,
    }


class VpApproval(BaseHumanStep):
    """A VP confirms a large approved expense."""

    name = "vp_approval"
    title = "VP sign-off for a large expense"
    description = "Amounts above 5000 need a VP as well"
    candidate_groups = ("vps",)
    # Four-eyes: neither the requester nor the manager who approved it signs it off.
    exclude_starter = True
    exclude_completers_of = ("manager_approval",)
    form_schema = {
        "type": "object",
        "properties": {"approved": {"type": "boolean"}, "comments": {"type": "string"}},
        "required": ["approved"],
        "additionalProperties": False,
    }


class ProcessResult(BaseMachineStep):
    """Record the outcome."""

    name = "process_result"
    description = "Handle the final outcome"

    async def execute(self, context: WorkflowContext) -> None:
        """Set ``status`` to approved or rejected."""
        status = "approved" if context.get("approved") else "rejected"
        context.set("status", status)
        context.set("completed_at", datetime.now().isoformat())


expense_workflow = WorkflowDefinition(
    name="expense_approval",
    version="1.0.0",
    description="Expense request approval workflow",
    steps={
        "submit_request": SubmitRequest(),
        "manager_approval": ManagerApproval(),
        "vp_approval": VpApproval(),
        "process_result": ProcessResult(),
    },
    edges=[
        Edge("submit_request", "manager_approval"),
        Edge("manager_approval", "vp_approval", condition="approved and requires_vp_approval"),
        Edge("manager_approval", "process_result", condition="not (approved and requires_vp_approval)"),
        Edge("vp_approval", "process_result"),
    ],
    initial_step="submit_request",
    terminal_steps={"process_result"},
)

registry = WorkflowRegistry()
registry.register_definition(expense_workflow)


async def main() -> None:
    """Run one expense request end to end in-process."""
    engine = LocalExecutionEngine(registry)
    instance = await engine.start_workflow(
        "expense_approval",
        initial_data={"requester_id": "alice@example.com", "amount": 250.0, "description": "Conference fee"},
    )
    print(f"Workflow started: {instance.id}")
    print(f"Current step: {instance.current_step}")
    await engine.complete_human_task(
        instance.id,
        "manager_approval",
        user_id="bob@example.com",
        groups=["managers"],
        data={"approved": True, "comments": "Approved for Q4 budget"},
    )
    print(f"Workflow completed with status: {instance.context.get('status')}")


if __name__ == "__main__":
    asyncio.run(main())
