"""Step base classes and per-step execution options.

A step is configured either by class attributes (as in the quickstart) or by
constructor keywords (``SubmitRequest(name="x", description="...")``); a keyword
overrides the class attribute for that one instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from litestar_workflows.core.types import StepType
from litestar_workflows.steps.task_options import Escalation

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["BaseHumanStep", "BaseMachineStep", "BaseStep", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How a failing machine step is retried.

    Attributes:
        max_attempts: Total attempts including the first; ``1`` disables retries.
        initial_interval: Delay before the first retry.
        backoff_coefficient: Multiplier applied to the delay after each retry.
        maximum_interval: Upper bound of the delay.
        non_retryable_errors: Exception class names that fail the step at once.
    """

    max_attempts: int = 3
    initial_interval: timedelta = timedelta(seconds=1)
    backoff_coefficient: float = 2.0
    maximum_interval: timedelta = timedelta(seconds=30)
    non_retryable_errors: tuple[str, ...] = field(default=())


class BaseStep:
    """Common base of every step.

    Attributes:
        name: Unique name of the step inside its definition.
        description: Human-readable description (shown in the Temporal Web UI).
        step_type: Kind of step.
    """

    name: str = ""
    description: str = ""
    step_type: StepType = StepType.MACHINE

    def __init__(self, name: str | None = None, description: str | None = None) -> None:
        """Create a step, optionally overriding the class-level name and description."""
        if name is not None:
            self.name = name
        if description is not None:
            self.description = description

    async def execute(self, context: WorkflowContext) -> Any:
        """Run the step. Machine steps must override this."""
        raise NotImplementedError(f"Step {self.name!r} must implement execute()")

    async def can_execute(self, context: WorkflowContext) -> bool:
        """Guard: return ``False`` to skip the step (its outgoing edges are still followed)."""
        return True

    async def on_success(self, context: WorkflowContext, result: Any) -> None:
        """Hook called after ``execute`` returned."""

    async def on_failure(self, context: WorkflowContext, error: Exception) -> None:
        """Hook called after ``execute`` raised (once per failed attempt)."""

    @property
    def has_guard(self) -> bool:
        """Whether the step overrides :meth:`can_execute`."""
        return type(self).can_execute is not BaseStep.can_execute

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class BaseMachineStep(BaseStep):
    """A step run automatically by the engine (on Temporal: as an activity).

    Attributes:
        retry_policy: How failures are retried.
        timeout: Limit for one attempt of ``execute``.
    """

    step_type: StepType = StepType.MACHINE
    retry_policy: RetryPolicy = RetryPolicy()
    timeout: timedelta = timedelta(minutes=5)

    def __init__(
        self,
        name: str | None = None,
        description: str | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        timeout: timedelta | None = None,
    ) -> None:
        """Create a machine step; keywords override the class attributes."""
        super().__init__(name, description)
        if retry_policy is not None:
            self.retry_policy = retry_policy
        if timeout is not None:
            self.timeout = timeout


class BaseHumanStep(BaseStep):
    """A step that waits for a person to submit a form.

    Assignment: when ``assignee``, ``assignee_key`` and ``candidate_groups`` are all
    unset, any authenticated user may complete the step. Otherwise a user may
    complete it if they are the fixed ``assignee``, the user named by
    ``context.data[assignee_key]``, or a member of one of ``candidate_groups``.

    Attributes:
        title: Short title of the task.
        form_schema: JSON Schema the submitted data must satisfy.
        assignee: Fixed user id allowed to complete the step.
        assignee_key: Context key whose value is the user id allowed to complete it.
        candidate_groups: Groups whose members may complete it.
        deadline: Time the step may wait before ``on_deadline`` is taken.
        on_deadline: Step to continue with when the deadline passes.
        exclude_starter: Four-eyes: the user who started the instance may not complete it.
        exclude_completers_of: Four-eyes: whoever completed one of these (earlier) steps may not
            complete this one.
        assignee_not_starter: Four-eyes: the user named by ``assignee_key`` must not be the starter
            (refused at start when the initial data names them; the starter never completes it).
        manager_groups: Groups that may reassign the task (besides the admin groups).
        approvals_required: Distinct approvers needed (the step completes at the k-th approval).
        approval_groups: One approver from each of these groups.
        approval_key: The form field (boolean) saying whether a decision approves.
        rejection_ends_step: A rejection completes a step with several approvers at once.
        reminder_after: First reminder (an event for notifiers) after the task opened.
        reminder_every: Later reminders, this far apart.
        escalations: The escalation chain (:class:`~litestar_workflows.steps.task_options.Escalation`).
        default_decision: Form data submitted as the decision when the deadline passes.
    """

    step_type: StepType = StepType.HUMAN
    title: str = ""
    form_schema: dict[str, Any] | None = None
    assignee: str | None = None
    assignee_key: str | None = None
    candidate_groups: Sequence[str] = ()
    deadline: timedelta | None = None
    on_deadline: str | None = None
    exclude_starter: bool = False
    exclude_completers_of: Sequence[str] = ()
    assignee_not_starter: bool = False
    # Task operations (litestar_workflows/rules/tasks.py, rules/task_alarms.py, steps/task_options.py).
    manager_groups: Sequence[str] = ()
    approvals_required: int = 1
    approval_groups: Sequence[str] = ()
    approval_key: str = "approved"
    rejection_ends_step: bool = True
    reminder_after: timedelta | None = None
    reminder_every: timedelta | None = None
    escalations: Sequence[Escalation] = ()
    default_decision: dict[str, Any] | None = None

    def __init__(
        self,
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        form_schema: dict[str, Any] | None = None,
        assignee_key: str | None = None,
        *,
        assignee: str | None = None,
        candidate_groups: Sequence[str] | None = None,
        deadline: timedelta | None = None,
        on_deadline: str | None = None,
    ) -> None:
        """Create a human step; keywords override the class attributes."""
        super().__init__(name, description)
        if title is not None:
            self.title = title
        if form_schema is not None:
            self.form_schema = form_schema
        if assignee_key is not None:
            self.assignee_key = assignee_key
        if assignee is not None:
            self.assignee = assignee
        if candidate_groups is not None:
            self.candidate_groups = tuple(candidate_groups)
        if deadline is not None:
            self.deadline = deadline
        if on_deadline is not None:
            self.on_deadline = on_deadline

    async def get_assignee(self, context: WorkflowContext) -> str | None:
        """Return the user the task is assigned to, if any (the engines' rule:
        :func:`litestar_workflows.rules.access.resolve_assignee`)."""
        from litestar_workflows.rules.access import resolve_assignee

        return resolve_assignee(self, context.data)
