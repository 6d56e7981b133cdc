"""The SDK's exceptions: one root, :class:`WorkflowsError`, and specific subclasses.

Where callers of the older ``litestar-workflows`` API caught ``KeyError`` (unknown
name or instance) or ``ValueError`` (step not waiting, wrong step), the subclass also
derives from that builtin so such code keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConditionError",
    "DefinitionNotLoadedError",
    "EngineUnavailableError",
    "FieldError",
    "FormValidationError",
    "HumanTaskError",
    "InvalidTransitionError",
    "SettleTimeoutError",
    "StepExecutionError",
    "StepNotWaitingError",
    "TaskAlreadyCompletedError",
    "TaskNotFoundError",
    "UnauthorizedTaskError",
    "WorkflowAlreadyCompletedError",
    "WorkflowAlreadyExistsError",
    "WorkflowInstanceNotFoundError",
    "WorkflowNotFoundError",
    "WorkflowValidationError",
    "WorkflowsError",
]


class WorkflowsError(Exception):
    """Root of every error raised by ``litestar_workflows``.

    Attributes:
        message: Human-readable explanation, also returned by ``str()``.
    """

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

    def __init__(self, name: str, version: str | None = None) -> None:
        self.name = name
        self.version = version
        what = f"{name!r} version {version!r}" if version else repr(name)
        super().__init__(f"Workflow definition {what} is not registered")


class WorkflowInstanceNotFoundError(WorkflowsError, KeyError):
    """No workflow instance has that id."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"Workflow instance {instance_id!r} not found")


class WorkflowAlreadyExistsError(WorkflowsError):
    """A business key is already used by an instance started with different data."""

    def __init__(self, instance_id: str, reason: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"Workflow instance {instance_id!r} already exists: {reason}")


class WorkflowAlreadyCompletedError(WorkflowsError, ValueError):
    """The instance has finished (completed, failed or canceled); it accepts no more input."""

    def __init__(self, instance_id: str, status: str) -> None:
        self.instance_id = instance_id
        self.status = status
        super().__init__(f"Workflow instance {instance_id!r} is already {status}")


class StepExecutionError(WorkflowsError):
    """A machine step failed (after its retries)."""

    def __init__(self, step_name: str, error: str) -> None:
        self.step_name = step_name
        self.error = error
        super().__init__(f"Step {step_name!r} failed: {error}")


class ConditionError(WorkflowsError):
    """An edge condition could not be evaluated (unknown name, type error, ...)."""

    def __init__(self, source: str, target: str, condition: str, reason: str) -> None:
        self.source = source
        self.target = target
        super().__init__(f"Condition {condition!r} on edge {source!r} -> {target!r} failed: {reason}")


class InvalidTransitionError(WorkflowsError, ValueError):
    """No outgoing edge of a non-terminal step could be taken."""

    def __init__(self, step_name: str, reason: str) -> None:
        self.step_name = step_name
        super().__init__(f"No edge can be taken from step {step_name!r}: {reason}")


class DefinitionNotLoadedError(WorkflowsError):
    """A worker does not have the definition version an instance was started with."""

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version
        super().__init__(f"Definition {name!r} version {version!r} is not loaded on this worker")


class EngineUnavailableError(WorkflowsError):
    """The execution backend (Temporal) cannot be reached."""


class SettleTimeoutError(WorkflowsError):
    """The request was accepted but the instance did not settle in time; nothing was lost."""

    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        super().__init__(f"Workflow instance {instance_id!r} accepted the request but has not settled yet")


class HumanTaskError(WorkflowsError):
    """Base of the errors about completing a human task."""


class TaskNotFoundError(HumanTaskError, KeyError):
    """The definition has no step of that name."""

    def __init__(self, instance_id: str, step_name: str) -> None:
        self.instance_id = instance_id
        self.step_name = step_name
        super().__init__(f"Workflow instance {instance_id!r} has no step {step_name!r}")


class StepNotWaitingError(HumanTaskError, ValueError):
    """The step exists but is not waiting for input (wrong step, or not reached yet)."""

    def __init__(self, instance_id: str, step_name: str, reason: str = "") -> None:
        self.instance_id = instance_id
        self.step_name = step_name
        super().__init__(
            f"Step {step_name!r} of instance {instance_id!r} is not waiting for input"
            + (f": {reason}" if reason else "")
        )


class TaskAlreadyCompletedError(StepNotWaitingError):
    """The step was waiting once but has already been completed."""

    def __init__(self, instance_id: str, step_name: str, completed_by: str | None = None) -> None:
        by = f" by {completed_by!r}" if completed_by else ""
        super().__init__(instance_id, step_name, f"it was already completed{by}")


class UnauthorizedTaskError(HumanTaskError, PermissionError):
    """The user may not complete this step (assignment rules)."""

    def __init__(self, instance_id: str, step_name: str, user_id: str | None, reason: str) -> None:
        self.instance_id = instance_id
        self.step_name = step_name
        self.user_id = user_id
        super().__init__(f"User {user_id!r} may not complete step {step_name!r}: {reason}")


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

    def __init__(self, step_name: str, errors: Sequence[FieldError]) -> None:
        self.step_name = step_name
        self.errors = list(errors)
        details = "; ".join(f"{e.pointer or '/'}: {e.message}" for e in self.errors)
        super().__init__(f"Form data for step {step_name!r} is invalid: {details}")
