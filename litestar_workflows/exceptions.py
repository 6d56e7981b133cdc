"""The SDK's exceptions: one root, :class:`WorkflowsError`, and specific subclasses.

Where callers of the older ``litestar-workflows`` API caught ``KeyError`` (unknown
name or instance) or ``ValueError`` (step not waiting, wrong step), the subclass also
derives from that builtin so such code keeps working. The constructors accept both our
shapes and the published 0.3.3 ones (``TaskNotFoundError(task_id)``,
``StepExecutionError(step, cause=exc)``, ``InvalidTransitionError(from, to, reason=)``, ...).

Each class says once how it crosses to HTTP: ``http_status`` and ``problem_code`` (the last
part of the RFC 9457 problem ``type``); the gateway's ``api/problems.py`` reads them from here.
A task's id is ``<instance id>/<step name>`` (:func:`litestar_workflows.core.events.task_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, overload
from uuid import UUID

__all__ = [
    "BudgetExceededError",
    "CancelNotAllowedError",
    "ConditionError",
    "DefinitionNotLoadedError",
    "EngineUnavailableError",
    "FieldError",
    "FormValidationError",
    "HumanTaskError",
    "IdempotencyKeyConflictError",
    "InitialDataError",
    "InputTooDeepError",
    "InvalidQueryError",
    "InvalidTransitionError",
    "PauseNotAllowedError",
    "PayloadCodecError",
    "SettleTimeoutError",
    "StaleRevisionError",
    "StepExecutionError",
    "StepNotWaitingError",
    "TaskAlreadyCompletedError",
    "TaskClaimedError",
    "TaskNotFoundError",
    "TaskOperationNotAllowedError",
    "UnauthorizedTaskError",
    "WebhookAlreadyDeliveredError",
    "WebhookSecretError",
    "WorkflowAlreadyCompletedError",
    "WorkflowAlreadyExistsError",
    "WorkflowInstanceNotFoundError",
    "WorkflowNotFoundError",
    "WorkflowNotPausedError",
    "WorkflowPausedError",
    "WorkflowValidationError",
    "WorkflowsError",
]


def _task_id(instance_id: str, step_name: str) -> str:
    return f"{instance_id}/{step_name}"


def _split_task_id(task_id: str | UUID) -> tuple[str, str]:
    """``(instance_id, step_name)`` of a task id; a bare id (e.g. a UUID) names no step."""
    text = str(task_id)
    instance_id, sep, step_name = text.rpartition("/")
    return (instance_id, step_name) if sep else (text, "")


class WorkflowsError(Exception):
    """Root of every error raised by ``litestar_workflows``.

    Attributes:
        message: Human-readable explanation, also returned by ``str()``.
        http_status: HTTP status the gateway answers with (class attribute).
        problem_code: Problem type code the gateway answers with (class attribute).
    """

    http_status: ClassVar[int] = 500
    problem_code: ClassVar[str] = "internal-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # KeyError would otherwise repr() the message, wrapping it in quotes.
        return self.message


class WorkflowValidationError(WorkflowsError, ValueError):
    """A workflow definition is invalid.

    Attributes:
        errors: Every problem found, one sentence each.
    """

    def __init__(self, errors: Sequence[str], *, name: str = "") -> None:
        self.errors = list(errors)
        head = f"Workflow definition {name!r} is invalid" if name else "Workflow definition is invalid"
        super().__init__(head + ":\n" + "\n".join(f"- {e}" for e in self.errors))


class WorkflowNotFoundError(WorkflowsError, KeyError):
    """No definition is registered under that name (and version)."""

    http_status: ClassVar[int] = 404
    problem_code: ClassVar[str] = "definition-not-found"

    def __init__(self, name: str, version: str | None = None) -> None:
        self.name = name
        self.version = version
        what = f"{name!r} version {version!r}" if version else repr(name)
        super().__init__(f"Workflow definition {what} is not registered")


class WorkflowInstanceNotFoundError(WorkflowsError, KeyError):
    """No workflow instance has that id."""

    http_status: ClassVar[int] = 404
    problem_code: ClassVar[str] = "instance-not-found"

    def __init__(self, instance_id: str | UUID) -> None:
        self.instance_id = str(instance_id)
        super().__init__(f"Workflow instance {instance_id!r} not found")


class WorkflowAlreadyExistsError(WorkflowsError):
    """A business key is already used by an instance started with different data."""

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "business-key-conflict"

    def __init__(self, instance_id: str, reason: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"Workflow instance {instance_id!r} already exists: {reason}")


class WorkflowAlreadyCompletedError(WorkflowsError, ValueError):
    """The instance has finished (completed, failed or canceled); it accepts no more input."""

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "instance-finished"

    def __init__(self, instance_id: str | UUID, status: str) -> None:
        self.instance_id = str(instance_id)
        self.status = status
        super().__init__(f"Workflow instance {instance_id!r} is already {status}")


class StepExecutionError(WorkflowsError):
    """A machine step failed (after its retries).

    ``StepExecutionError(step, "message")`` or, as published, ``StepExecutionError(step, cause=exc)``
    (an exception given positionally is the cause too).

    Attributes:
        step_name: The step.
        error: What went wrong ("" when nothing is known).
        cause: The exception that made it fail, when raised in this process (not carried across
            processes: on Temporal only ``error`` is).
    """

    cause: BaseException | None = None

    def __init__(
        self, step_name: str, error: str | BaseException | None = None, *, cause: BaseException | None = None
    ) -> None:
        if isinstance(error, BaseException):
            cause, error = (cause or error), str(error)
        self.step_name = step_name
        self.error = error if error is not None else (str(cause) if cause is not None else "")
        self.cause = cause
        super().__init__(f"Step {step_name!r} failed: {self.error}" if self.error else f"Step {step_name!r} failed")


class ConditionError(WorkflowsError):
    """An edge condition could not be evaluated (unknown name, type error, ...)."""

    def __init__(self, source: str, target: str, condition: str, reason: str) -> None:
        self.source = source
        self.target = target
        super().__init__(f"Condition {condition!r} on edge {source!r} -> {target!r} failed: {reason}")


class InvalidTransitionError(WorkflowsError, ValueError):
    """A transition cannot be taken.

    ``InvalidTransitionError(step, reason="...")``: no outgoing edge of a non-terminal step could
    be taken. As published, ``InvalidTransitionError(from_step, to_step, reason=None)``: that
    particular transition is not allowed.

    Attributes:
        step_name: The step transitioned from (also ``from_step``).
        from_step: The same.
        to_step: The step transitioned to, when one was named.
        reason: Why.
    """

    to_step: str | None = None
    reason: str | None = None

    def __init__(self, from_step: str, to_step: str | None = None, reason: str | None = None) -> None:
        self.step_name = from_step
        self.from_step = from_step
        self.to_step = to_step
        self.reason = reason
        if to_step is None:
            message = f"No edge can be taken from step {from_step!r}" + (f": {reason}" if reason else "")
        else:
            message = f"Invalid transition from {from_step!r} to {to_step!r}" + (f": {reason}" if reason else "")
        super().__init__(message)


class DefinitionNotLoadedError(WorkflowsError):
    """A worker does not have the definition version an instance was started with."""

    http_status: ClassVar[int] = 503
    problem_code: ClassVar[str] = "definition-not-loaded"

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version
        super().__init__(f"Definition {name!r} version {version!r} is not loaded on this worker")


class EngineUnavailableError(WorkflowsError):
    """The execution backend (Temporal) cannot be reached."""

    http_status: ClassVar[int] = 503
    problem_code: ClassVar[str] = "engine-unavailable"


class PayloadCodecError(WorkflowsError):
    """An encrypted payload cannot be decrypted: its key is not configured, or it was altered."""

    http_status: ClassVar[int] = 400
    problem_code: ClassVar[str] = "payload-undecodable"


class SettleTimeoutError(WorkflowsError):
    """The request was accepted but the instance did not settle in time; nothing was lost."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"Workflow instance {instance_id!r} accepted the request but has not settled yet")


