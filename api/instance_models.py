"""Response bodies of the instance routes: an instance with its history, pending tasks, rejected
inputs and notifier failures; a page of instance summaries (both built from
:class:`~litestar_workflows.WorkflowInstance`)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.paths import instance_path
from api.task_views import TaskView
from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.models import RejectedInput, WorkflowInstance
from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.rules.notifiers import NotifierFailure

__all__ = [
    "InstanceLinks",
    "InstanceList",
    "InstanceSummary",
    "InstanceView",
    "NotifierFailureView",
    "RejectedInputView",
    "StepExecutionView",
]


class StepExecutionView(BaseModel):
    """One entry of an instance's step history.

    Attributes:
        step_name: Step name.
        status: Outcome.
        started_at: Start (for human steps: when it began waiting).
        completed_at: End, once finished.
        result: Return value of a machine step.
        error: Error message if it failed (or why it timed out).
        completed_by: User who completed a human step.
        data: Form data submitted for a human step.
        comment: Comment given with a human decision.
        attempts: Attempts a machine step took.
    """

    step_name: str
    status: StepStatus
    started_at: datetime
    completed_at: datetime | None = None
    result: Any = None
    error: str | None = None
    completed_by: str | None = None
    data: dict[str, Any] | None = None
    comment: str | None = None
    attempts: int = 1

    @classmethod
    def from_record(cls, record: StepExecution) -> StepExecutionView:
        """Build from a history record."""
        return cls(
            step_name=record.step_name,
            status=record.status,
            started_at=record.started_at,
            completed_at=record.completed_at,
            result=record.result,
            error=record.error,
            completed_by=record.completed_by,
            data=record.data,
            comment=record.comment,
            attempts=record.attempts,
        )


class RejectedInputView(BaseModel):
    """A completion sent as a Temporal signal and rejected.

    Attributes:
        step_name: Step it targeted.
        user_id: Who sent it.
        reason: Why it was rejected.
        at: When it arrived.
    """

    step_name: str
    user_id: str | None
    reason: str
    at: datetime

    @classmethod
    def from_record(cls, record: RejectedInput) -> RejectedInputView:
        """Build from the SDK record."""
        return cls(step_name=record.step_name, user_id=record.user_id, reason=record.reason, at=record.at)


class NotifierFailureView(BaseModel):
    """A notifier that failed on the instance's events after its last attempt (the instance went on).

    Attributes:
        notifier: The notifier's name.
        events: The events it failed on, e.g. ``HumanTaskReminder \u00d71`` (a count).
        error: The last attempt's error.
        at: When it was given up.
        attempts: Attempts made (0 when unknown).
    """

    notifier: str
    events: str
    error: str
    at: datetime
    attempts: int = 0

    @classmethod
    def from_record(cls, record: NotifierFailure) -> NotifierFailureView:
        """Build from the SDK record."""
        return cls(**dataclasses.asdict(record))


class InstanceLinks(BaseModel):
    """Links of an instance.

    Attributes:
        self: This instance.
        cancel: Where to cancel it (``POST``); absent once finished.
    """

    self: str
    cancel: str | None = None

    @classmethod
    def of(cls, instance: WorkflowInstance, prefix: str = "") -> InstanceLinks:
        """The links of ``instance`` (a full view or a listing row), prefixed with ``prefix``."""
        path = prefix + instance_path(instance.id)
        return cls(self=path, cancel=None if instance.status.is_finished else path + "/cancel")


def _started_by(instance: WorkflowInstance) -> str | None:
    """Who started ``instance`` (``None`` when unknown)."""
    started_by = instance.context.metadata.get("started_by")
    return None if started_by is None else str(started_by)


class InstanceView(BaseModel):
    """A workflow instance: state, data, step history, pending tasks, error.

    Attributes:
        id: Instance id (contains ``/`` when started with a business key; percent-encode it in URLs).
        workflow_name: Definition name.
        workflow_version: Definition version it runs.
        status: ``running``, ``waiting``, ``completed``, ``failed`` or ``canceled``.
        current_step: First waiting step, else the step most recently started; ``null`` once finished.
        pending_tasks: Human steps waiting for input.
        running_steps: Machine steps in flight.
        data: Instance data.
        history: Step executions, oldest first.
        started_at: Start time.
        completed_at: End time, once finished.
        started_by: User who started it.
        business_key: Caller's business key.
        error: Why it failed or was canceled.
        failed_step: Step whose failure failed it.
        rejected: Completions sent as signals and rejected.
        notifier_failures: Notifiers (event handlers on the worker) that failed on its events after
            their last attempt, the newest 20; the instance went on.
        links: Related URLs (relative to the gateway root).
        revision: The instance revision: send it as ``If-Match`` with a decision or task operation.
        decisions: Decision records of its human steps (who, when, outcome, data and form digests,
            the revision seen), the newest 100.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "expense_approval/expense-2024-0042",
                    "workflow_name": "expense_approval",
                    "workflow_version": "1.0.0",
                    "status": "waiting",
                    "current_step": "manager_approval",
                    "pending_tasks": [],
                    "running_steps": [],
                    "data": {"requester_id": "alice", "amount": 250.0, "submitted": True},
                    "history": [
                        {
                            "step_name": "submit_request",
                            "status": "succeeded",
                            "started_at": "2024-05-01T09:30:00Z",
                            "completed_at": "2024-05-01T09:30:00Z",
                            "attempts": 1,
                        }
                    ],
                    "started_at": "2024-05-01T09:30:00Z",
                    "started_by": "alice",
                    "business_key": "expense-2024-0042",
                    "links": {
                        "self": "/instances/expense_approval%2Fexpense-2024-0042",
                        "cancel": "/instances/expense_approval%2Fexpense-2024-0042/cancel",
                    },
                }
            ]
        }
    )

    id: str
    workflow_name: str
    workflow_version: str
    status: WorkflowStatus
    current_step: str | None
    pending_tasks: list[TaskView]
    running_steps: list[str]
    data: dict[str, Any]
    history: list[StepExecutionView]
    started_at: datetime
    completed_at: datetime | None = None
    started_by: str | None = None
    business_key: str | None = None
    error: str | None = None
    failed_step: str | None = None
    rejected: list[RejectedInputView] = Field(default_factory=list)
    notifier_failures: list[NotifierFailureView] = Field(default_factory=list)
    links: InstanceLinks
    revision: str = ""
    decisions: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def from_instance(cls, instance: WorkflowInstance, *, prefix: str = "") -> InstanceView:
        """Build from an engine's instance view; links are prefixed with ``prefix``."""
        return cls(
            id=instance.id,
            workflow_name=instance.workflow_name,
            workflow_version=instance.workflow_version,
            status=instance.status,
            current_step=instance.current_step,
            pending_tasks=[TaskView.from_task(t, prefix=prefix) for t in instance.pending_tasks],
            running_steps=list(instance.running_steps),
            data=dict(instance.context.data),
            history=[StepExecutionView.from_record(r) for r in instance.context.step_history],
            started_at=instance.started_at,
            completed_at=instance.completed_at,
            started_by=_started_by(instance),
            business_key=instance.business_key,
            error=instance.error,
            failed_step=instance.failed_step,
            rejected=[RejectedInputView.from_record(r) for r in instance.rejected],
            notifier_failures=[NotifierFailureView.from_record(f) for f in instance.notifier_failures],
            links=InstanceLinks.of(instance, prefix),
            revision=instance.revision,
            decisions=[dataclasses.asdict(d) for d in instance.tasks.decisions],
        )


