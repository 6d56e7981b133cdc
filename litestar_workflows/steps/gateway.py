"""Gateways: decide where an instance goes next.

``ExclusiveGateway`` runs a function of the context that names the one next step; the function
is user code and runs where machine steps run (an activity on Temporal, with the step's retry
policy). The named step must be the target of one of the gateway's edges; the conditions of those
edges are not evaluated (the function decides). ``ParallelGateway`` runs no code: it fans out to
its ``branches`` (edges to them are added if the definition lacks them) and to every other
outgoing edge whose condition holds; where the branches meet again, the join waits for all of
them (the token rule of :mod:`litestar_workflows.rules.machine`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from litestar_workflows.core.types import StepType
from litestar_workflows.steps.base import BaseMachineStep, BaseStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["ExclusiveGateway", "ParallelGateway"]


class ExclusiveGateway(BaseMachineStep):
    """XOR gateway: ``condition(context)`` returns the name of the one step to take next.

    Args:
        name: Step name.
        condition: ``context -> step name``.
        description: Description.
    """

    step_type: StepType = StepType.GATEWAY

    def __init__(self, name: str, condition: Callable[[WorkflowContext], str], description: str = "") -> None:
        super().__init__(name, description)
        self.step_type = StepType.GATEWAY
        self.condition = condition

    async def execute(self, context: WorkflowContext) -> str:
        """The name of the next step."""
        return self.condition(context)


class ParallelGateway(BaseStep):
    """AND gateway: every branch runs, concurrently.

    Args:
        name: Step name.
        branches: Names of the steps to start.
        description: Description.
    """

    step_type: StepType = StepType.GATEWAY

    def __init__(self, name: str, branches: Sequence[str], description: str = "") -> None:
        super().__init__(name, description)
        self.step_type = StepType.GATEWAY
        self.branches = list(branches)

    async def execute(self, context: WorkflowContext) -> list[str]:
        """The branches (engines start them without calling this)."""
        return list(self.branches)