class HumanTaskError(WorkflowsError):
    """Base of the errors about completing a human task."""


class TaskNotFoundError(HumanTaskError, KeyError, ValueError):
    """The definition has no step of that name.

    ``TaskNotFoundError(instance_id, step_name)`` or, as published, ``TaskNotFoundError(task_id)``.
    A ``KeyError`` (our earlier API) and a ``ValueError`` (0.3.3 raised one for an unknown step).

    Attributes:
        instance_id: The instance.
        step_name: The step ("" when only a bare task id was given).
        task_id: ``<instance id>/<step name>``.
    """

    http_status: ClassVar[int] = 404
    problem_code: ClassVar[str] = "task-not-found"

    def __init__(self, instance_id: str | UUID, step_name: str | None = None) -> None:
        if step_name is None:
            self.task_id = str(instance_id)
            self.instance_id, self.step_name = _split_task_id(instance_id)
            super().__init__(f"Task {self.task_id!r} not found")
            return
        self.instance_id = str(instance_id)
        self.step_name = step_name
        self.task_id = _task_id(self.instance_id, step_name)
        super().__init__(f"Workflow instance {self.instance_id!r} has no step {step_name!r}")


class StepNotWaitingError(HumanTaskError, ValueError):
    """The step exists but is not waiting for input (wrong step, or not reached yet).

    Attributes:
        instance_id: The instance.
        step_name: The step.
        task_id: ``<instance id>/<step name>``.
    """

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "step-not-waiting"

    def __init__(self, instance_id: str | UUID, step_name: str, reason: str = "") -> None:
        self.instance_id = str(instance_id)
        self.step_name = step_name
        self.task_id = _task_id(self.instance_id, step_name)
        super().__init__(
            f"Step {step_name!r} of instance {instance_id!r} is not waiting for input"
            + (f": {reason}" if reason else "")
        )


