"""Definitions of the gateway tests, importable by name (``WORKFLOWS_DEFINITIONS=tests.api.defs:slow``)."""

from __future__ import annotations

import asyncio

from examples.expense_approval import registry as expense_registry
from litestar_workflows import BaseMachineStep, Edge, WorkflowContext, WorkflowDefinition
from litestar_workflows.engine.registry import WorkflowRegistry

__all__ = ["SlowStep", "slow", "slow_registry"]


class SlowStep(BaseMachineStep):
    """Takes ``delay`` seconds (from the instance data)."""

    name = "slow"

    async def execute(self, context: WorkflowContext) -> None:
        """Sleep, then mark the data."""
        await asyncio.sleep(float(context.get("delay", 0.5)))
        context.set("slept", True)


def slow_registry() -> WorkflowRegistry:
    """The expense example plus a definition whose only step is slow."""
    reg = WorkflowRegistry()
    for definition in expense_registry.list_definitions():
        reg.register_definition(definition)
    reg.register_definition(
        WorkflowDefinition(
            name="slow",
            version="1.0.0",
            steps={"slow": SlowStep(), "done": _Done()},
            edges=[Edge("slow", "done")],
            initial_step="slow",
            terminal_steps={"done"},
        )
    )
    return reg


class _Done(BaseMachineStep):
    name = "done"

    async def execute(self, context: WorkflowContext) -> None:
        context.set("done", True)


slow = slow_registry()
"""The expense example plus ``slow``, whose machine step sleeps ``delay`` seconds."""
