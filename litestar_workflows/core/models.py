"""The views engines hand to users: a :class:`WorkflowInstance` refreshed in place by engine calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.rules.notifiers import NotifierFailure
from litestar_workflows.rules.state import InstanceState, PendingTask, RejectedInput
from litestar_workflows.rules.task_records import TaskLedger
from litestar_workflows.rules.tasks import revision

__all__ = ["PendingTask", "RejectedInput", "WorkflowInstance", "WorkflowInstanceData"]


@dataclass
class WorkflowInstance:
    """What engines return: a view of an instance, refreshed in place by engine calls.

    Attributes:
        id: Instance id.
        workflow_name: Definition name.
        workflow_version: Definition version.
        status: Current status.
        context: Data, step history and metadata.
        current_step: First waiting step, else the step most recently started; ``None`` once finished.
        pending_steps: Names of the waiting human steps.
        pending_tasks: The waiting human tasks.
        running_steps: Machine steps in flight.
        started_at: Start time.
        completed_at: End time, once finished.
        error: Why it failed or was canceled.
        failed_step: Step whose failure failed the instance.
        business_key: Caller-supplied business key.
        rejected: Completions received by signal and rejected.
        revision: The instance's revision (:func:`litestar_workflows.rules.tasks.revision`): the
            ETag a decision can be made on (``expected_revision`` / ``If-Match``).
        tasks: Claims, hand-overs, escalation levels, decision records and comments of its tasks.
        notifier_failures: Notifiers that failed on its events after their last attempt (the
            instance went on; :mod:`~litestar_workflows.rules.notifiers`).
    """

    id: str
    workflow_name: str
    workflow_version: str
    status: WorkflowStatus
    context: WorkflowContext
    current_step: str | None
    pending_steps: list[str]
    pending_tasks: list[PendingTask]
    running_steps: list[str]
    started_at: datetime
    completed_at: datetime | None = None
    error: str | None = None
    failed_step: str | None = None
    business_key: str | None = None
    rejected: list[RejectedInput] = field(default_factory=list)
    revision: str = ""
    tasks: TaskLedger = field(default_factory=TaskLedger)
    notifier_failures: list[NotifierFailure] = field(default_factory=list)

    @property
    def workflow_id(self) -> str:
        """0.3.3's ``workflow_id``: here the definition's name (what ``context.workflow_id`` holds)."""
        return self.workflow_name

    @classmethod
    def from_state(cls, state: InstanceState) -> WorkflowInstance:
        """Build a view of ``state``."""
        view = cls(
            id=state.instance_id,
            workflow_name=state.workflow_name,
            workflow_version=state.workflow_version,
            status=state.status,
            context=WorkflowContext(instance_id=state.instance_id),
            current_step=None,
            pending_steps=[],
            pending_tasks=[],
            running_steps=[],
            started_at=state.started_at,
        )
        view.refresh(state)
        return view

    def refresh(self, state: InstanceState) -> None:
        """Update this object in place from ``state``."""
        ctx = state.context()
        if state.status.is_finished:
            current = None
        elif state.pending:
            current = state.pending[0].step_name
        else:
            current = state.current_step
        ctx.current_step = current
        self.status = state.status
        self.context = ctx
        self.current_step = current
        self.pending_steps = state.pending_steps
        self.pending_tasks = list(state.pending)
        self.running_steps = list(state.running)
        self.completed_at = state.completed_at
        self.error = state.error
        self.failed_step = state.failed_step
        self.business_key = state.business_key
        self.rejected = list(state.rejected)
        self.revision = revision(state)
        self.tasks = state.tasks
        self.notifier_failures = list(state.notifier_failures)


WorkflowInstanceData = WorkflowInstance
"""0.3.3's name for what engines return; here the same class (a view refreshed in place)."""
