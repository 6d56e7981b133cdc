"""Errors about definitions, instances, steps and the engine itself (not found, already
finished, a step failed, Temporal unreachable, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from uuid import UUID

from litestar_workflows._exceptions.root import WorkflowsError

__all__ = [
    "ConditionError",
    "DefinitionNotLoadedError",
    "EngineUnavailableError",
    "InvalidTransitionError",
    "PayloadCodecError",
    "SettleTimeoutError",
    "StepExecutionError",
    "WorkflowAlreadyCompletedError",
    "WorkflowAlreadyExistsError",
    "WorkflowInstanceNotFoundError",
    "WorkflowNotFoundError",
    "WorkflowValidationError",
]


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
