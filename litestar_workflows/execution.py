"""Running a step's Python code: shared by the in-process engine and the Temporal activity.

One call runs one attempt; retrying is the engine's business (Temporal retries
activities itself).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from litestar_workflows.context import WorkflowContext
from litestar_workflows.definition import WorkflowDefinition
from litestar_workflows.graph import EdgeSpec
from litestar_workflows.machine import CallableEvaluator, StepOutcome, diff_data
from litestar_workflows.steps import BaseStep
from litestar_workflows.types import StepStatus

__all__ = ["callable_evaluator", "evaluate_callables", "jsonable", "run_step_attempt"]


def jsonable(value: Any) -> Any:
    """``value`` in a JSON-compatible form (unknown objects become their ``str``)."""
    return json.loads(json.dumps(value, default=str))


def callable_evaluator(definition: WorkflowDefinition, context: WorkflowContext) -> CallableEvaluator:
    """An evaluator of ``definition``'s callable conditions over fresh data."""

    def evaluate(edge: EdgeSpec, data: Mapping[str, Any]) -> bool:
        condition = definition.edges[edge.index].condition
        if not callable(condition):
            raise ValueError(f"edge {edge.index} of {definition.name!r} has no callable condition on this worker")
        view = copy.copy(context)
        view.data = dict(data)
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
) -> StepOutcome:
    """Run one attempt of ``step``: guard, ``execute``, hooks.

    ``context`` is the step's own copy; what ``execute`` changes in it is returned as
    :class:`~litestar_workflows.machine.DataChanges`.

    Raises:
        Exception: Whatever ``execute`` raised (after ``on_failure`` ran).
    """
    before = copy.deepcopy(context.data)
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
        result = await step.execute(context)
    except Exception as exc:
        await step.on_failure(context, exc)
        raise
    await step.on_success(context, result)
    results, errors = evaluate_callables(definition, step.name, context)
    return StepOutcome(
        status=StepStatus.SUCCEEDED,
        changes=diff_data(before, jsonable(context.data)),
        result=jsonable(result),
        attempts=attempt,
        started_at=started_at,
        callable_results=results,
        callable_errors=errors,
    )
