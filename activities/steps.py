"""The step activities: the only place a definition's Python code runs on Temporal.

The workflow carries a graph snapshot but no code; these activities resolve the code by
(definition name, version, step) in the registry this worker loaded. A worker without
that version (or with a different graph under the same version) raises a non-retryable
``ApplicationError`` of type :data:`~litestar_workflows.temporal.contracts.ERROR_DEFINITION_NOT_LOADED`;
the workflow then waits visibly and tries again later instead of failing or using
another version.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from litestar_workflows.core.definition import WorkflowDefinition
from litestar_workflows.core.types import StepStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.engine.step_attempt import evaluate_callables, run_step_attempt
from litestar_workflows.exceptions import WorkflowNotFoundError
from litestar_workflows.rules.budgets import encoded_size
from litestar_workflows.rules.machine import StepOutcome
from litestar_workflows.temporal.contracts import (
    ACTIVITY_CHECK_GUARD,
    ACTIVITY_EVALUATE_CONDITIONS,
    ACTIVITY_RUN_STEP,
    ERROR_DEFINITION_NOT_LOADED,
    ERROR_OUTPUT_OVER_BUDGET,
    StepTask,
)

__all__ = ["StepActivities"]

T = TypeVar("T")


async def _heartbeating(work: Awaitable[T]) -> T:
    """Await ``work`` while heartbeating, so Temporal notices a dead worker within the
    activity's heartbeat timeout rather than its (much longer) start-to-close timeout."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        return await work
    interval = max(timeout.total_seconds() / 3, 0.1)

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(interval)

    beating = asyncio.create_task(beat())
    try:
        return await work
    finally:
        beating.cancel()


_ERROR_CHARS = 4000  # an exception's message kept in the step's failure (and the instance state)


def _bounded(message: str) -> str:
    if len(message) <= _ERROR_CHARS:
        return message
    return f"{message[:_ERROR_CHARS]}... ({len(message)} characters in all)"


def _check_output(task: StepTask, outcome: StepOutcome, attempt: int) -> None:
    """Fail the step, without retries, when its output is over the instance's budget: returned,
    it would exceed Temporal's payload limit or wedge the instance's state."""
    if task.output_limit is None:
        return
    size = encoded_size({"set": outcome.changes.set, "result": outcome.result})
    if size > task.output_limit:
        raise ApplicationError(
            f"its output is {size} bytes, over the step output limit of {task.output_limit} bytes; "
            "the step's output was not kept",
            {"attempt": attempt},
            type=ERROR_OUTPUT_OVER_BUDGET,
            non_retryable=True,
        )


class StepActivities:
    """Activities bound to the registry of one worker.

    Args:
        registry: Definitions whose step code this worker can run.
    """

    def __init__(self, registry: WorkflowRegistry) -> None:
        self._registry = registry
        self._fingerprints: dict[tuple[str, str], str] = {}

    def activities(self) -> list[Callable[..., Any]]:
        """The activity callables to hand to a Temporal ``Worker``."""
        return [self.run_step, self.check_guard, self.evaluate_conditions]

    def _definition(self, task: StepTask) -> WorkflowDefinition:
        name, version = task.workflow_name, task.workflow_version
        try:
            definition = self._registry.get_definition(name, version)
        except WorkflowNotFoundError:
            raise self._not_loaded(task, "it is not registered on this worker") from None
        key = (name, version)
        if key not in self._fingerprints:
            self._fingerprints[key] = self._registry.get_graph(name, version).fingerprint()
        if self._fingerprints[key] != task.graph_fingerprint:
            raise self._not_loaded(task, "this worker registers a different graph under that version")
        if task.step_name not in definition.steps:
            raise self._not_loaded(task, f"this worker's definition has no step {task.step_name!r}")
        return definition

    @staticmethod
    def _not_loaded(task: StepTask, reason: str) -> ApplicationError:
        return ApplicationError(
            f"Definition {task.workflow_name!r} version {task.workflow_version!r} is not loaded on this worker: "
            f"{reason}",
            {"name": task.workflow_name, "version": task.workflow_version, "reason": reason},
            type=ERROR_DEFINITION_NOT_LOADED,
            non_retryable=True,
        )

    @activity.defn(name=ACTIVITY_RUN_STEP)
    async def run_step(self, task: StepTask) -> StepOutcome:
        """Run one attempt of a machine step; Temporal retries per the step's retry policy.

        Raises:
            ApplicationError: The step raised (type = the exception class name, so the
                step's ``non_retryable_errors`` apply), or the definition is not loaded.
        """
        definition = self._definition(task)
        attempt = activity.info().attempt
        try:
            outcome = await _heartbeating(
                run_step_attempt(
                    definition,
                    definition.steps[task.step_name],
                    task.context,
                    started_at=task.started_at,
                    attempt=attempt,
                )
            )
        except Exception as exc:  # a user's step may raise anything; it becomes a typed failure
            raise ApplicationError(
                _bounded(str(exc) or type(exc).__name__),
                {"attempt": attempt},
                type=type(exc).__name__,
            ) from exc
        _check_output(task, outcome, attempt)
        return outcome

    @activity.defn(name=ACTIVITY_CHECK_GUARD)
    async def check_guard(self, task: StepTask) -> StepOutcome:
        """Evaluate a human step's ``can_execute``.

        Returns:
            ``SUCCEEDED`` to open the task; ``SKIPPED`` (with the step's callable
            conditions evaluated) to skip it.
        """
        definition = self._definition(task)
        step = definition.steps[task.step_name]
        attempt = activity.info().attempt
        try:
            allowed = await _heartbeating(step.can_execute(task.context))
        except Exception as exc:  # reported like a failing machine step
            raise ApplicationError(
                _bounded(str(exc) or type(exc).__name__), {"attempt": attempt}, type=type(exc).__name__
            ) from exc
        if allowed:
            return StepOutcome(StepStatus.SUCCEEDED, attempts=attempt, started_at=task.started_at)
        results, errors = evaluate_callables(definition, task.step_name, task.context)
        return StepOutcome(
            StepStatus.SKIPPED,
            attempts=attempt,
            started_at=task.started_at,
            callable_results=results,
            callable_errors=errors,
        )

    @activity.defn(name=ACTIVITY_EVALUATE_CONDITIONS)
    async def evaluate_conditions(self, task: StepTask) -> StepOutcome:
        """Evaluate the callable conditions leaving a step over ``task.context``."""
        definition = self._definition(task)
        results, errors = evaluate_callables(definition, task.step_name, task.context)
        return StepOutcome(
            StepStatus.SUCCEEDED,
            attempts=activity.info().attempt,
            started_at=task.started_at,
            callable_results=results,
            callable_errors=errors,
        )
