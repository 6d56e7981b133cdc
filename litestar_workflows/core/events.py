"""What happens to an instance, as data: the published lifecycle events.

Both engines describe each transition of an instance (started, a step started/completed/failed/
skipped, a human task opened/completed, the instance completed/failed/canceled/paused/resumed)
with one of these dataclasses and hand it to an :class:`~litestar_workflows.engine.events.EventBus`.

They are plain data so they can cross a process boundary unchanged: every field is a string,
number, boolean, ``None``, a JSON-compatible dict or a ``datetime``; :meth:`WorkflowEvent.to_dict`
gives a JSON-safe dict (timestamps in ISO 8601) tagged with the event's ``kind``, and
:func:`event_from_dict` reads it back. The field names are the published package's.

Ids are strings here: our instance ids are readable strings (``expense_approval/inv-42``), not
UUIDs. A UUID given for ``instance_id`` or ``task_id`` (as 0.3.3 code does) is stored as its string.
A task's id is :func:`task_id`: ``<instance id>/<step name>`` (a task is one step of one instance).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

__all__ = [
    "EVENT_TYPES",
    "HumanTaskCompleted",
    "HumanTaskCreated",
    "HumanTaskReassigned",
    "HumanTaskReminder",
    "HumanTaskSentBack",
    "StepCompleted",
    "StepFailed",
    "StepSkipped",
    "StepStarted",
    "WorkflowCanceled",
    "WorkflowCompleted",
    "WorkflowEvent",
    "WorkflowFailed",
    "WorkflowPaused",
    "WorkflowResumed",
    "WorkflowStarted",
    "event_from_dict",
    "task_id",
]


def task_id(instance_id: str, step_name: str) -> str:
    """The id of the human task of ``step_name`` in ``instance_id`` (step names hold no ``/``)."""
    return f"{instance_id}/{step_name}"


@dataclass
class WorkflowEvent:
    """Base of every event; subscribe a handler to it to receive all of them.

    Attributes:
        instance_id: The instance the event is about.
        timestamp: When it happened (UTC).
        kind: Stable dotted name of the event type (``"workflow.started"``), a class attribute.
    """

    kind: ClassVar[str] = "workflow.event"

    instance_id: str
    timestamp: datetime

    def __post_init__(self) -> None:
        # 0.3.3 code passes uuid4() ids; ours are strings, and strings are what crosses the wire.
        if isinstance(self.instance_id, UUID):
            self.instance_id = str(self.instance_id)
        task = getattr(self, "task_id", None)
        if isinstance(task, UUID):
            object.__setattr__(self, "task_id", str(task))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of the event: its fields, datetimes in ISO 8601, and ``kind``."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass
class WorkflowStarted(WorkflowEvent):
    """An instance started. ``initial_data`` is the data it started with."""

    kind: ClassVar[str] = "workflow.started"

    workflow_name: str
    workflow_version: str
    initial_data: dict[str, Any] | None = None
    user_id: str | None = None
    tenant_id: str | None = None


@dataclass
class WorkflowCompleted(WorkflowEvent):
    """An instance reached a terminal step. ``status`` is the final status's value."""

    kind: ClassVar[str] = "workflow.completed"

    status: str
    final_step: str | None = None
    duration_seconds: float | None = None


@dataclass
class WorkflowFailed(WorkflowEvent):
    """An instance failed (a step failed after its retries, or no edge could be taken)."""

    kind: ClassVar[str] = "workflow.failed"

    error: str
    failed_step: str | None = None
    error_type: str | None = None
    stack_trace: str | None = None


@dataclass
class WorkflowCanceled(WorkflowEvent):
    """An instance was canceled."""

    kind: ClassVar[str] = "workflow.canceled"

    reason: str
    canceled_by: str | None = None
    current_step: str | None = None


@dataclass
class WorkflowPaused(WorkflowEvent):
    """An instance was paused: it starts no new step until resumed."""

    kind: ClassVar[str] = "workflow.paused"

    reason: str | None = None
    paused_at_step: str | None = None


@dataclass
class WorkflowResumed(WorkflowEvent):
    """A paused instance was resumed."""

    kind: ClassVar[str] = "workflow.resumed"

    resumed_by: str | None = None
    resuming_at_step: str | None = None


