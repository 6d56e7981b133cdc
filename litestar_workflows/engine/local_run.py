"""How the in-process engine runs an instance's steps (a mixin of
:class:`~litestar_workflows.engine.local.LocalExecutionEngine`).

The transitions are the rules' (:mod:`litestar_workflows.rules.machine`); this module does the
in-process I/O around them: it runs machine steps (parallel branches concurrently, a lone step in
the caller's task), retries and times them out, enforces the size budget on their output, arms a
human task's deadline, stops what runs when an instance ends, and publishes the events of each
transition (:mod:`~litestar_workflows.engine.local_events`). Kept apart from the engine's public
API so each file has one job.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from litestar_workflows.core.definition import WorkflowDefinition
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import StepStatus, StepType
from litestar_workflows.engine.local_events import EventRecorder
from litestar_workflows.engine.local_waits import timer_kind
from litestar_workflows.engine.step_attempt import callable_evaluator, run_step_attempt
from litestar_workflows.rules import machine, task_alarms
from litestar_workflows.rules.budgets import SizeBudgets, step_output_error
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState

__all__ = ["LocalInstance", "LocalStepRunner"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class LocalInstance:
    """One instance held by the in-process engine: its state, the view callers get, and the
    asyncio machinery around it (the lock every transition takes, running steps, timers)."""

    definition: WorkflowDefinition
    graph: GraphSpec
    state: InstanceState
    view: WorkflowInstance
    initial_data: dict[str, Any]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    inflight: set[asyncio.Task[Any]] = field(default_factory=set)
    timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    completions: dict[str, tuple[str, WorkflowInstance]] = field(default_factory=dict)
    inline: asyncio.Task[Any] | None = None


class _Engine(Protocol):
    budgets: SizeBudgets
    _background: set[asyncio.Task[Any]]
    _events: EventRecorder

    def _stop(self, record: LocalInstance) -> None: ...
    def _cancel_timer(self, record: LocalInstance, step_name: str) -> None: ...
    async def _drive(self, record: LocalInstance, activations: list[machine.Activation]) -> None: ...
    async def _run_inline(self, record: LocalInstance, act: machine.Activation) -> machine.StepOutcome | None: ...
    def _record(
        self, record: LocalInstance, act: machine.Activation, outcome: machine.StepOutcome
    ) -> list[machine.Activation]: ...
    def _within_budget(self, state: InstanceState, outcome: machine.StepOutcome) -> machine.StepOutcome: ...
    async def _run(self, record: LocalInstance, act: machine.Activation) -> machine.StepOutcome: ...
    def _schedule_deadline(self, record: LocalInstance, step_name: str, seconds: float) -> None: ...
    async def _deadline(self, record: LocalInstance, step_name: str) -> None: ...
    def _arm_alarms(self, record: LocalInstance, step_name: str) -> None: ...
    def _schedule_timer(self, record: LocalInstance, act: machine.Activation) -> None: ...


class LocalStepRunner:
    """Runs machine steps and arms deadlines for the in-process engine."""

    def _stop(self: _Engine, record: LocalInstance) -> None:
        for task in record.inflight:
            task.cancel()
        if record.inline is not None and record.inline is not asyncio.current_task():
            record.inline.cancel()
        for handle in record.timers.values():
            handle.cancel()
        record.timers.clear()

    def _cancel_timer(self: _Engine, record: LocalInstance, step_name: str) -> None:
        handle = record.timers.pop(step_name, None)
        if handle is not None:
            handle.cancel()

    async def _drive(self: _Engine, record: LocalInstance, activations: list[machine.Activation]) -> None:
        """Run machine steps until the instance settles: parallel branches concurrently, a
        lone step inline in the caller's task (no task switch: the common sequential case)."""
        state = record.state
        queue = list(activations)
        running: dict[asyncio.Task[machine.StepOutcome], machine.Activation] = {}
        while not state.status.is_finished:
            self._events.publish(record.graph, state)  # what the caller's transition started
            runnable = []
            for act in queue:
                if act.kind == StepType.HUMAN and not act.needs_guard:
                    self._arm_alarms(record, act.step_name)
                if act.kind == StepType.MACHINE or act.needs_guard:
                    runnable.append(act)
                elif act.deadline_seconds is not None:
                    self._schedule_deadline(record, act.step_name, act.deadline_seconds)
                elif timer_kind(act):
                    self._schedule_timer(record, act)
            queue = []
            if len(runnable) == 1 and not running:
                act = runnable[0]
                outcome = await self._run_inline(record, act)
                if outcome is not None:
                    queue = self._record(record, act, outcome)
                continue
            for act in runnable:
                task = asyncio.create_task(self._run(record, act))
                running[task] = act
                record.inflight.add(task)
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                act = running.pop(task)
                record.inflight.discard(task)
                if not task.cancelled() and not state.status.is_finished:
                    queue.extend(self._record(record, act, task.result()))
        if state.status.is_finished:
            for task in running:
                task.cancel()
            self._stop(record)
        record.view.refresh(state)
        self._events.publish(record.graph, state)

    async def _run_inline(self: _Engine, record: LocalInstance, act: machine.Activation) -> machine.StepOutcome | None:
        """Run ``act`` in the current task; ``None`` if :meth:`cancel_workflow` interrupted it."""
        current = asyncio.current_task()
        record.inline = current
        try:
            return await self._run(record, act)
        except asyncio.CancelledError:
            if current is None or not record.state.status.is_finished:
                raise
            # The instance was canceled while its step ran in the caller's task: swallow our
            # own cancellation so the caller gets the canceled instance, not an exception.
            current.uncancel()
            return None
        finally:
            record.inline = None

    def _record(
        self: _Engine, record: LocalInstance, act: machine.Activation, outcome: machine.StepOutcome
    ) -> list[machine.Activation]:
        state, graph = record.state, record.graph
        if act.needs_guard and outcome.status == StepStatus.SUCCEEDED:
            opened = [machine.open_human_task(graph, state, act.step_name, _now())]
            self._events.publish(graph, state)
            return opened
        evaluator = callable_evaluator(record.definition, lambda: state.context(act.step_name))
        outcome = self._within_budget(state, outcome)
        activations = machine.record_step_result(graph, state, act.step_name, outcome, _now(), evaluator)
        self._events.publish(graph, state, step=(act.step_name, outcome))
        return activations

    def _within_budget(self: _Engine, state: InstanceState, outcome: machine.StepOutcome) -> machine.StepOutcome:
        """The outcome, or a failure when keeping its output would exceed the size budgets."""
        if outcome.status != StepStatus.SUCCEEDED:
            return outcome
        changes = outcome.changes
        error = step_output_error(self.budgets, state.data, changes.set, changes.removed, outcome.result)
        if error is None:
            return outcome
        return machine.StepOutcome(
            StepStatus.FAILED,
            error=f"{error}; the step's output was not kept",
            error_type="StepOutputOverBudget",
            attempts=outcome.attempts,
            started_at=outcome.started_at,
        )

    async def _run(self: _Engine, record: LocalInstance, act: machine.Activation) -> machine.StepOutcome:
        step = record.definition.steps[act.step_name]
        spec = record.graph.step(act.step_name)
        started = _now()
        if act.needs_guard:
            allowed = await step.can_execute(record.state.context(act.step_name))
            return machine.StepOutcome(StepStatus.SUCCEEDED if allowed else StepStatus.SKIPPED, started_at=started)
        attempt = 1
        while True:
            before = dict(record.state.data)  # top-level values are replaced, never mutated, in state
            context = record.state.context(act.step_name)
            try:
                async with asyncio.timeout(spec.timeout_seconds):
                    return await run_step_attempt(
                        record.definition, step, context, started_at=started, attempt=attempt, before=before
                    )
            except Exception as exc:  # a user's step may raise anything; it becomes the step's outcome
                error = str(exc) or (
                    f"timed out after {spec.timeout_seconds:g}s" if isinstance(exc, TimeoutError) else ""
                )
                delay = spec.retry_delay(exc, attempt)
                if delay is None:
                    return machine.StepOutcome(
                        StepStatus.FAILED,
                        error=error or type(exc).__name__,
                        error_type=type(exc).__name__,
                        attempts=attempt,
                        started_at=started,
                    )
                await asyncio.sleep(delay)
                attempt += 1

    def _schedule_deadline(self: _Engine, record: LocalInstance, step_name: str, seconds: float) -> None:
        def fire() -> None:
            record.timers.pop(step_name, None)
            task = asyncio.create_task(self._deadline(record, step_name))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        self._cancel_timer(record, step_name)
        record.timers[step_name] = asyncio.get_running_loop().call_later(seconds, fire)

    async def _deadline(self: _Engine, record: LocalInstance, step_name: str) -> None:
        async with record.lock:
            activations = task_alarms.apply_deadline(record.graph, record.state, step_name, _now())
            await self._drive(record, activations)
        await self._events.flush()