class InstanceSummary(BaseModel):
    """One row of an instance listing: what the listing knows without reading the instance (on
    Temporal, its visibility row). Data, history and tasks: ``GET`` its ``links.self``.

    Attributes:
        id: Instance id (contains ``/`` when started with a business key; percent-encode it in URLs).
        workflow_name: Definition name.
        workflow_version: Definition version it runs.
        status: ``running``, ``waiting``, ``completed``, ``failed`` or ``canceled``.
        pending_steps: Names of the human steps waiting for input.
        started_at: Start time.
        completed_at: End time, once finished.
        started_by: User who started it (``null`` when unknown: instances started on Temporal
            before the starter was recorded for listings).
        business_key: Caller's business key.
        links: ``self``: the instance with data and history; ``cancel`` while it runs.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "expense_approval/expense-2024-0042",
                    "workflow_name": "expense_approval",
                    "workflow_version": "1.0.0",
                    "status": "waiting",
                    "pending_steps": ["manager_approval"],
                    "started_at": "2024-05-01T09:30:00Z",
                    "completed_at": None,
                    "started_by": "alice",
                    "business_key": "expense-2024-0042",
                    "links": {
                        "self": "/instances/expense_approval%2Fexpense-2024-0042",
                        "cancel": "/instances/expense_approval%2Fexpense-2024-0042/cancel",
                    },
                }
            ]
        }
    )

    id: str
    workflow_name: str
    workflow_version: str
    status: WorkflowStatus
    pending_steps: list[str]
    started_at: datetime
    completed_at: datetime | None = None
    started_by: str | None = None
    business_key: str | None = None
    links: InstanceLinks

    @classmethod
    def from_instance(cls, instance: WorkflowInstance, *, prefix: str = "") -> InstanceSummary:
        """Build from a listing row (a summary or a full view: the same fields either way);
        links are prefixed with ``prefix``."""
        return cls(
            id=instance.id,
            workflow_name=instance.workflow_name,
            workflow_version=instance.workflow_version,
            status=instance.status,
            pending_steps=[] if instance.status.is_finished else list(instance.pending_steps),
            started_at=instance.started_at,
            completed_at=instance.completed_at,
            started_by=_started_by(instance),
            business_key=instance.business_key,
            links=InstanceLinks.of(instance, prefix),
        )


class InstanceList(BaseModel):
    """A page of instance summaries, newest first.

    Attributes:
        items: Instances of this page (summaries: follow an item's ``links.self`` for its data and history).
        next_cursor: Pass as ``cursor`` to get the next page; ``null`` on the last page.
    """

    items: list[InstanceSummary]
    next_cursor: str | None = None
