"""The in-process engine's events: what each transition of an instance tells the event bus.

:class:`LocalExecutionEngine` calls the recording methods at its transition points (one line
each); they only build the event and queue it, synchronously. The engine calls :meth:`flush`
once the operation has released the instance's lock, so a handler may call the engine again
(complete a task, cancel) without deadlocking, and a handler runs after the transition it
hears about is visible in ``get_instance``. Data in an event is a copy: a handler cannot
change the instance through it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from litestar_workflows.core.events import (
    HumanTaskCompleted,
    HumanTaskCreated,
    StepCompleted,
    StepFailed,
    StepSkipped,
    StepStarted,
    WorkflowCanceled,
    WorkflowCompleted,
    WorkflowEvent,
    WorkflowFailed,
    WorkflowStarted,
    task_id,
)
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.engine.events import EventBus
from litestar_workflows.rules.machine import Activation, StepOutcome
from litestar_workflows.rules.state import InstanceState, clone_data

__all__ = ["EventRecorder"]


def _now() -> datetime:
    return datetime.now(UTC)


def _duration(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else max(0.0, (end - start).total_seconds())


class EventRecorder:
    """Builds events from an instance's state and delivers them on ``bus``.

    Args:
        bus: The bus; nothing is built while it has no subscriber.
    """

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._queue: deque[WorkflowEvent] = deque()
        self._ended: set[str] = set()

    def _emit(self, event: WorkflowEvent) -> None:
        self._queue.append(event)

    @property
    def _on(self) -> bool:
        return self.bus.has_subscribers

    def started(self, state: InstanceState, initial_data: Mapping[str, Any]) -> None:
        """An instance was created."""
        if self._on:
            self._emit(
                WorkflowStarted(
                    instance_id=state.instance_id,
                    timestamp=state.started_at,
                    workflow_name=state.workflow_name,
                    workflow_version=state.workflow_version,
                    initial_data=clone_data(dict(initial_data)),
                    user_id=state.started_by,
                )
            )

    def activated(self, state: InstanceState, act: Activation) -> None:
        """A step became active: a machine step is about to run, a human task opened, ..."""
        if not self._on or act.needs_guard:
            return
        now = _now()
        self._emit(
            StepStarted(
                instance_id=state.instance_id,
                timestamp=now,
                step_name=act.step_name,
                step_type=act.kind.value,
                input_data=clone_data(state.data) if act.kind == StepType.MACHINE else None,
            )
        )
        task = state.task(act.step_name) if act.kind == StepType.HUMAN else None
        if task is not None:
            self._emit(
                HumanTaskCreated(
                    instance_id=state.instance_id,
                    timestamp=now,
                    step_name=act.step_name,
                    task_id=task_id(state.instance_id, act.step_name),
                    assignee=task.assignee or (",".join(task.candidate_groups) or None),
                    title=task.title,
                    description=task.description,
                    due_at=task.deadline_at,
                )
            )

    def outcome(self, state: InstanceState, act: Activation, outcome: StepOutcome) -> None:
        """A machine step (or a guard) finished."""
        if not self._on:
            return
        now = _now()
        common: dict[str, Any] = {"instance_id": state.instance_id, "timestamp": now, "step_name": act.step_name}
        if outcome.status == StepStatus.SKIPPED:
            self._emit(StepSkipped(**common, reason="can_execute returned False"))
        elif outcome.status == StepStatus.FAILED:
            self._emit(
                StepFailed(
                    **common,
                    error=outcome.error or "",
                    error_type=outcome.error_type,
                    retry_count=max(0, outcome.attempts - 1),
                )
            )
        elif not act.needs_guard:
            self._emit(
                StepCompleted(
                    **common,
                    status=outcome.status.value,
                    result=clone_data(outcome.result),
                    output_data=clone_data(dict(outcome.changes.set)) or None,
                    duration_seconds=_duration(outcome.started_at, now),
                )
            )

    def task_completed(
        self, state: InstanceState, step_name: str, user_id: str, data: Mapping[str, Any], comment: str | None
    ) -> None:
        """A human task was completed (and its step with it)."""
        if not self._on:
            return
        now = _now()
        self._emit(
            HumanTaskCompleted(
                instance_id=state.instance_id,
                timestamp=now,
                step_name=step_name,
                task_id=task_id(state.instance_id, step_name),
                completed_by=user_id,
                form_data=clone_data(dict(data)),
                comment=comment,
            )
        )
        self._emit(
            StepCompleted(
                instance_id=state.instance_id,
                timestamp=now,
                step_name=step_name,
                status=StepStatus.SUCCEEDED.value,
                output_data=clone_data(dict(data)),
            )
        )

    def settled(self, state: InstanceState, *, canceled_by: str | None = None) -> None:
        """The instance settled; if it has just finished, say how (once per instance)."""
        if not state.status.is_finished or state.instance_id in self._ended:
            return
        self._ended.add(state.instance_id)
        if not self._on:
            return
        now = state.completed_at or _now()
        base: dict[str, Any] = {"instance_id": state.instance_id, "timestamp": now}
        if state.status == WorkflowStatus.COMPLETED:
            last = next((h.step_name for h in reversed(state.history)), None)
            self._emit(
                WorkflowCompleted(
                    **base,
                    status=state.status.value,
                    final_step=last,
                    duration_seconds=_duration(state.started_at, now),
                )
            )
        elif state.status == WorkflowStatus.FAILED:
            self._emit(WorkflowFailed(**base, error=state.error or "", failed_step=state.failed_step))
        else:
            self._emit(
                WorkflowCanceled(
                    **base, reason=state.error or "", canceled_by=canceled_by, current_step=state.current_step
                )
            )

    def emit(self, event: WorkflowEvent) -> None:
        """Queue an event built elsewhere (pause/resume, reassignment)."""
        if self._on:
            self._emit(event)

    async def flush(self) -> None:
        """Deliver the queued events, oldest first (call without holding an instance lock)."""
        while self._queue:
            await self.bus.publish(self._queue.popleft())
