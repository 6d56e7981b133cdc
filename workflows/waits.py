"""The interpreter's timer steps, webhook callbacks, pause/resume and lifecycle events (a mixin
of :class:`~workflows.interpreter.InterpreterWorkflow`).

The transitions are the rules' (:mod:`litestar_workflows.rules.waits`); this module does the
durable I/O around them:

* a timer step is a durable ``workflow.sleep`` with a summary in the Web UI; it keeps counting
  while the instance is paused and is armed again after continue-as-new;
* a webhook callback and pause/resume are Updates whose validators refuse (writing nothing to
  the history) a wrong secret, a second delivery, an invalid payload, pausing twice, resuming an
  instance that is not paused;
* lifecycle events are read off the state after every transition and handed, in order and in
  batches, to the worker's notifiers, one activity per notifier with its own retries
  (:mod:`workflows.notifiers`; runs started before that: one delivery activity for all handlers);
  the workflow never runs a handler and the instance never waits for them, only the closing of its
  run does (bounded retries); a notifier's final failure is recorded on the instance.

Every new command is behind ``workflow.patched`` and reached only by instances that use the new
step kinds, pausing or events, so histories recorded before replay unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.notifiers import NotifierFanOut

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepType
    from litestar_workflows.exceptions import WorkflowsError
    from litestar_workflows.rules import lifecycle_events, machine, waits
    from litestar_workflows.rules.budgets import SizeBudgets
    from litestar_workflows.rules.notifiers import failure_lines
    from litestar_workflows.rules.state import InstanceState
    from litestar_workflows.temporal.contracts import (
        ACTIVITY_DELIVER_EVENTS,
        PATCH_EVENTS,
        PATCH_NOTIFIERS,
        PATCH_PAUSE,
        PATCH_STEP_KINDS,
        UPDATE_DELIVER_WEBHOOK,
        UPDATE_PAUSE,
        UPDATE_RESUME,
        DeliverWebhook,
        EventBatch,
        InterpreterInput,
        PauseRequest,
        SettledInstance,
        error_details,
    )

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from litestar_workflows.rules.spec import GraphSpec

__all__ = ["InterpreterWaits"]

# One event batch stays well below Temporal's 2 MiB payload limit.
_EVENT_BATCH_BYTES = 256 * 1024
# A handler that keeps failing is given up after these attempts (about 10 minutes), so the run
# can close; the worker logs every failure.
_EVENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=120),
    maximum_attempts=10,
)
_EVENT_TIMEOUT = timedelta(minutes=2)


def _refusal(error: WorkflowsError) -> ApplicationError:
    return ApplicationError(str(error), error_details(error), type=type(error).__name__, non_retryable=True)


def _fmt(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%d %H:%M:%S UTC"))


class InterpreterWaits:
    """Timers, webhooks, pausing and events of the interpreter workflow."""

    if TYPE_CHECKING:
        _graph: GraphSpec
        _state: InstanceState
        _input: InterpreterInput
        _timers: dict[str, asyncio.Task[None]]

        def _after(self, activations: list[machine.Activation]) -> None: ...
        def _publish(self) -> None: ...
        def _details(self) -> str: ...
        def _is_settled(self) -> bool: ...
        def _update_result(self) -> InstanceState | SettledInstance: ...
        def _cancel_timer(self, step_name: str) -> None: ...
        async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None: ...

    def _init_waits(self, input: InterpreterInput) -> None:
        """Set up the mixin's own state (called from the workflow's ``__init__``)."""
        self._event_queue: list[dict[str, Any]] = []
        self._event_sender: asyncio.Task[None] | None = None
        self._notifiers = NotifierFanOut(lambda: self._state, self._guarded, self._show_notifier_failure)
        self._event_snapshot = None if input.state is None else lifecycle_events.snapshot(input.state)
        self._pause_reason = ""
        if input.state is None and input.graph.has_webhooks:
            # Deterministic (seeded by Temporal), so it replays; only for graphs with webhook steps.
            self._state.webhook_secret = workflow.uuid4().hex

    # --- timer steps ------------------------------------------------------------------------

    def _dispatch_wait(self, act: machine.Activation) -> bool:
        """Arm a timer step's timer; ``False`` if ``act`` is not a timer's."""
        if act.kind != StepType.TIMER or act.timer_seconds is None:
            return False
        workflow.patched(PATCH_STEP_KINDS)
        self._cancel_timer(act.step_name)
        self._timers[act.step_name] = asyncio.create_task(
            self._guarded(self._step_timer(act.step_name, act.timer_seconds))
        )
        return True

    def _rearm_timers(self) -> None:
        """Arm again the timers of a state carried over continue-as-new."""
        for act in waits.timer_activations(self._state, workflow.now()):
            self._dispatch_wait(act)

    async def _step_timer(self, step_name: str, seconds: float) -> None:
        step = self._graph.step(step_name)
        about = f" — {step.description}" if step.description else ""
        await workflow.sleep(seconds, summary=f"timer step {step_name}: {seconds:g}s{about}")
        self._timers.pop(step_name, None)
        self._after(waits.apply_timer_fired(self._graph, self._state, step_name, workflow.now()))

    # --- webhook callbacks -----------------------------------------------------------------

    @workflow.update(
        name=UPDATE_DELIVER_WEBHOOK,
        description="Deliver an external system's callback to a waiting webhook step: {step_name, payload, "
        "secret}; returns the instance state at its next settle point. Rejected (nothing written) for a wrong "
        "secret, a second delivery, a payload that fails the step's schema, or a paused instance.",
    )
    async def deliver_webhook(self, request: DeliverWebhook) -> InstanceState | SettledInstance:
        """Store the payload under the step's ``callback_key`` and move on (exactly once)."""
        workflow.patched(PATCH_STEP_KINDS)
        self._check_webhook(request)  # again: an earlier update of the batch may have taken it
        self._after(waits.apply_webhook(self._graph, self._state, request.step_name, request.payload, workflow.now()))
        await workflow.wait_condition(self._is_settled)
        return self._update_result()

    @deliver_webhook.validator
    def _validate_deliver_webhook(self, request: DeliverWebhook) -> None:
        self._check_webhook(request)

    def _check_webhook(self, request: DeliverWebhook) -> None:
        try:
            budgets = self._input.budgets or SizeBudgets()
            waits.validate_webhook(
                self._graph, self._state, request.step_name, request.secret, request.payload, budgets
            )
        except WorkflowsError as exc:
            raise _refusal(exc) from None

    # --- pause and resume ------------------------------------------------------------------

    @workflow.update(
        name=UPDATE_PAUSE,
        description="Pause the instance: {user_id, reason}. It starts no new step and refuses completions "
        "and callbacks until resumed; running steps finish, timers keep counting. Rejected (nothing written) "
        "if it is paused already or has finished.",
    )
    async def pause_instance(self, request: PauseRequest) -> InstanceState | SettledInstance:
        """Pause; returns the state."""
        workflow.patched(PATCH_PAUSE)
        self._check_pause()
        waits.pause_instance(self._state, request.user_id, workflow.now())
        self._pause_reason = request.reason
        self._publish()
        return self._update_result()

    @pause_instance.validator
    def _validate_pause(self, request: PauseRequest) -> None:
        self._check_pause()

    def _check_pause(self) -> None:
        try:
            waits.validate_pause(self._state)
        except WorkflowsError as exc:
            raise _refusal(exc) from None

    @workflow.update(
        name=UPDATE_RESUME,
        description="Resume a paused instance: {user_id, reason}; what became ready while it was paused "
        "starts. Returns the state at its next settle point. Rejected (nothing written) if it is not paused.",
    )
    async def resume_instance(self, request: PauseRequest) -> InstanceState | SettledInstance:
        """Resume; returns the state once settled."""
        workflow.patched(PATCH_PAUSE)
        self._check_resume()
        self._after(waits.resume_instance(self._graph, self._state, workflow.now()))
        await workflow.wait_condition(self._is_settled)
        return self._update_result()

    @resume_instance.validator
    def _validate_resume(self, request: PauseRequest) -> None:
        self._check_resume()

    def _check_resume(self) -> None:
        try:
            waits.validate_resume(self._state)
        except WorkflowsError as exc:
            raise _refusal(exc) from None

    def _wait_details(self) -> list[str]:
        """Web UI lines of the pause and of the waiting timers and webhooks."""
        state, lines = self._state, []
        if state.paused_at is not None:
            reason = self._pause_reason
            lines.append(
                f"PAUSED by {state.paused_by or 'an operator'} since {_fmt(state.paused_at)}"
                + (f": {reason}" if reason else "")
                + " — starts no new step until resumed"
            )
        for wait in state.waiting:
            if wait.kind == StepType.TIMER and wait.until is not None:
                lines.append(f"timer {wait.step_name} — until {_fmt(wait.until)}")
            else:
                lines.append(f"waiting for the webhook callback of {wait.step_name} — since {_fmt(wait.since)}")
        return lines

    # --- lifecycle events -------------------------------------------------------------------

    def _emit_events(self) -> None:
        """Queue the events of the transitions since the last call and make sure a sender runs."""
        if not self._input.emit_events:
            return
        events = lifecycle_events.events_since(self._graph, self._event_snapshot, self._state, workflow.now())
        self._event_snapshot = lifecycle_events.snapshot(self._state)
        if not events:
            return
        self._event_queue.extend(e.to_dict() for e in events)
        if self._event_sender is None or self._event_sender.done():
            workflow.patched(PATCH_EVENTS)
            self._event_sender = asyncio.create_task(self._guarded(self._send_events()))

    def _events_idle(self) -> bool:
        return (
            not self._event_queue
            and (self._event_sender is None or self._event_sender.done())
            and self._notifiers.idle()
        )

    def _notifier_details(self) -> str:
        """Web UI lines of the newest notifier failures (appended to the current details)."""
        return "".join("\n\n" + line for line in failure_lines(self._state))

    def _show_notifier_failure(self) -> None:
        workflow.set_current_details(self._details() + self._notifier_details())

    async def _drain_events(self) -> None:
        """Wait until every queued event was handed over (before the run closes or continues as new)."""
        if self._input.emit_events:
            await workflow.wait_condition(self._events_idle)

    async def _send_events(self) -> None:
        """Hand the queue over batch by batch, in order; the instance does not wait for this."""
        while self._event_queue:
            if workflow.patched(PATCH_NOTIFIERS):
                # To each notifier by its own activity (queued there; this returns once routed).
                events, self._event_queue = self._event_queue, []
                await self._notifiers.hand_over(events)
                continue
            size, count = 0, 0
            for event in self._event_queue:
                size += len(json.dumps(event, default=str))
                if count and size > _EVENT_BATCH_BYTES:
                    break
                count += 1
            batch, self._event_queue = self._event_queue[:count], self._event_queue[count:]
            kinds = sorted({str(e.get("kind")) for e in batch})
            # A handler that failed on every attempt is given up (the worker logged each failure).
            with contextlib.suppress(ActivityError):
                await workflow.execute_activity(
                    ACTIVITY_DELIVER_EVENTS,
                    EventBatch(self._state.instance_id, batch),
                    result_type=int,
                    start_to_close_timeout=_EVENT_TIMEOUT,
                    retry_policy=_EVENT_RETRY,
                    summary=f"{len(batch)} event(s): {', '.join(kinds)}",
                )
