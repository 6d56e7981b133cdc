"""The generic interpreter workflow: runs any definition from its graph snapshot.

All graph semantics come from :mod:`litestar_workflows.rules.machine`; this class only does
the durable I/O around it. This module keeps the workflow class: its state, the run loop
(cancellation, when to continue as new), dispatching activations and the handlers registered
under their wire names; the jobs live in mixins: machine steps as activities
(:mod:`workflows.machine_steps`), validating and applying human-task completions and their
deadlines (:mod:`workflows.human_tasks`), search attributes, memo and Web UI details
(:mod:`workflows.publishing`), continue-as-new (:mod:`workflows.continue_as_new`), timer and
webhook steps, pausing and events (:mod:`workflows.waits`), task operations, reminders and
escalations (:mod:`workflows.task_operations`).

Determinism: time comes from ``workflow.now()``, ids from the workflow info; nothing
here imports a definition's module (its code runs only in activities).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepType, WorkflowStatus
    from litestar_workflows.exceptions import WorkflowAlreadyExistsError, WorkflowsError
    from litestar_workflows.rules import machine
    from litestar_workflows.rules.budgets import SizeBudgets
    from litestar_workflows.rules.spec import GraphSpec
    from litestar_workflows.rules.state import InstanceState, RejectedInput
    from litestar_workflows.temporal.contracts import (
        ERROR_INSTANCE_FAILED,
        MEMO_STEP_COMPLETERS,
        PATCH_BASELINE,
        PATCH_BASELINE_V2,
        PATCH_BASELINE_V3,
        PATCH_COMPLETERS_MEMO,
        PATCH_FOUR_EYES_DECIDERS,
        PATCH_LEAN_PUBLISH,
        PATCH_PARTICIPANTS,
        QUERY_STATE,
        SIGNAL_COMPLETE_HUMAN_TASK,
        UPDATE_COMPLETE_HUMAN_TASK,
        UPDATE_WAIT_SETTLED,
        WORKFLOW_TYPE,
        CompleteHumanTask,
        InterpreterInput,
        SettledInstance,
        WaitSettled,
        data_digest,
        error_details,
        update_result,
    )
    from litestar_workflows.temporal.metrics import InstanceMetrics
    from workflows.continue_as_new import InterpreterContinueAsNew
    from workflows.human_tasks import InterpreterHumanTasks
    from workflows.machine_steps import PATCH_BUDGETS, InterpreterMachineSteps
    from workflows.publishing import InterpreterPublishing
    from workflows.task_operations import InterpreterTaskOperations
    from workflows.waits import InterpreterWaits

__all__ = ["InterpreterWorkflow"]

# Rejected completion signals kept in the state (the newest).
_MAX_REJECTED = 20
_BASELINE_V1 = frozenset({PATCH_PARTICIPANTS, PATCH_BUDGETS})
"""What :data:`PATCH_BASELINE` stands for."""
_BASELINE_V2 = frozenset({*_BASELINE_V1, PATCH_COMPLETERS_MEMO, PATCH_FOUR_EYES_DECIDERS})
"""What :data:`PATCH_BASELINE_V2` stands for."""
_BASELINE_V3 = frozenset({*_BASELINE_V2, PATCH_LEAN_PUBLISH})
"""What :data:`PATCH_BASELINE_V3` stands for."""


def _application_error(error: WorkflowsError) -> ApplicationError:
    """The ApplicationError that carries ``error`` to the client (type = SDK class name)."""
    return ApplicationError(str(error), error_details(error), type=type(error).__name__, non_retryable=True)


@workflow.defn(name=WORKFLOW_TYPE)
class InterpreterWorkflow(
    InterpreterWaits,
    InterpreterTaskOperations,
    InterpreterMachineSteps,
    InterpreterHumanTasks,
    InterpreterPublishing,
    InterpreterContinueAsNew,
):
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
        self._baseline: frozenset[str] | None = None  # the patches this run's baseline stands for (see _patched)
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
        """``workflow.patched(patch_id)`` for a patch folded into a baseline: one marker per run for
        all of them. The baselines are asked at the run's first such call (outside a validator),
        newest first, so a history recorded with an older baseline, or none, asks as it did."""
        if self._baseline is None:
            if workflow.patched(PATCH_BASELINE_V3):
                self._baseline = _BASELINE_V3
            elif workflow.patched(PATCH_BASELINE_V2):
                self._baseline = _BASELINE_V2
            elif workflow.patched(PATCH_BASELINE):
                self._baseline = _BASELINE_V1
            else:
                self._baseline = frozenset()
        return patch_id in self._baseline or workflow.patched(patch_id)

    def _raise_crash(self) -> None:
        # A bug in a background task must fail the workflow task (retried once fixed), not
        # vanish: re-raise it from the main coroutine.
        if self._crash is not None:
            raise self._crash

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
            self._validate(request, check_budgets=self._patched(PATCH_BUDGETS))
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
            self._validate(request, check_budgets=self._patched(PATCH_BUDGETS))
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
