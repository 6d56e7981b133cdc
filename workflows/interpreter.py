"""The generic interpreter workflow: runs any definition from its graph snapshot.

All graph semantics come from :mod:`litestar_workflows.rules.machine`; this class only does
the durable I/O around it: machine steps (and any other Python code of the definition)
as activities, human steps as waits ended by an update or signal, deadlines as timers,
cancellation, continue-as-new, and keeping the Web UI informative (current details,
search attributes, activity and timer summaries).

Determinism: time comes from ``workflow.now()``, ids from the workflow info; nothing
here imports a definition's module (its code runs only in activities).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, RetryState, TimeoutError

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
    from litestar_workflows.exceptions import (
        IdempotencyKeyConflictError,
        StepNotWaitingError,
        WorkflowAlreadyExistsError,
        WorkflowsError,
    )
    from litestar_workflows.rules import access, budgets, idempotency, listing_facts, machine
    from litestar_workflows.rules.budgets import SizeBudgets
    from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec
    from litestar_workflows.rules.state import InstanceState, PendingTask, RejectedInput
    from litestar_workflows.temporal.contracts import (
        ACTIVITY_CHECK_GUARD,
        ACTIVITY_EVALUATE_CONDITIONS,
        ACTIVITY_RUN_STEP,
        ERROR_DEFINITION_NOT_LOADED,
        ERROR_INSTANCE_FAILED,
        ERROR_OUTPUT_OVER_BUDGET,
        MEMO_STEP_COMPLETERS,
        PATCH_BASELINE,
        PATCH_COMPLETERS_MEMO,
        PATCH_PARTICIPANTS,
        QUERY_STATE,
        SA_BUSINESS_KEY,
        SA_DEFINITION_NAME,
        SA_DEFINITION_VERSION,
        SA_INSTANCE_STATUS,
        SA_PARTICIPANTS,
        SA_PENDING_STEPS,
        SA_WAITING_ON,
        SA_WAITING_SINCE,
        SIGNAL_COMPLETE_HUMAN_TASK,
        UPDATE_COMPLETE_HUMAN_TASK,
        UPDATE_WAIT_SETTLED,
        WORKFLOW_TYPE,
        CompleteHumanTask,
        InterpreterInput,
        SettledInstance,
        StepTask,
        WaitSettled,
        candidate_entries,
        data_digest,
        error_details,
        update_result,
    )
    from litestar_workflows.temporal.metrics import InstanceMetrics
    from workflows.task_operations import InterpreterTaskOperations, task_marks
    from workflows.waits import InterpreterWaits

__all__ = ["InterpreterWorkflow"]

# A worker lacking the instance's definition version is asked again after this back-off.
_MISSING_WORKER_FIRST_DELAY = 5.0
_MISSING_WORKER_MAX_DELAY = 300.0
# Guards the size budgets (rules/budgets.py) where they change what an existing history did:
# a machine step whose output is over budget now fails, and a completion over budget is refused.
_PATCH_BUDGETS = "size-budgets"
# Activities heartbeat (activities/steps.py), so an attempt whose worker died is retried
# after this long instead of after the step's whole timeout (minutes by default).
_HEARTBEAT_TIMEOUT = 30.0
# Rejected completion signals kept in the state (the newest).
_MAX_REJECTED = 20


def _application_error(error: WorkflowsError) -> ApplicationError:
    """The ApplicationError that carries ``error`` to the client (type = SDK class name)."""
    return ApplicationError(str(error), error_details(error), type=type(error).__name__, non_retryable=True)


def _fmt_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _task_assignment(task: PendingTask) -> str:
    parts = []
    if task.assignee is not None:
        parts.append(f"assignee {task.assignee}")
    if task.candidate_groups:
        parts.append("groups " + ", ".join(task.candidate_groups))
    return " / ".join(parts) or "anyone"


@workflow.defn(name=WORKFLOW_TYPE)
class InterpreterWorkflow(InterpreterWaits, InterpreterTaskOperations):
    """Interprets the graph snapshot in its input; one execution is one instance."""

    @workflow.init
    def __init__(self, input: InterpreterInput) -> None:
        self._graph: GraphSpec = input.graph
        self._input = input
        self._budgets = input.budgets or SizeBudgets()
        # A continued run carries the digest, not the initial data again (the state holds the data).
        self._digest = input.initial_data_digest or data_digest(input.initial_data)
        self._fingerprint = input.graph.fingerprint()
        # Steps claimed by a completion that is still evaluating callable conditions.
        self._claims: dict[str, str] = {}
        self._inflight: set[asyncio.Task[None]] = set()
        self._timers: dict[str, asyncio.Task[None]] = {}
        # Activations held back while draining towards continue-as-new.
        self._held: list[machine.Activation] = []
        self._draining = False
        self._missing_worker: dict[str, str] = {}
        self._crash: BaseException | None = None
        self._baseline: bool | None = None  # whether this run has PATCH_BASELINE (see _patched)
        self._published: dict[str, Any] = {
            key.name: value for key, value in ((p.key, p.value) for p in workflow.info().typed_search_attributes)
        }
        self._initial: list[machine.Activation] = []
        # The deciders the memo lists now (a continued run carries its memo; see _publish_completers).
        self._completers_memo: Any = workflow.memo_value(MEMO_STEP_COMPLETERS, None)
        if input.state is not None:
            self._state = input.state
        else:
            self._state, self._initial = machine.start_instance(
                input.graph,
                workflow.info().workflow_id,
                input.initial_data,
                workflow.now(),
                business_key=input.business_key,
                started_by=input.started_by,
                started_by_groups=input.started_by_groups,
            )
        # Domain metrics (not recorded while replaying; issues no command).
        self._metrics = InstanceMetrics(input.graph, self._state, fresh=input.state is None)
        self._init_waits(input)

    # --- main loop --------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: InterpreterInput) -> InstanceState:
        """Drive the instance until it finishes; fail the execution if the instance failed."""
        if input.state is None:
            self._dispatch(self._initial)
        else:
            self._resume()
        self._publish()
        state = self._state
        try:
            while not state.status.is_finished:
                await workflow.wait_condition(
                    lambda: (
                        state.status.is_finished
                        or self._crash is not None
                        or workflow.info().is_continue_as_new_suggested()
                    )
                )
                self._raise_crash()
                if state.status.is_finished:
                    break
                await self._maybe_continue_as_new()
        except asyncio.CancelledError:
            if not state.status.is_finished:
                machine.cancel_instance(state, workflow.cancellation_reason() or "", workflow.now())
            self._stop()
            self._publish()
            await self._drain_events()
            await workflow.wait_condition(workflow.all_handlers_finished)
            raise
        self._stop()
        self._publish()
        await self._drain_events()
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() or self._crash is not None)
        self._raise_crash()
        if state.status == WorkflowStatus.FAILED:
            raise ApplicationError(
                state.error or "failed",
                {"failed_step": state.failed_step},
                type=ERROR_INSTANCE_FAILED,
                non_retryable=True,
            )
        return state

    def _patched(self, patch_id: str) -> bool:
        """``workflow.patched(patch_id)`` for a patch folded into :data:`PATCH_BASELINE`: one marker
        per run for all of them. The baseline is asked at the run's first such call (outside a
        validator), so a history recorded before it (no baseline marker) asks for each as it did."""
        if self._baseline is None:
            self._baseline = workflow.patched(PATCH_BASELINE)
        return self._baseline or workflow.patched(patch_id)

    def _raise_crash(self) -> None:
        # A bug in a background task must fail the workflow task (retried once fixed), not
        # vanish: re-raise it from the main coroutine.
        if self._crash is not None:
            raise self._crash

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

    # --- dispatching ---------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(self._guarded(coro))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return task

    async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # see _raise_crash
            self._crash = exc

    def _dispatch(self, activations: list[machine.Activation]) -> None:
        for act in activations:
            if act.kind == StepType.MACHINE or act.needs_guard:
                if self._draining:
                    self._held.append(act)
                else:
                    self._spawn(self._run_step(act))
            elif act.deadline_seconds is not None:
                self._start_timer(act.step_name, act.deadline_seconds)
                self._arm_alarms(act)
            elif not self._dispatch_wait(act):
                self._arm_alarms(act)

    def _after(self, activations: list[machine.Activation]) -> None:
        """Act on what a transition returned and show the new state."""
        self._dispatch(activations)
        if self._state.status.is_finished:
            self._stop()
        self._publish()

    def _stop(self) -> None:
        for task in list(self._inflight):
            task.cancel()
        self._cancel_timers()
        self._held = []

    # --- machine steps and guards --------------------------------------------------------------

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
        if error is None or not self._patched(_PATCH_BUDGETS):
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

    # --- human steps -------------------------------------------------------------------------

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

    # --- handlers -----------------------------------------------------------------------------

    @workflow.update(
        name=UPDATE_COMPLETE_HUMAN_TASK,
        description="Complete a waiting human step: {step_name, user_id, groups, data, comment}; returns the "
        "instance state at its next settle point (a summary if the state is over 32 KiB). Rejected (nothing "
        "written) if the step is not waiting, the user may not complete it, or the data fails the form schema.",
    )
    async def complete_human_task(self, request: CompleteHumanTask) -> InstanceState | SettledInstance:
        """Complete a waiting human step; return the state at the next settle point (:meth:`_update_result`)."""
        try:
            # Validated again: an earlier update of the same batch may have claimed the step.
            self._validate(request, check_budgets=self._patched(_PATCH_BUDGETS))
        except WorkflowsError as exc:
            raise _application_error(exc) from None
        await self._complete(request)
        await workflow.wait_condition(self._is_settled)
        return self._update_result()

    @complete_human_task.validator
    def _validate_complete_human_task(self, request: CompleteHumanTask) -> None:
        try:
            self._validate(request)
        except WorkflowsError as exc:
            raise _application_error(exc) from None

    @workflow.signal(
        name=SIGNAL_COMPLETE_HUMAN_TASK,
        description="Same as the complete_human_task update, fire and forget; a rejected completion is "
        "recorded in the state's rejected list and changes nothing else.",
    )
    async def complete_human_task_signal(self, request: CompleteHumanTask) -> None:
        """Same as the update, for callers that can only signal; rejections go to ``state.rejected``."""
        try:
            if not self._input.completion_signals:
                raise WorkflowsError("completion signals are turned off (WORKFLOWS_COMPLETION_SIGNALS=false)")
            self._validate(request, check_budgets=self._patched(_PATCH_BUDGETS))
        except WorkflowsError as exc:
            rejected = self._state.rejected
            rejected.append(RejectedInput(request.step_name, request.user_id, str(exc), workflow.now()))
            del rejected[:-_MAX_REJECTED]  # the newest only: anyone who can signal could grow it
            return
        await self._complete(request)

    @workflow.update(
        name=UPDATE_WAIT_SETTLED,
        description="Returns the instance state (a summary if over 32 KiB) once it waits for a person or has "
        "finished (used with update-with-start by TemporalExecutionEngine.start_workflow).",
    )
    async def wait_settled(self, request: WaitSettled) -> InstanceState | SettledInstance:
        """Return the state once the instance has settled (waiting, completed, failed or canceled)."""
        await workflow.wait_condition(self._is_settled)
        return self._update_result()

    @wait_settled.validator
    def _validate_wait_settled(self, request: WaitSettled) -> None:
        instance_id = self._state.instance_id
        if request.initial_data_digest is not None and request.initial_data_digest != self._digest:
            reason = "the business key was used with different data"
            raise _application_error(WorkflowAlreadyExistsError(instance_id, reason))
        if request.version is not None and request.version != self._graph.version:
            reason = f"the business key is used by version {self._graph.version!r}, not {request.version!r}"
            raise _application_error(WorkflowAlreadyExistsError(instance_id, reason))

    @workflow.query(
        name=QUERY_STATE,
        description="The full instance state: status, pending human steps with form schema and assignment, "
        "data, step history, error.",
    )
    def get_state(self) -> InstanceState:
        """The full instance state."""
        return self._state

    def _is_settled(self) -> bool:
        return self._state.status != WorkflowStatus.RUNNING and not self._claims

    def _update_result(self) -> InstanceState | SettledInstance:
        """What every update returns: the state while small, else its summary (the caller queries).

        An update's result is written into the history, so a large state is not written again on
        every update; measuring it encodes the state once more (the payload converter is deterministic).
        """
        state_bytes = len(workflow.payload_converter().to_payloads([self._state])[0].data)
        return update_result(self._state, state_bytes)

    # --- Web UI ---------------------------------------------------------------------------------

    def _publish(self) -> None:
        """Bring the search attributes and the current details in line with the state."""
        state = self._state
        waiting_on: list[str] = []
        for task in state.pending:
            for entry in [*candidate_entries(task.assignee, task.candidate_groups), *task_marks(task)]:
                if entry not in waiting_on:
                    waiting_on.append(entry)
        wanted: list[tuple[SearchAttributeKey[Any], Any]] = [
            (SA_DEFINITION_NAME, state.workflow_name),
            (SA_DEFINITION_VERSION, state.workflow_version),
            (SA_BUSINESS_KEY, state.business_key),
            (SA_INSTANCE_STATUS, state.status.value),
            (SA_PENDING_STEPS, state.pending_steps),
            (SA_WAITING_ON, waiting_on),
            (SA_WAITING_SINCE, min((t.since for t in state.pending), default=None)),
        ]
        if self._patched(PATCH_PARTICIPANTS):
            wanted.append((SA_PARTICIPANTS, access.participant_entries(state, self._graph)))
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in wanted:
            empty = value is None or value == []
            current = self._published.get(key.name)
            if (empty and current in (None, [])) or current == value:
                continue
            updates.append(key.value_unset() if empty else key.value_set(value))
            self._published[key.name] = None if empty else value
        if updates:
            workflow.upsert_search_attributes(updates)
        self._publish_completers()
        workflow.set_current_details(self._details() + self._notifier_details())
        self._emit_events()
        self._metrics.observe(state)

    def _publish_completers(self) -> None:
        """Keep the memo's deciders of the steps some ``exclude_completers_of`` names in line with
        the state, only when they change: the inbox tells ``can_complete`` from the listing row
        (:mod:`~litestar_workflows.rules.listing_facts`), without querying the run."""
        state = self._state
        record = listing_facts.completers_record(self._graph, state.history, state.tasks.decisions)
        if not record or record == self._completers_memo:
            return
        if workflow.patched(PATCH_COMPLETERS_MEMO):
            workflow.upsert_memo({MEMO_STEP_COMPLETERS: record})
            self._completers_memo = record

    def _details(self) -> str:
        state = self._state
        if state.status == WorkflowStatus.COMPLETED:
            return f"completed at {_fmt_time(state.completed_at or workflow.now())}"
        if state.status == WorkflowStatus.FAILED:
            where = f" at step {state.failed_step}" if state.failed_step else ""
            return f"failed{where}: {state.error}"
        if state.status == WorkflowStatus.CANCELED:
            return state.error or "canceled"
        lines = self._wait_details()
        for task in state.pending:
            line = f"waiting for {task.step_name} — {_task_assignment(task)} — since {_fmt_time(task.since)}"
            if task.deadline_at is not None:
                line += f" — deadline {_fmt_time(task.deadline_at)} then {task.on_deadline or 'the default decision'}"
            line += self._task_details(task)
            claimed = self._claims.get(task.step_name)
            if claimed is not None:
                line += f" — being completed by {claimed}"
            lines.append(line)
        for name in state.running:
            step = self._graph.step(name)
            line = f"running {name}" + (f" — {step.description}" if step.description else "")
            missing = self._missing_worker.get(name)
            if missing is not None:
                line += f" — waiting for a worker that has {state.workflow_name} {state.workflow_version}: {missing}"
            lines.append(line)
        return "\n\n".join(lines) or state.status.value