@dataclass
class StepStarted(WorkflowEvent):
    """A step began: a machine step's execution, or a human step's wait."""

    kind: ClassVar[str] = "step.started"

    step_name: str
    step_type: str
    input_data: dict[str, Any] | None = None


@dataclass
class StepCompleted(WorkflowEvent):
    """A step finished successfully. ``status`` is the step status's value."""

    kind: ClassVar[str] = "step.completed"

    step_name: str
    status: str
    result: Any = None
    output_data: dict[str, Any] | None = None
    duration_seconds: float | None = None


@dataclass
class StepFailed(WorkflowEvent):
    """A step failed after its retries (``retry_count`` = attempts - 1)."""

    kind: ClassVar[str] = "step.failed"

    step_name: str
    error: str
    error_type: str | None = None
    retry_count: int = 0


@dataclass
class StepSkipped(WorkflowEvent):
    """A step was skipped (its ``can_execute`` returned ``False``)."""

    kind: ClassVar[str] = "step.skipped"

    step_name: str
    reason: str | None = None


@dataclass
class HumanTaskCreated(WorkflowEvent):
    """A human step began waiting. ``assignee`` is the user, else the candidate groups joined by ``,``."""

    kind: ClassVar[str] = "task.created"

    step_name: str
    task_id: str
    assignee: str | None = None
    title: str | None = None
    description: str | None = None
    due_at: datetime | None = None


@dataclass
class HumanTaskCompleted(WorkflowEvent):
    """A human task was completed with ``form_data`` by ``completed_by``."""

    kind: ClassVar[str] = "task.completed"

    step_name: str
    task_id: str
    completed_by: str
    form_data: dict[str, Any] | None = None
    comment: str | None = None


@dataclass
class HumanTaskReassigned(WorkflowEvent):
    """A human task changed hands."""

    kind: ClassVar[str] = "task.reassigned"

    step_name: str
    task_id: str
    from_assignee: str | None = None
    to_assignee: str | None = None
    reassigned_by: str | None = None
    reason: str | None = None


@dataclass
class HumanTaskReminder(WorkflowEvent):
    """A waiting human task is due a reminder (for notifiers: e-mail, chat). ``number`` counts
    from 1; ``assignee`` is the holder, else the candidate groups joined by ``,``."""

    kind: ClassVar[str] = "task.reminder"

    step_name: str
    task_id: str
    number: int = 1
    assignee: str | None = None
    escalation_level: int = 0


@dataclass
class HumanTaskSentBack(WorkflowEvent):
    """A human task was sent back along its step's send-back edges by ``sent_back_by`` with
    ``comment``; ``sent_to`` names the steps it went to (joined by ``,``). The task is closed:
    ``task.completed`` (and ``step.completed``) come before it, as for every closed task."""

    kind: ClassVar[str] = "task.sent_back"

    step_name: str
    task_id: str
    sent_back_by: str
    comment: str | None = None
    sent_to: str | None = None


EVENT_TYPES: dict[str, type[WorkflowEvent]] = {
    cls.kind: cls
    for cls in (
        WorkflowStarted,
        WorkflowCompleted,
        WorkflowFailed,
        WorkflowCanceled,
        WorkflowPaused,
        WorkflowResumed,
        StepStarted,
        StepCompleted,
        StepFailed,
        StepSkipped,
        HumanTaskCreated,
        HumanTaskCompleted,
        HumanTaskReassigned,
        HumanTaskReminder,
        HumanTaskSentBack,
    )
}
"""Every concrete event type by its ``kind``."""

_DATETIME_FIELDS = {"timestamp", "due_at"}


def event_from_dict(payload: dict[str, Any]) -> WorkflowEvent:
    """Rebuild an event from :meth:`WorkflowEvent.to_dict`'s output.

    Raises:
        ValueError: Unknown ``kind``.
    """
    cls = EVENT_TYPES.get(str(payload.get("kind")))
    if cls is None:
        raise ValueError(f"unknown event kind {payload.get('kind')!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {
        k: datetime.fromisoformat(v) if k in _DATETIME_FIELDS and isinstance(v, str) else v
        for k, v in payload.items()
        if k in names
    }
    return cls(**values)