class TaskAlreadyCompletedError(StepNotWaitingError):
    """The step was waiting once but has already been completed.

    ``TaskAlreadyCompletedError(instance_id, step_name, completed_by=None)`` or, as published,
    ``TaskAlreadyCompletedError(task_id)``.
    """

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "task-already-completed"

    def __init__(self, instance_id: str | UUID, step_name: str | None = None, completed_by: str | None = None) -> None:
        by = f" by {completed_by!r}" if completed_by else ""
        if step_name is None:
            instance, step = _split_task_id(instance_id)
            super().__init__(instance, step, f"it was already completed{by}")
            self.task_id = str(instance_id)
            WorkflowsError.__init__(self, f"Task {self.task_id!r} is already completed{by}")
            return
        super().__init__(instance_id, step_name, f"it was already completed{by}")


class UnauthorizedTaskError(HumanTaskError, PermissionError):
    """The user may not complete this step (assignment rules).

    ``UnauthorizedTaskError(instance_id, step_name, user_id, reason)`` or, as published,
    ``UnauthorizedTaskError(task_id, user_id)``.

    Attributes:
        instance_id: The instance.
        step_name: The step.
        user_id: The user refused.
        task_id: ``<instance id>/<step name>``.
    """

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "not-allowed"

    @overload
    def __init__(self, instance_id: str | UUID, step_name: str | None, user_id: str | None, reason: str) -> None: ...

    @overload
    def __init__(self, instance_id: str | UUID, step_name: str | None) -> None: ...

    def __init__(
        self, instance_id: str | UUID, step_name: str | None, user_id: str | None = None, reason: str | None = None
    ) -> None:
        if reason is None and user_id is None:
            # The published shape: (task_id, user_id).
            self.task_id = str(instance_id)
            self.instance_id, self.step_name = _split_task_id(instance_id)
            self.user_id = step_name
            super().__init__(f"User {self.user_id!r} is not authorized to complete task {self.task_id!r}")
            return
        self.instance_id = str(instance_id)
        self.step_name = step_name or ""
        self.user_id = user_id
        self.task_id = _task_id(self.instance_id, self.step_name)
        super().__init__(f"User {user_id!r} may not complete step {step_name!r}: {reason}")


