"""Small step classes shared by the unit tests."""

from __future__ import annotations

from litestar_workflows import BaseHumanStep, BaseMachineStep, WorkflowContext


class Mark(BaseMachineStep):
    """Records that it ran by setting ``data[name] = True``."""

    async def execute(self, context: WorkflowContext) -> None:
        context.set(self.name, True)


class Ask(BaseHumanStep):
    """A human step with a tiny form."""

    form_schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
