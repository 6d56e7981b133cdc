"""Refusals of input that is over a limit or reuses a key: size budgets, nesting depth, initial
data that fails the definition's schema, a conflicting idempotency key, a query that cannot be run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from litestar_workflows._exceptions.root import WorkflowsError
from litestar_workflows._exceptions.tasks import FieldError, FormValidationError

__all__ = [
    "BudgetExceededError",
    "IdempotencyKeyConflictError",
    "InitialDataError",
    "InputTooDeepError",
    "InvalidQueryError",
]


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
