"""Errors about human tasks: not found, not waiting, not allowed, claimed, a stale revision, a
form that fails its schema (with :class:`FieldError`, one per failing field)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, overload
from uuid import UUID

from litestar_workflows._exceptions.root import WorkflowsError, split_task_id, task_id

__all__ = [
    "FieldError",
    "FormValidationError",
    "HumanTaskError",
    "StaleRevisionError",
    "StepNotWaitingError",
    "TaskAlreadyCompletedError",
    "TaskClaimedError",
    "TaskNotFoundError",
    "TaskOperationNotAllowedError",
    "UnauthorizedTaskError",
]


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
            self.instance_id, self.step_name = split_task_id(instance_id)
            super().__init__(f"Task {self.task_id!r} not found")
            return
        self.instance_id = str(instance_id)
        self.step_name = step_name
        self.task_id = task_id(self.instance_id, step_name)
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
        self.task_id = task_id(self.instance_id, step_name)
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
            instance, step = split_task_id(instance_id)
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
            self.instance_id, self.step_name = split_task_id(instance_id)
            self.user_id = step_name
            super().__init__(f"User {self.user_id!r} is not authorized to complete task {self.task_id!r}")
            return
        self.instance_id = str(instance_id)
        self.step_name = step_name or ""
        self.user_id = user_id
        self.task_id = task_id(self.instance_id, self.step_name)
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
        self.task_id = task_id(self.instance_id, step_name)
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
