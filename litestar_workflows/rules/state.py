"""The serialisable state of one instance: what the rules read and write, and what a Temporal query returns."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

from litestar_workflows.core.context import StepExecution, WorkflowContext
from litestar_workflows.core.types import StepType, WorkflowStatus
from litestar_workflows.rules.notifiers import NotifierFailure
from litestar_workflows.rules.task_records import TaskLedger

if TYPE_CHECKING:
    from litestar_workflows.rules.spec import StepSpec

__all__ = ["InstanceState", "PendingTask", "RejectedInput", "WaitingStep", "clone_data"]


def clone_data(value: Any) -> Any:
    """Deep copy of JSON-like data; much faster than :func:`copy.deepcopy` on dicts and lists."""
    if isinstance(value, dict):
        return {k: clone_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone_data(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return copy.deepcopy(value)


@dataclass(frozen=True)
class PendingTask:
    """A human step that is waiting for input.

    Attributes:
        instance_id: Instance the task belongs to.
        workflow_name: Definition name.
        workflow_version: Definition version.
        step_name: The waiting step.
        title: Task title.
        description: Task description.
        form_schema: JSON Schema the submitted data must satisfy.
        assignee: User the task is assigned to (fixed, or taken from the context).
        candidate_groups: Groups whose members may complete it.
        since: When the step began waiting.
        deadline_at: When the deadline passes, if the step has one.
        on_deadline: Step taken when the deadline passes.
        claimed_by: Who claimed it (:mod:`~litestar_workflows.rules.tasks`): only they may complete it.
        escalation_level: Escalation levels it reached.
    """

    instance_id: str
    workflow_name: str
    workflow_version: str
    step_name: str
    title: str
    description: str
    form_schema: dict[str, Any] | None
    assignee: str | None
    candidate_groups: tuple[str, ...]
    since: datetime
    deadline_at: datetime | None = None
    on_deadline: str | None = None
    claimed_by: str | None = None
    escalation_level: int = 0

    @classmethod
    def opened(
        cls,
        step: StepSpec,
        instance_id: str,
        workflow_name: str,
        workflow_version: str,
        *,
        assignee: str | None,
        candidate_groups: tuple[str, ...],
        since: datetime,
        **more: Any,
    ) -> Self:
        """The task of ``step`` offered since ``since``: its title, form and deadline come from the
        step (the interpreter opening it and a listing rebuilding it from visibility alike);
        ``more`` sets the other fields (a claim, an escalation level, a subclass's own)."""
        return cls(
            instance_id=instance_id,
            workflow_name=workflow_name,
            workflow_version=workflow_version,
            step_name=step.name,
            title=step.title or step.name,
            description=step.description,
            form_schema=step.form_schema,
            assignee=assignee,
            candidate_groups=candidate_groups,
            since=since,
            deadline_at=since + timedelta(seconds=step.deadline_seconds) if step.deadline_seconds else None,
            on_deadline=step.on_deadline,
            **more,
        )

    @property
    def is_unassigned(self) -> bool:
        """Whether any user may complete the task."""
        return self.assignee is None and not self.candidate_groups


@dataclass(frozen=True)
class WaitingStep:
    """A timer or webhook step that is waiting (for its time, or for an external system's callback).

    Attributes:
        step_name: The waiting step.
        kind: ``timer`` or ``webhook``.
        since: When it began waiting.
        until: A timer's end (it keeps counting while the instance is paused).
        callback_key: A webhook's data key for the delivered payload.
    """

    step_name: str
    kind: StepType
    since: datetime
    until: datetime | None = None
    callback_key: str | None = None


@dataclass(frozen=True)
class RejectedInput:
    """A completion received as a signal and rejected (signals cannot return errors).

    Attributes:
        step_name: Step the signal targeted.
        user_id: Who sent it.
        reason: Why it was rejected.
        at: When it was received.
    """

    step_name: str
    user_id: str | None
    reason: str
    at: datetime


@dataclass
class InstanceState:
    """Complete, serialisable state of one instance (the Temporal query result).

    Attributes:
        instance_id: Instance id.
        workflow_name: Definition name.
        workflow_version: Definition version the instance runs.
        started_at: Start time.
        status: Current status.
        data: Instance data.
        business_key: Caller-supplied business key.
        started_by: User who started the instance.
        completed_at: End time, once finished.
        error: Why the instance failed or was canceled.
        failed_step: Step whose failure failed the instance.
        user_id: User who completed the latest human step.
        current_step: Step most recently started.
        history: Step executions, oldest first.
        running: Machine steps in flight.
        pending: Human steps waiting for input.
        arrivals: Tokens waiting at a join, per step.
        rejected: Completions received by signal and rejected (the newest, bounded).
        history_dropped: How many of the oldest step executions were dropped from ``history``
            to keep the state bounded (:func:`litestar_workflows.rules.budgets.remember`);
            Temporal's history of each run keeps them all.
        started_by_groups: The starter's groups, from their token.
        participants: Everyone a task was ever offered to, as ``user:``/``group:``/``anyone``
            entries (see :mod:`~litestar_workflows.rules.access`).
        waiting: Timer and webhook steps that are waiting.
        paused_at: When the instance was paused (``None`` unless paused).
        paused_by: Who paused it.
        webhook_secret: The instance's webhook callback secret (instances of graphs with a webhook
            step); step code reads it as ``context.metadata["webhook_secret"]``.
        completion_keys: Idempotency keys of completions (hashed with the user) and the digest
            of the request each was first used with (the newest, bounded).
        tasks: Claims, hand-overs, votes, decision records and comments of the human tasks
            (:mod:`~litestar_workflows.rules.tasks`).
        notifier_failures: Notifiers that failed on events after their last attempt (the newest
            20; :mod:`~litestar_workflows.rules.notifiers`); the instance went on.
    """

    instance_id: str
    workflow_name: str
    workflow_version: str
    started_at: datetime
    status: WorkflowStatus = WorkflowStatus.RUNNING
    data: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    started_by: str | None = None
    completed_at: datetime | None = None
    error: str | None = None
    failed_step: str | None = None
    user_id: str | None = None
    current_step: str | None = None
    history: list[StepExecution] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    pending: list[PendingTask] = field(default_factory=list)
    arrivals: dict[str, int] = field(default_factory=dict)
    rejected: list[RejectedInput] = field(default_factory=list)
    history_dropped: int = 0
    started_by_groups: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    completion_keys: dict[str, str] = field(default_factory=dict)
    waiting: list[WaitingStep] = field(default_factory=list)
    paused_at: datetime | None = None
    paused_by: str | None = None
    webhook_secret: str | None = None
    tasks: TaskLedger = field(default_factory=TaskLedger)
    notifier_failures: list[NotifierFailure] = field(default_factory=list)

    @property
    def pending_steps(self) -> list[str]:
        """Names of the waiting human steps."""
        return [t.step_name for t in self.pending]

    def task(self, step_name: str) -> PendingTask | None:
        """The pending task of ``step_name``, if it is waiting."""
        return next((t for t in self.pending if t.step_name == step_name), None)

    def metadata(self) -> dict[str, Any]:
        """Facts about the instance exposed to steps as ``context.metadata``."""
        return {
            "workflow_name": self.workflow_name,
            "workflow_version": self.workflow_version,
            "business_key": self.business_key,
            "started_by": self.started_by,
            "started_by_groups": list(self.started_by_groups),
            **({"webhook_secret": self.webhook_secret} if self.webhook_secret else {}),
        }

    def context(self, step_name: str | None = None) -> WorkflowContext:
        """A :class:`WorkflowContext` over a copy of this state's data (history records are shared, read-only)."""
        return WorkflowContext(
            instance_id=self.instance_id,
            data=clone_data(self.data),
            current_step=step_name if step_name is not None else self.current_step,
            step_history=list(self.history),
            user_id=self.user_id,
            metadata=self.metadata(),
            started_at=self.started_at,
        )
