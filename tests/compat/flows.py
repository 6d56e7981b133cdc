"""Workflows written the way 0.3.3's documentation writes them: class-based, steps keyed in
``steps={}`` without their own names, edges naming step classes, string conditions."""

from __future__ import annotations

from typing import Any

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    RetryPolicy,
    WorkflowContext,
    WorkflowDefinition,
)


class Validate(BaseMachineStep):
    """No ``name``: the key in ``steps`` names it."""

    description = "Check the amount"

    async def execute(self, context: WorkflowContext) -> dict[str, Any]:
        amount = context.get("amount", 0)
        context.set("valid", amount > 0)
        context.set("large", amount > 1000)
        return {"checked": amount}


class Approve(BaseHumanStep):
    """A human step; its own name differs from its key on purpose."""

    name = "approval_step"
    title = "Approve the request"
    form_schema = {
        "type": "object",
        "properties": {"approved": {"type": "boolean"}},
        "required": ["approved"],
    }


class Finish(BaseMachineStep):
    async def execute(self, context: WorkflowContext) -> None:
        context.set("finished", True)


class Reject(BaseMachineStep):
    async def execute(self, context: WorkflowContext) -> None:
        context.set("rejected", True)


class Explode(BaseMachineStep):
    async def execute(self, context: WorkflowContext) -> None:
        raise RuntimeError("boom")


class ApprovalWorkflow:
    """A 0.3.3-style workflow class."""

    name = "compat_approval"
    version = "1.0.0"
    description = "Validate, approve when large, finish"

    @classmethod
    def get_definition(cls) -> WorkflowDefinition:
        return WorkflowDefinition(
            name=cls.name,
            version=cls.version,
            description=cls.description,
            steps={"validate": Validate(), "approve": Approve(), "finish": Finish(), "reject": Reject()},
            edges=[
                Edge(Validate, Approve, condition="valid and large"),
                Edge(Validate, Finish, condition="valid and not large"),
                Edge(Validate, Reject, condition="not valid"),
                Edge("approve", "finish", condition=lambda ctx: ctx.get("approved") is True),
                Edge("approve", "reject", condition=lambda ctx: ctx.get("approved") is not True),
            ],
            initial_step="validate",
            terminal_steps={"finish", "reject"},
        )


class FailingWorkflow:
    """An instance method ``get_definition`` (the registry makes an instance)."""

    name = "compat_failing"
    version = "1.0.0"
    description = "A step that raises"

    def get_definition(self) -> WorkflowDefinition:
        step = Explode(retry_policy=RetryPolicy(max_attempts=1))
        return WorkflowDefinition(
            name=self.name,
            version=self.version,
            description=self.description,
            steps={"explode": step},
            edges=[],
            initial_step="explode",
            terminal_steps={"explode"},
        )
