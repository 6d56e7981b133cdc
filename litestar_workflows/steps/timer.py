"""Timer steps: wait a fixed or computed time, then go on.

On Temporal the wait is a durable timer of the instance (it survives restarts and shows in the
Web UI with a summary); in-process it is an asyncio timer. A duration computed from the context
is user code, so it runs where machine steps run (an activity on Temporal), never inside the
workflow; the wait itself then runs like a fixed one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from litestar_workflows.core.types import StepType
from litestar_workflows.steps.base import BaseMachineStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["TimerStep"]

Duration = timedelta | Callable[["WorkflowContext"], timedelta]
"""A fixed duration, or a function of the context returning one."""


class TimerStep(BaseMachineStep):
    """Wait ``duration`` (fixed, or computed from the context), then follow the outgoing edges.

    The instance is ``waiting`` meanwhile; pausing it does not stop the timer (the steps after
    it start once it is resumed).

    Args:
        name: Step name.
        duration: A ``timedelta``, or ``context -> timedelta``.
        description: Description (part of the timer's summary in the Temporal Web UI).
    """

    step_type: StepType = StepType.TIMER

    def __init__(self, name: str, duration: Duration, description: str = "") -> None:
        super().__init__(name, description)
        self.step_type = StepType.TIMER
        self._duration = duration

    @property
    def fixed_duration(self) -> timedelta | None:
        """The duration when it is fixed; ``None`` when it is computed from the context."""
        return self._duration if isinstance(self._duration, timedelta) else None

    def get_duration(self, context: WorkflowContext) -> timedelta:
        """The time to wait for ``context``."""
        if isinstance(self._duration, timedelta):
            return self._duration
        duration = self._duration(context)
        if not isinstance(duration, timedelta):
            raise TypeError(f"timer {self.name!r}: the duration function returned {duration!r}, not a timedelta")
        return duration

    async def execute(self, context: WorkflowContext) -> None:
        """Wait in this task (for direct calls; engines schedule the wait themselves)."""
        await asyncio.sleep(self.get_duration(context).total_seconds())