class TaskClaimedError(StepNotWaitingError):
    """Someone else has claimed the task: only they may complete it (or it cannot be claimed again).

    Attributes:
        claimed_by: Who holds the claim.
    """

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "task-claimed"

    def __init__(self, instance_id: str | UUID, step_name: str, claimed_by: str | None = None) -> None:
        super().__init__(instance_id, step_name, f"it is claimed by {claimed_by!r}")
        self.claimed_by = claimed_by


class TaskOperationNotAllowedError(HumanTaskError, PermissionError):
    """The user may not perform this operation (claim, reassign, delegate, ...) on the task.

    Attributes:
        instance_id: The instance.
        step_name: The step.
        user_id: The user refused.
        operation: The operation.
        task_id: ``<instance id>/<step name>``.
    """

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "not-allowed"

    def __init__(
        self, instance_id: str | UUID, step_name: str, user_id: str | None, operation: str, reason: str
    ) -> None:
        self.instance_id = str(instance_id)
        self.step_name = step_name
        self.user_id = user_id
        self.operation = operation
        self.task_id = _task_id(self.instance_id, step_name)
        super().__init__(f"User {user_id!r} may not {operation} step {step_name!r}: {reason}")


class StaleRevisionError(HumanTaskError):
    """The request was made on a revision of the instance that is no longer current (HTTP 412).

    Attributes:
        instance_id: The instance.
        step_name: The step.
        expected: The revision the caller saw.
        current: The instance's revision now.
    """

    http_status: ClassVar[int] = 412
    problem_code: ClassVar[str] = "revision-mismatch"

    def __init__(self, instance_id: str | UUID, step_name: str, expected: str, current: str) -> None:
        self.instance_id = str(instance_id)
        self.step_name = step_name
        self.expected = expected
        self.current = current
        super().__init__(
            f"Instance {instance_id!r} changed since revision {expected!r} (now {current!r}); "
            f"nothing was applied to step {step_name!r}: read it again and decide on the current revision"
        )


@dataclass(frozen=True)
class FieldError:
    """One failing field of a form submission.

    Attributes:
        pointer: JSON pointer (RFC 6901) to the field, ``""`` for the whole document.
        message: Why the value was rejected.
    """

    pointer: str
    message: str


class FormValidationError(HumanTaskError, ValueError):
    """Form data does not satisfy the step's JSON Schema.

    Attributes:
        errors: One entry per failing field.
    """

    http_status: ClassVar[int] = 422
    problem_code: ClassVar[str] = "form-invalid"

    def __init__(self, step_name: str, errors: Sequence[FieldError]) -> None:
        self.step_name = step_name
        self.errors = list(errors)
        details = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in self.errors)
        super().__init__(f"Form data for step {step_name!r} is invalid: {details}")


class BudgetExceededError(WorkflowsError, ValueError):
    """A value is over its size budget (:mod:`litestar_workflows.rules.budgets`); nothing was written.

    Attributes:
        field: JSON pointer of what is too large in the request (``/data``, ``/comment``,
            ``/initial_data``).
        reason: Why, with the size and the limit.
        limit: The limit (bytes, or levels of nesting when ``unit`` is ``levels``).
        size: The measured size, when known.
        unit: ``bytes`` or ``levels``.
    """

    http_status: ClassVar[int] = 413
    problem_code: ClassVar[str] = "budget-exceeded"

    def __init__(self, field: str, reason: str, *, limit: int, size: int | None = None, unit: str = "bytes") -> None:
        self.field = field
        self.reason = reason
        self.limit = limit
        self.size = size
        self.unit = unit
        super().__init__(f"{field} {reason}")


class InputTooDeepError(BudgetExceededError):
    """A JSON value nests deeper than the engine accepts (a malformed request, not a large one)."""

    http_status: ClassVar[int] = 400
    problem_code: ClassVar[str] = "input-too-deep"


