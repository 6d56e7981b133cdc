"""Step groups: compose steps into a sequence, a parallel block or a choice.

A group placed in a definition's ``steps`` under a key is expanded into the graph when the
definition is built (:func:`litestar_workflows.steps.kinds.expand_step_kinds`), so both engines
run its members as ordinary steps (durably on Temporal, each with its own retries, Web UI entry
and history record):

* ``SequentialGroup(a, b, c)``: ``key -> a -> b -> c``; edges leaving ``key`` leave from ``c``.
* ``ParallelGroup(a, b, callback=c)``: ``key`` fans out to ``a`` and ``b``; both join at ``c``
  (or, without a callback, at a step named ``<key>.join``) before the edges leaving ``key``.
* ``ConditionalGroup(condition, {"x": a, "y": b})``: ``key`` is an exclusive gateway running
  ``condition(context)`` (user code, an activity on Temporal); the branch under the returned key
  runs, then ``<key>.join``; an unknown key runs no branch.

``key`` itself is the group's entry step (a gateway that runs no code unless the group is
conditional). A nested group's members are named ``<key>.<position>`` (``<key>.<branch>`` in a
conditional group) unless they are steps with a name of their own. Results pass between members
through ``context.data`` (0.3.3 passed the previous step's return value as an argument; our
steps take only the context).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from litestar_workflows.core.types import StepType
from litestar_workflows.steps.base import BaseStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["ConditionalGroup", "GroupMember", "ParallelGroup", "SequentialGroup", "StepGroup"]


class _StepRunner(Protocol):
    async def execute_step(self, step: BaseStep, context: WorkflowContext, previous_result: Any = None) -> Any: ...


GroupMember = BaseStep
"""A member of a group: a step, or another group (groups are steps too)."""


class StepGroup(BaseStep):
    """Base of the groups; a group is a step of kind ``gateway`` until it is expanded."""

    step_type: StepType = StepType.GATEWAY

    async def execute(self, context: WorkflowContext, engine: _StepRunner | None = None) -> Any:
        """Run the group directly with ``engine.execute_step`` (outside a definition, as in 0.3.3)."""
        raise NotImplementedError


async def _run(member: BaseStep, context: WorkflowContext, engine: _StepRunner | None, previous: Any = None) -> Any:
    if isinstance(member, StepGroup):
        return await member.execute(context, engine)
    if engine is None:
        return await member.execute(context)
    return await engine.execute_step(member, context, previous_result=previous)


class SequentialGroup(StepGroup):
    """Run ``steps`` one after the other."""

    def __init__(self, *steps: BaseStep, name: str | None = None) -> None:
        super().__init__(name)
        self.steps: tuple[BaseStep, ...] = steps

    async def execute(self, context: WorkflowContext, engine: _StepRunner | None = None) -> Any:
        """Run the members in order; the last one's result."""
        result: Any = None
        for member in self.steps:
            result = await _run(member, context, engine, result)
        return result


class ParallelGroup(StepGroup):
    """Run ``steps`` concurrently; they join before ``callback`` (if any) and what follows."""

    def __init__(self, *steps: BaseStep, callback: BaseStep | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.steps: tuple[BaseStep, ...] = steps
        self.callback = callback

    async def execute(self, context: WorkflowContext, engine: _StepRunner | None = None) -> Any:
        """Run the members concurrently; their results, or the callback's."""
        results = await asyncio.gather(*(_run(m, context, engine) for m in self.steps))
        if self.callback is not None:
            return await _run(self.callback, context, engine, list(results))
        return list(results)


class ConditionalGroup(StepGroup):
    """Run the branch whose key ``condition(context)`` returns (none for an unknown key)."""

    def __init__(
        self,
        condition: Callable[[WorkflowContext], str],
        branches: Mapping[str, BaseStep],
        *,
        name: str | None = None,
    ) -> None:
        super().__init__(name)
        self.condition = condition
        self.branches: dict[str, BaseStep] = dict(branches)

    async def execute(self, context: WorkflowContext, engine: _StepRunner | None = None) -> Any:
        """The chosen branch's result (``None`` for an unknown key)."""
        branch = self.branches.get(self.condition(context))
        return None if branch is None else await _run(branch, context, engine)
