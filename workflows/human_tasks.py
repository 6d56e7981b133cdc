"""The interpreter's human-task completions and deadlines (a mixin of
:class:`~workflows.interpreter.InterpreterWorkflow`).

Separate from the workflow class, which keeps the Update/Signal handlers: this is what they
call. A completion is validated (read access, size budgets, a claim by a completion still
evaluating callable conditions, idempotency keys, the machine's and the decision rules) without
changing anything, then applied: the step is claimed before the first ``await``, callable
conditions run as an activity, and the machine moves on. A task's deadline is a durable timer
that submits the default decision or follows ``on_deadline``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepStatus
    from litestar_workflows.exceptions import IdempotencyKeyConflictError, StepNotWaitingError
    from litestar_workflows.rules import access, budgets, idempotency, machine
    from litestar_workflows.rules.spec import EdgeSpec
    from litestar_workflows.temporal.contracts import ACTIVITY_EVALUATE_CONDITIONS, CompleteHumanTask

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from litestar_workflows.rules.budgets import SizeBudgets
    from litestar_workflows.rules.spec import GraphSpec, StepSpec
    from litestar_workflows.rules.state import InstanceState
    from litestar_workflows.temporal.contracts import StepTask

__all__ = ["InterpreterHumanTasks"]


class InterpreterHumanTasks:
    """Validating and applying completions of human steps, and their deadline timers."""

    if TYPE_CHECKING:
        _graph: GraphSpec
        _state: InstanceState
        _budgets: SizeBudgets
        _claims: dict[str, str]
        _timers: dict[str, asyncio.Task[None]]

        def _after(self, activations: list[machine.Activation]) -> None: ...
        def _publish(self) -> None: ...
        async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None: ...
        def _validate_decision(self, request: CompleteHumanTask) -> None: ...
        def _decide(self, request: CompleteHumanTask) -> dict[str, Any] | None: ...
        def _deadline_passed(self, step_name: str) -> list[machine.Activation]: ...
        async def _execute(self, activity: str, step: StepSpec, task: StepTask) -> machine.StepOutcome: ...
        def _step_task(
            self, step_name: str, data: Mapping[str, Any] | None = None, *, step_history: bool = True
        ) -> StepTask: ...

    def _validate(self, request: CompleteHumanTask, *, check_budgets: bool = True) -> None:
        """Raise the SDK error that rejects ``request``; change nothing.

        ``check_budgets`` is ``False`` only when replaying a history from before the budgets.
        """
        # Someone who may not read the instance learns nothing, not even why they are refused.
        access.check_reader(self._state, self._graph, request.user_id, request.groups, request.admin_groups)
        if check_budgets:
            budgets.check_completion(self._budgets, request.data, request.comment, self._state.data)
        claimed_by = self._claims.get(request.step_name)
        if claimed_by is not None and not self._state.status.is_finished:
            raise StepNotWaitingError(
                self._state.instance_id, request.step_name, f"it is being completed by {claimed_by!r}"
            )
        if request.idempotency_key is not None and request.request_digest is not None:
            # Before the step's own checks: a key reused for another request is the clearest answer.
            scoped = idempotency.scoped_key(request.user_id, request.idempotency_key)
            if idempotency.key_conflicts(self._state, scoped, request.request_digest):
                raise IdempotencyKeyConflictError(self._state.instance_id, request.step_name, request.idempotency_key)
        machine.validate_completion(
            self._graph, self._state, request.step_name, request.user_id, request.groups, request.data
        )
        self._validate_decision(request)

    async def _complete(self, request: CompleteHumanTask) -> None:
        """Apply a validated completion. Claims the step before the first ``await``."""
        state, name = self._state, request.step_name
        if request.idempotency_key is not None and request.request_digest is not None:
            scoped = idempotency.scoped_key(request.user_id, request.idempotency_key)
            idempotency.remember_key(state, scoped, request.request_digest)
        decided = self._decide(request)
        if decided is None:  # one more approval recorded; the step waits for the others
            self._publish()
            return
        self._cancel_timer(name)
        evaluate: machine.CallableEvaluator | None = None
        if any(edge.callable_name for edge in self._graph.outgoing(name)):
            self._claims[name] = request.user_id
            self._publish()
            try:
                outcome = await self._execute(
                    ACTIVITY_EVALUATE_CONDITIONS,
                    self._graph.step(name),
                    self._step_task(name, {**state.data, **decided}, step_history=False),
                )
            finally:
                del self._claims[name]
            if state.status.is_finished:
                return
            evaluate = self._outcome_evaluator(outcome)
        activations = machine.apply_completion(
            self._graph,
            state,
            name,
            request.user_id,
            decided,
            workflow.now(),
            comment=request.comment,
            evaluate_callable=evaluate,
            groups=request.groups,
        )
        self._after(activations)

    @staticmethod
    def _outcome_evaluator(outcome: machine.StepOutcome) -> machine.CallableEvaluator:
        def evaluate(edge: EdgeSpec, data: Mapping[str, Any]) -> bool:
            key = str(edge.index)
            if outcome.status == StepStatus.FAILED:
                raise ValueError(outcome.error or "the conditions could not be evaluated")
            if key in outcome.callable_errors:
                raise ValueError(outcome.callable_errors[key])
            return outcome.callable_results[key]

        return evaluate

    def _start_timer(self, step_name: str, seconds: float) -> None:
        self._cancel_timer(step_name)
        self._timers[step_name] = asyncio.create_task(self._guarded_deadline(step_name, seconds))

    async def _guarded_deadline(self, step_name: str, seconds: float) -> None:
        # The deadline coroutine is made only once the task runs: a timer canceled before it
        # started (a completion in the same activation) leaves no never-awaited coroutine behind.
        await self._guarded(self._deadline(step_name, seconds))

    def _cancel_timer(self, step_name: str) -> None:
        timer = self._timers.pop(step_name, None)
        if timer is not None and not timer.done():
            timer.cancel()

    def _cancel_timers(self) -> None:
        for name in list(self._timers):
            self._cancel_timer(name)

    async def _deadline(self, step_name: str, seconds: float) -> None:
        step = self._graph.step(step_name)
        await workflow.sleep(
            seconds,
            summary=f"deadline of {step_name}: after {seconds:g}s "
            + (f"continue with {step.on_deadline}" if step.on_deadline else "submit the default decision"),
        )
        self._timers.pop(step_name, None)
        if step_name in self._claims:
            return
        self._after(self._deadline_passed(step_name))
