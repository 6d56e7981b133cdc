"""The hand-written contender of :mod:`bench.bench_interpreter`: the expense flow written
directly against Temporal (a workflow class, two activities, the same step code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.rules.forms import form_errors

__all__ = ["FORM", "Decision", "HandWrittenExpense", "process_result", "submit_request"]


@dataclass
class Decision:
    """Completion of the approval (same content as the generic update's request)."""

    step_name: str
    user_id: str
    data: dict[str, Any]
    groups: list[str] = field(default_factory=list)


@activity.defn(name="bench.submit_request")
async def submit_request(data: dict[str, Any]) -> dict[str, Any]:
    """The expense flow's first machine step (same code as the example)."""
    from examples.expense_approval import SubmitRequest
    from litestar_workflows.core.context import WorkflowContext

    context = WorkflowContext(instance_id=activity.info().workflow_id or "", data=dict(data))
    await SubmitRequest().execute(context)
    return context.data


@activity.defn(name="bench.process_result")
async def process_result(data: dict[str, Any]) -> dict[str, Any]:
    """The expense flow's last machine step (same code as the example)."""
    from examples.expense_approval import ProcessResult
    from litestar_workflows.core.context import WorkflowContext

    context = WorkflowContext(instance_id=activity.info().workflow_id or "", data=dict(data))
    await ProcessResult().execute(context)
    return context.data


FORM = {
    "type": "object",
    "properties": {"approved": {"type": "boolean"}, "comments": {"type": "string"}},
    "required": ["approved"],
    "additionalProperties": False,
}


@workflow.defn(name="bench.HandWrittenExpense")
class HandWrittenExpense:
    """The expense flow written directly against Temporal."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.status = "running"
        self.decision: Decision | None = None

    @workflow.run
    async def run(self, data: dict[str, Any]) -> dict[str, Any]:
        """Submit, wait for the manager, process."""
        options: dict[str, Any] = {
            "start_to_close_timeout": timedelta(minutes=5),
            "retry_policy": RetryPolicy(maximum_attempts=3),
        }
        self.data = await workflow.execute_activity(submit_request, data, **options)
        self.status = "waiting"
        await workflow.wait_condition(lambda: self.decision is not None)
        assert self.decision is not None
        self.status = "running"
        self.data.update(self.decision.data)
        self.data = await workflow.execute_activity(process_result, self.data, **options)
        self.status = "completed"
        return self.data

    @workflow.update(name="wait_settled")
    async def wait_settled(self) -> dict[str, Any]:
        """Return once the instance waits or has completed."""
        await workflow.wait_condition(lambda: self.status != "running")
        return {"status": self.status, "data": self.data}

    @workflow.update(name="complete")
    async def complete(self, decision: Decision) -> dict[str, Any]:
        """Apply the manager's decision; return once completed."""
        self.check(decision)
        self.decision = decision
        await workflow.wait_condition(lambda: self.status == "completed")
        return {"status": self.status, "data": self.data}

    @complete.validator
    def validate(self, decision: Decision) -> None:
        """Same checks as the generic workflow: waiting, authorized, valid form."""
        self.check(decision)

    def check(self, decision: Decision) -> None:
        """Reject a completion that must not be applied."""
        if self.status != "waiting" or self.decision is not None or decision.step_name != "manager_approval":
            raise ApplicationError("not waiting", type="StepNotWaitingError")
        if "managers" not in decision.groups:
            raise ApplicationError("only members of 'managers' may complete it", type="UnauthorizedTaskError")
        if form_errors(FORM, decision.data):
            raise ApplicationError("invalid form", type="FormValidationError")
