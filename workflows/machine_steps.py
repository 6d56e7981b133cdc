"""The interpreter's machine steps, guards and callable conditions as activities (a mixin of
:class:`~workflows.interpreter.InterpreterWorkflow`).

Separate from the workflow class because it is one job with its own knobs: building a step
activity's input, running it with the step's retry policy and a heartbeat timeout, waiting
(visibly) while no worker has the definition version, turning an activity failure into the
step's outcome, and failing a step whose output would put the state over its size budget
(behind the ``size-budgets`` patch). The transitions are the rules' (:mod:`~litestar_workflows.rules.machine`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, RetryState, TimeoutError

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepStatus
    from litestar_workflows.rules import budgets, machine
    from litestar_workflows.rules.spec import StepSpec
    from litestar_workflows.temporal.contracts import (
        ACTIVITY_CHECK_GUARD,
        ACTIVITY_RUN_STEP,
        ERROR_DEFINITION_NOT_LOADED,
        ERROR_OUTPUT_OVER_BUDGET,
        StepTask,
    )

if TYPE_CHECKING:
    from litestar_workflows.rules.budgets import SizeBudgets
    from litestar_workflows.rules.spec import GraphSpec
    from litestar_workflows.rules.state import InstanceState

__all__ = ["PATCH_BUDGETS", "InterpreterMachineSteps"]

# A worker lacking the instance's definition version is asked again after this back-off.
_MISSING_WORKER_FIRST_DELAY = 5.0
_MISSING_WORKER_MAX_DELAY = 300.0
PATCH_BUDGETS = "size-budgets"
"""Guards the size budgets (rules/budgets.py) where they change what an existing history did:
a machine step whose output is over budget now fails, and a completion over budget is refused."""
# Activities heartbeat (activities/steps.py), so an attempt whose worker died is retried
# after this long instead of after the step's whole timeout (minutes by default).
_HEARTBEAT_TIMEOUT = 30.0


class InterpreterMachineSteps:
    """Machine steps, guards and condition evaluation of the interpreter workflow."""

    if TYPE_CHECKING:
        _graph: GraphSpec
        _state: InstanceState
        _budgets: SizeBudgets
        _fingerprint: str
        _missing_worker: dict[str, str]

        def _after(self, activations: list[machine.Activation]) -> None: ...
        def _publish(self) -> None: ...
        def _patched(self, patch_id: str) -> bool: ...

    def _step_task(
        self, step_name: str, data: Mapping[str, Any] | None = None, *, step_history: bool = True
    ) -> StepTask:
        """The input of a step activity. ``step_history=False`` for the guard and conditions
        activities: they decide on the data, and the history window would be most of the input."""
        context = self._state.context(step_name)
        if data is not None:
            context.data = dict(data)
        if not step_history:
            context.step_history = []
        return StepTask(
            workflow_name=self._graph.name,
            workflow_version=self._graph.version,
            graph_fingerprint=self._fingerprint,
            step_name=step_name,
            context=context,
            started_at=workflow.now(),
            output_limit=self._budgets.step_output_bytes,
        )

    async def _run_step(self, act: machine.Activation) -> None:
        step = self._graph.step(act.step_name)
        activity = ACTIVITY_CHECK_GUARD if act.needs_guard else ACTIVITY_RUN_STEP
        outcome = await self._execute(activity, step, self._step_task(act.step_name, step_history=not act.needs_guard))
        state = self._state
        if state.status.is_finished:
            return
        outcome = self._within_budget(outcome)
        if act.needs_guard and outcome.status == StepStatus.SUCCEEDED:
            activations = [machine.open_human_task(self._graph, state, act.step_name, workflow.now())]
        else:
            activations = machine.record_step_result(self._graph, state, act.step_name, outcome, workflow.now())
        self._after(activations)

    async def _execute(self, activity: str, step: StepSpec, task: StepTask) -> machine.StepOutcome:
        """Run a step activity; wait (visibly) while no worker has the definition version."""
        delay = _MISSING_WORKER_FIRST_DELAY
        summary = f"{step.name}: {step.description}" if step.description else step.name
        if activity != ACTIVITY_RUN_STEP:
            summary = f"{summary} ({'guard' if activity == ACTIVITY_CHECK_GUARD else 'conditions'})"
        while True:
            try:
                outcome: machine.StepOutcome = await workflow.execute_activity(
                    activity,
                    task,
                    result_type=machine.StepOutcome,
                    start_to_close_timeout=timedelta(seconds=step.timeout_seconds),
                    heartbeat_timeout=timedelta(seconds=min(_HEARTBEAT_TIMEOUT, step.timeout_seconds)),
                    retry_policy=RetryPolicy(
                        maximum_attempts=step.max_attempts,
                        initial_interval=timedelta(seconds=step.initial_interval_seconds),
                        backoff_coefficient=step.backoff_coefficient,
                        maximum_interval=timedelta(
                            seconds=max(step.maximum_interval_seconds, step.initial_interval_seconds)
                        ),
                        non_retryable_error_types=list(step.non_retryable_errors),
                    ),
                    summary=summary,
                )
                return outcome
            except ActivityError as err:
                cause = err.cause
                if isinstance(cause, ApplicationError) and cause.type == ERROR_DEFINITION_NOT_LOADED:
                    self._missing_worker[step.name] = cause.message
                    self._publish()
                    await workflow.sleep(
                        delay,
                        summary=f"waiting for a worker with {self._graph.name} {self._graph.version}",
                    )
                    self._missing_worker.pop(step.name, None)
                    delay = min(delay * 2, _MISSING_WORKER_MAX_DELAY)
                    continue
                return self._failed_outcome(err, step, task.started_at)

    def _within_budget(self, outcome: machine.StepOutcome) -> machine.StepOutcome:
        """The outcome, or a failure when keeping its output would put the state over budget."""
        if outcome.status != StepStatus.SUCCEEDED:
            return outcome
        changes = outcome.changes
        error = budgets.step_output_error(self._budgets, self._state.data, changes.set, changes.removed, outcome.result)
        if error is None or not self._patched(PATCH_BUDGETS):
            return outcome
        return machine.StepOutcome(
            StepStatus.FAILED,
            error=f"{error}; the step's output was not kept",
            error_type=ERROR_OUTPUT_OVER_BUDGET,
            attempts=outcome.attempts,
            started_at=outcome.started_at,
        )

    @staticmethod
    def _failed_outcome(err: ActivityError, step: StepSpec, started_at: datetime) -> machine.StepOutcome:
        cause = err.cause
        attempts = step.max_attempts if err.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED else 1
        if isinstance(cause, ApplicationError):
            details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
            attempts = int(details.get("attempt", attempts))
            error, error_type = cause.message, cause.type or "ApplicationError"
        elif isinstance(cause, TimeoutError):
            error, error_type = f"timed out after {step.timeout_seconds:g}s", "TimeoutError"
        else:
            error, error_type = str(cause or err), type(cause or err).__name__
        return machine.StepOutcome(
            StepStatus.FAILED, error=error, error_type=error_type, attempts=attempts, started_at=started_at
        )