class InitialDataError(FormValidationError):
    """Initial data does not satisfy the definition's ``input_schema`` or its four-eyes options;
    nothing was started. Pointers are relative to the initial data."""

    http_status: ClassVar[int] = 422
    problem_code: ClassVar[str] = "initial-data-invalid"

    def __init__(self, workflow_name: str, errors: Sequence[FieldError]) -> None:
        super().__init__("", errors)
        self.workflow_name = workflow_name
        details = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in self.errors)
        WorkflowsError.__init__(self, f"Initial data for {workflow_name!r} is invalid: {details}")


class IdempotencyKeyConflictError(WorkflowsError, ValueError):
    """An idempotency key was reused with another step or request body; nothing was applied.

    Attributes:
        instance_id: The instance.
        step_name: The step of this (refused) request.
        key: The key as the caller sent it.
    """

    http_status: ClassVar[int] = 422
    problem_code: ClassVar[str] = "idempotency-key-conflict"

    def __init__(self, instance_id: str, step_name: str, key: str) -> None:
        self.instance_id = instance_id
        self.step_name = step_name
        self.key = key
        super().__init__(
            f"Idempotency key {key!r} was already used for another request on instance {instance_id!r} "
            "(another step or body); use a new key for a new request"
        )


class InvalidQueryError(WorkflowsError, ValueError):
    """A listing cannot be answered for this caller or filter (e.g. a user or group name that
    cannot be matched in a visibility query, or a query Temporal rejects as invalid)."""

    http_status: ClassVar[int] = 400
    problem_code: ClassVar[str] = "invalid-query"


class WorkflowPausedError(WorkflowsError, ValueError):
    """The instance is paused: it refuses completions, webhook deliveries and a second pause
    until it is resumed (its timers keep counting meanwhile).

    Attributes:
        instance_id: The paused instance.
        action: What was refused.
    """

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "instance-paused"

    def __init__(self, instance_id: str, action: str) -> None:
        self.instance_id = instance_id
        self.action = action
        super().__init__(f"Workflow instance {instance_id!r} is paused: {action} is refused until it is resumed")


class WorkflowNotPausedError(WorkflowsError, ValueError):
    """``resume_workflow`` on an instance that is not paused."""

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "instance-not-paused"

    def __init__(self, instance_id: str, status: str) -> None:
        self.instance_id = instance_id
        self.status = status
        super().__init__(f"Workflow instance {instance_id!r} is not paused (it is {status})")


class WebhookSecretError(WorkflowsError, PermissionError):
    """A webhook callback came without the instance's callback secret, or with another one."""

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "webhook-secret-invalid"

    def __init__(self, instance_id: str, step_name: str) -> None:
        self.instance_id = instance_id
        self.step_name = step_name
        super().__init__(f"Webhook callback for step {step_name!r} of {instance_id!r}: the secret is missing or wrong")


class WebhookAlreadyDeliveredError(StepNotWaitingError):
    """The webhook step received its callback already; a callback is taken exactly once."""

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "webhook-already-delivered"

    def __init__(self, instance_id: str, step_name: str) -> None:
        super().__init__(instance_id, step_name, "its webhook callback was delivered already")


class CancelNotAllowedError(WorkflowsError, PermissionError):
    """The caller may read the instance but not cancel it (only its starter and the admin groups may).

    Attributes:
        instance_id: The instance.
        user_id: The caller.
    """

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "forbidden"

    def __init__(self, instance_id: str, user_id: str | None, reason: str) -> None:
        self.instance_id = instance_id
        self.user_id = user_id
        super().__init__(f"User {user_id!r} may not cancel instance {instance_id!r}: {reason}")


class PauseNotAllowedError(WorkflowsError, PermissionError):
    """The caller may read the instance but not pause or resume it (its starter and the admin
    groups may).

    Attributes:
        instance_id: The instance.
        user_id: The caller.
    """

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "forbidden"

    def __init__(self, instance_id: str, user_id: str | None, reason: str) -> None:
        self.instance_id = instance_id
        self.user_id = user_id
        super().__init__(f"User {user_id!r} may not pause or resume instance {instance_id!r}: {reason}")
