"""Definitions of the reliability tests (issue 10): a step whose output is over budget, a form
with a catastrophic-backtracking pattern, a condition that would take minutes unbounded."""

from __future__ import annotations

from typing import Any

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = ["REDOS_PATTERN", "build_registry"]

REDOS_PATTERN = r"^(\w+\s?)*$"
"""Backtracks exponentially in Python's ``re`` on ``"a" * 26 + "!"``."""


class Bloat(BaseMachineStep):
    """Returns 300 KB of data: over the default step output budget (256 KiB)."""

    name = "bloat"

    async def execute(self, context: WorkflowContext) -> None:
        """Write the oversized value."""
        context.set("blob", "x" * 300_000)


class Named(BaseHumanStep):
    """A form whose only field has a ReDoS-prone pattern."""

    name = "named"
    title = "Name it"
    form_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"name": {"type": "string", "pattern": REDOS_PATTERN}},
        "required": ["name"],
    }


class Start(BaseMachineStep):
    """Does nothing; the conditions after it decide."""

    name = "start"

    async def execute(self, context: WorkflowContext) -> None:
        """Nothing to do."""


class Done(BaseMachineStep):
    """Terminal step."""

    name = "done"

    async def execute(self, context: WorkflowContext) -> None:
        """Nothing to do."""


def build_registry() -> WorkflowRegistry:
    """The three definitions of this module."""
    registry = WorkflowRegistry()
    registry.register_definition(
        WorkflowDefinition(
            name="bloated", version="1.0.0", initial_step="bloat", steps={"bloat": Bloat(), "done": Done()},
            edges=[Edge("bloat", "done")], terminal_steps={"done"},
        )
    )  # fmt: skip
    registry.register_definition(
        WorkflowDefinition(
            name="patterned", version="1.0.0", initial_step="named", steps={"named": Named(), "done": Done()},
            edges=[Edge("named", "done")], terminal_steps={"done"},
        )
    )  # fmt: skip
    registry.register_definition(
        WorkflowDefinition(
            name="expensive_condition", version="1.0.0", initial_step="start",
            steps={"start": Start(), "done": Done()},
            edges=[Edge("start", "done", condition="10**4000000*10**4000000 > 0")], terminal_steps={"done"},
        )
    )  # fmt: skip
    return registry
