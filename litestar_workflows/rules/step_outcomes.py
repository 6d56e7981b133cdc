"""What running a machine step produced, as the rules record it: the step's data changes, its
outcome (status, result, error, attempts, the callable conditions evaluated next to its code)
and the evaluator for callable edge conditions.

Separate from the token rules because the engines build these values where steps run
(:mod:`~litestar_workflows.engine.step_attempt`, the activities) without needing the graph
machinery; :mod:`.machine` re-exports every name so ``machine.StepOutcome`` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar_workflows.core.types import StepStatus
from litestar_workflows.rules.spec import EdgeSpec

__all__ = ["CallableEvaluator", "DataChanges", "StepOutcome", "apply_changes", "diff_data"]

CallableEvaluator = Callable[[EdgeSpec, Mapping[str, Any]], bool]
"""Evaluates a callable edge condition; supplied by the engine that holds the Python code."""


@dataclass(frozen=True)
class DataChanges:
    """What a machine step changed in the instance data.

    Attributes:
        set: Keys added or modified, with their new values.
        removed: Keys deleted.
    """

    set: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepOutcome:
    """Result of running a machine step (or a human step's guard).

    Attributes:
        status: ``SUCCEEDED``, ``SKIPPED`` or ``FAILED``.
        changes: Data changes (applied only on success).
        result: JSON-compatible return value of ``execute``.
        error: Error message on failure.
        error_type: Exception class name on failure.
        attempts: Attempts made.
        started_at: When the first attempt started.
        callable_results: Results of the step's callable outgoing conditions, keyed by
            edge index as a string, evaluated next to the step's code.
        callable_errors: Errors raised by those callables, keyed the same way.
    """

    status: StepStatus
    changes: DataChanges = field(default_factory=DataChanges)
    result: Any = None
    error: str | None = None
    error_type: str | None = None
    attempts: int = 1
    started_at: datetime | None = None
    callable_results: dict[str, bool] = field(default_factory=dict)
    callable_errors: dict[str, str] = field(default_factory=dict)


def diff_data(before: Mapping[str, Any], after: Mapping[str, Any]) -> DataChanges:
    """Changes that turn ``before`` into ``after`` (top-level keys)."""
    return DataChanges(
        set={k: v for k, v in after.items() if k not in before or before[k] != v},
        removed=[k for k in before if k not in after],
    )


def apply_changes(data: dict[str, Any], changes: DataChanges) -> None:
    """Apply ``changes`` to ``data`` in place."""
    for key in changes.removed:
        data.pop(key, None)
    data.update(changes.set)
