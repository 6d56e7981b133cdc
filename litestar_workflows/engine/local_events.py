"""The in-process engine's events: what each transition of an instance tells the event bus.

Which events a transition produces, and in which order, is decided in one place for both
engines: :func:`litestar_workflows.rules.lifecycle_events.events_since`, a diff of the state
before and after. :class:`LocalExecutionEngine` calls :meth:`EventRecorder.publish` right after
each of its transitions (one line each); the recorder keeps each instance's last snapshot, derives
the events, adds the few facts the state does not hold (who canceled, a failed step's exception
type, the data a machine step set) and queues them, synchronously.

The engine calls :meth:`flush` once the operation has released the instance's lock, so a handler
may call the engine again (complete a task, cancel) without deadlocking, and a handler runs after
the transition it hears about is visible in ``get_instance``. Data in an event is a copy: a
handler cannot change the instance through it.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from litestar_workflows.core.events import StepCompleted, StepFailed, WorkflowCanceled, WorkflowEvent
from litestar_workflows.core.types import StepType
from litestar_workflows.engine.events import EventBus
from litestar_workflows.rules.lifecycle_events import Snapshot, events_since, snapshot
from litestar_workflows.rules.machine import StepOutcome
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, clone_data

__all__ = ["EventRecorder"]


def _now() -> datetime:
    return datetime.now(UTC)


class EventRecorder:
    """Derives each transition's events from the state and delivers them on ``bus``.

    Args:
        bus: The bus; events are derived only while it has a subscriber (the snapshots are kept
            regardless, so a handler subscribed later hears only what happens after).
        on_failure: Told ``(event, notifier, error)`` of each handler that raised (the engine
            records it on the instance, :mod:`litestar_workflows.rules.notifiers`); the others ran.
    """

    def __init__(self, bus: EventBus, on_failure: Callable[[WorkflowEvent, str, str], None] | None = None) -> None:
        self.bus = bus
        self._on_failure = on_failure
        self._queue: deque[WorkflowEvent] = deque()
        self._seen: dict[str, Snapshot] = {}

    def publish(
        self,
        graph: GraphSpec,
        state: InstanceState,
        *,
        step: tuple[str, StepOutcome] | None = None,
        canceled_by: str | None = None,
    ) -> None:
        """Queue the events of what changed in ``state`` since the last call for this instance.

        The first call for an instance (right after it was created) publishes its start.

        Args:
            graph: The instance's graph.
            state: The instance's state after the transition.
            step: The step whose outcome this transition recorded, with the outcome (for the
                exception type of a failure and the data a machine step set).
            canceled_by: Who canceled the instance, when this transition canceled it.
        """
        before = self._seen.get(state.instance_id)
        self._seen[state.instance_id] = snapshot(state)
        if not self.bus.has_subscribers:
            return
        for event in events_since(graph, before, state, _now(), with_data=True):
            self._queue.append(_with_facts(graph, event, step, canceled_by))

    async def flush(self) -> None:
        """Deliver the queued events, oldest first (call without holding an instance lock)."""
        while self._queue:
            event = self._queue.popleft()
            for notifier, error in await self.bus.publish(event):
                if self._on_failure is not None:
                    self._on_failure(event, notifier, error)


def _with_facts(
    graph: GraphSpec, event: WorkflowEvent, step: tuple[str, StepOutcome] | None, canceled_by: str | None
) -> WorkflowEvent:
    """``event`` with what only the engine's call knows (the state does not record it)."""
    if isinstance(event, WorkflowCanceled) and canceled_by is not None:
        return dataclasses.replace(event, canceled_by=canceled_by)
    if step is None or getattr(event, "step_name", None) != step[0]:
        return event
    outcome = step[1]
    if isinstance(event, StepFailed):
        return dataclasses.replace(event, error_type=outcome.error_type)
    if isinstance(event, StepCompleted) and graph.has_step(step[0]) and graph.step(step[0]).kind != StepType.HUMAN:
        return dataclasses.replace(event, output_data=clone_data(dict(outcome.changes.set)) or None)
    return event
