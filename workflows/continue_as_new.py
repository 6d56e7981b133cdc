"""The interpreter's continue-as-new: draining towards it and resuming after it (a mixin of
:class:`~workflows.interpreter.InterpreterWorkflow`).

Separate from the run loop, which only decides when Temporal suggests it: here the instance
holds back new activations until nothing is in flight (no activity, claim, handler or event
delivery), then continues with its state in the input; a handler that arrives meanwhile makes
it run on and try later. A continued run restarts the running steps and re-arms its timers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepType
    from litestar_workflows.rules import machine
    from litestar_workflows.temporal.contracts import InterpreterInput

if TYPE_CHECKING:
    import asyncio

    from litestar_workflows.rules.spec import GraphSpec
    from litestar_workflows.rules.state import InstanceState

__all__ = ["InterpreterContinueAsNew"]


class InterpreterContinueAsNew:
    """Continue-as-new of the interpreter workflow: drain, hand over, resume."""

    if TYPE_CHECKING:
        _graph: GraphSpec
        _state: InstanceState
        _input: InterpreterInput
        _digest: str
        _claims: dict[str, str]
        _inflight: set[asyncio.Task[None]]
        _held: list[machine.Activation]
        _draining: bool
        _crash: BaseException | None

        def _raise_crash(self) -> None: ...
        def _dispatch(self, activations: list[machine.Activation]) -> None: ...
        def _cancel_timers(self) -> None: ...
        def _start_timer(self, step_name: str, seconds: float) -> None: ...
        def _events_idle(self) -> bool: ...
        def _rearm_timers(self) -> None: ...
        def _rearm_alarms(self) -> None: ...

    async def _maybe_continue_as_new(self) -> None:
        state = self._state

        def quiet() -> bool:
            return not self._inflight and not self._claims and workflow.all_handlers_finished() and self._events_idle()

        self._draining = True
        await workflow.wait_condition(
            lambda: (
                state.status.is_finished or self._crash is not None or quiet() or not workflow.all_handlers_finished()
            )
        )
        self._raise_crash()
        if not state.status.is_finished and quiet():
            self._cancel_timers()
            workflow.continue_as_new(
                InterpreterInput(
                    graph=self._graph,
                    business_key=self._input.business_key,
                    started_by=self._input.started_by,
                    state=state,
                    budgets=self._input.budgets,
                    initial_data_digest=self._digest,
                    started_by_groups=self._input.started_by_groups,
                    completion_signals=self._input.completion_signals,
                    emit_events=self._input.emit_events,
                ),
                search_attributes=workflow.info().typed_search_attributes,
            )
        # A handler arrived (it may be waiting for the instance to settle): run on, try later.
        self._draining = False
        held, self._held = self._held, []
        self._dispatch(held)
        await workflow.wait_condition(
            lambda: state.status.is_finished or self._crash is not None or workflow.all_handlers_finished()
        )

    def _resume(self) -> None:
        """Restart the work of a state carried over continue-as-new."""
        now = workflow.now()
        for name in list(self._state.running):
            step = self._graph.step(name)
            kind = StepType.MACHINE if step.runs_code else step.kind
            self._dispatch([machine.Activation(name, kind, needs_guard=step.is_human)])
        self._rearm_timers()
        self._rearm_alarms()
        for task in self._state.pending:
            if task.deadline_at is not None:
                # A deadline that passed during the hand-over fires at once (timers must be positive).
                self._start_timer(task.step_name, max((task.deadline_at - now).total_seconds(), 0.001))
