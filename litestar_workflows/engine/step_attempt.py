"""Running a step's Python code: shared by the in-process engine and the Temporal activity.

One call runs one attempt; retrying is the engine's business (Temporal retries
activities itself).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.core.definition import WorkflowDefinition
from litestar_workflows.core.types import StepStatus
from litestar_workflows.rules.machine import CallableEvaluator, DataChanges, StepOutcome, diff_data
from litestar_workflows.rules.spec import EdgeSpec
from litestar_workflows.rules.state import clone_data
from litestar_workflows.steps import BaseStep, TimerStep

__all__ = ["callable_evaluator", "evaluate_callables", "jsonable", "run_step_attempt"]


def jsonable(value: Any) -> Any:
    """``value`` in a JSON-compatible form (unknown objects become their ``str``)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return json.loads(json.dumps(value, default=str))


def _jsonable_changes(changes: DataChanges) -> DataChanges:
    # Only what changed is normalised: it is what crosses Temporal and what engines store.
    return DataChanges(set=jsonable(changes.set), removed=changes.removed) if changes.set else changes


def callable_evaluator(definition: WorkflowDefinition, context: Callable[[], WorkflowContext]) -> CallableEvaluator:
    """An evaluator of ``definition``'s callable conditions; ``context`` is built only if one is evaluated."""

    def evaluate(edge: EdgeSpec, data: Mapping[str, Any]) -> bool:
        condition = definition.edges[edge.index].condition
        if not callable(condition):
            raise ValueError(f"edge {edge.index} of {definition.name!r} has no callable condition on this worker")
        view = context()
        view.data = clone_data(dict(data))
        return bool(condition(view))

    return evaluate


def evaluate_callables(
    definition: WorkflowDefinition, step_name: str, context: WorkflowContext
) -> tuple[dict[str, bool], dict[str, str]]:
    """Evaluate the callable conditions on the edges leaving ``step_name``.

    Returns:
        Results and errors, each keyed by edge index as a string.
    """
    results: dict[str, bool] = {}
    errors: dict[str, str] = {}
    for index, edge in enumerate(definition.edges):
        if edge.source != step_name or not callable(edge.condition):
            continue
        try:
            results[str(index)] = bool(edge.condition(context))
        except Exception as exc:  # reported as a condition error by the graph core
            errors[str(index)] = f"{type(exc).__name__}: {exc}"
    return results, errors


async def run_step_attempt(
    definition: WorkflowDefinition,
    step: BaseStep,
    context: WorkflowContext,
    *,
    started_at: datetime,
    attempt: int = 1,
    before: Mapping[str, Any] | None = None,
) -> StepOutcome:
    """Run one attempt of ``step``: guard, ``execute``, hooks.

    ``context`` is the step's own copy; what ``execute`` changes in it is returned as
    :class:`~litestar_workflows.rules.machine.DataChanges`.

    Args:
        definition: The definition the step belongs to (for callable conditions).
        step: The step.
        context: The step's own copy of the context.
        started_at: When the first attempt started.
        attempt: Number of this attempt.
        before: The data ``context.data`` was copied from, if the caller has it unchanged
            (saves a copy); by default a deep copy is taken first.

    Raises:
        Exception: Whatever ``execute`` raised (after ``on_failure`` ran).
    """
    if before is None:
        before = clone_data(context.data)
    if step.has_guard and not await step.can_execute(context):
        results, errors = evaluate_callables(definition, step.name, context)
        return StepOutcome(
            status=StepStatus.SKIPPED,
            attempts=attempt,
            started_at=started_at,
            callable_results=results,
            callable_errors=errors,
        )
    try:
        # A computed timer's code is its duration function; the engine then waits that long.
        result = (
            step.get_duration(context).total_seconds() if isinstance(step, TimerStep) else await step.execute(context)
        )
    except Exception as exc:
        await step.on_failure(context, exc)
        raise
    await step.on_success(context, result)
    results, errors = evaluate_callables(definition, step.name, context)
    return StepOutcome(
        status=StepStatus.SUCCEEDED,
        changes=_jsonable_changes(diff_data(before, context.data)),
        result=jsonable(result),
        attempts=attempt,
        started_at=started_at,
        callable_results=results,
        callable_errors=errors,
    )
