"""The interpreter's task operations, reminders and escalation chains (a mixin of
:class:`~workflows.interpreter.InterpreterWorkflow`).

The rules are :mod:`litestar_workflows.rules.tasks`, :mod:`~litestar_workflows.rules.decisions`
and :mod:`~litestar_workflows.rules.task_alarms`, as in-process; this module does the durable
I/O around them:

* claim, unclaim, reassign, delegate, take back, comment and send back are one Update whose
  validator runs the rules, so a refusal (409 claimed, 403 not allowed, 412 stale revision, 422
  invalid) writes nothing to the history; a send-back moves the instance on along the step's
  send-back edges and answers once the instance has settled (like a completion);
* a completion is checked again by the decision rules (claim, hand-over, revision, one decision
  per approver) and, on a step with several approvers, recorded until the last one needed;
* reminders and escalation levels are durable timers (``workflow.sleep`` with a Web UI summary),
  armed when the task opens and again after continue-as-new; the current level shows in the
  current details. Notifiers are event-bus handlers: the events are handed to the worker by the
  lifecycle-event activity (retried, never blocking the instance).

Every new command is behind ``workflow.patched`` and reached only by instances that use the new
options or operations, so histories recorded before replay unchanged.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import StepType
    from litestar_workflows.exceptions import StepNotWaitingError, WorkflowsError
    from litestar_workflows.rules import decisions, machine, task_alarms, tasks
    from litestar_workflows.rules.access import encode_identity
    from litestar_workflows.rules.state import InstanceState, PendingTask
    from litestar_workflows.rules.tasks import TaskOperation
    from litestar_workflows.temporal.contracts import (
        PATCH_FOUR_EYES_DECIDERS,
        PATCH_REMINDERS_BEFORE_DEADLINE,
        PATCH_SEND_BACK,
        PATCH_TASK_ALARMS,
        PATCH_TASK_MARKS,
        PATCH_TASK_OPERATIONS,
        UPDATE_OPERATE_TASK,
        CompleteHumanTask,
        SettledInstance,
        error_details,
    )

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from litestar_workflows.rules.budgets import SizeBudgets
    from litestar_workflows.rules.spec import GraphSpec

__all__ = ["ALARMS_SUFFIX", "InterpreterTaskOperations", "task_marks"]

ALARMS_SUFFIX = "#alarms"
"""Key suffix of a task's reminder/escalation timer in the interpreter's timers (beside its deadline)."""


def task_marks(task: PendingTask) -> list[str]:
    """``WaitingOn`` entries that tell a visibility listing a task's claim and escalation level
    (``claimed:<user>``, ``level:<n>``); no caller's entry ever matches them. Only in runs that
    passed the ``task-marks`` patch (an older history upserted WaitingOn without them)."""
    marks = [f"claimed:{encode_identity(task.claimed_by)}"] if task.claimed_by else []
    marks += [f"level:{task.escalation_level}"] if task.escalation_level else []
    return marks if marks and workflow.patched(PATCH_TASK_MARKS) else []


def _refusal(error: WorkflowsError) -> ApplicationError:
    return ApplicationError(str(error), error_details(error), type=type(error).__name__, non_retryable=True)


class InterpreterTaskOperations:
    """Task operations, decisions, reminders and escalations of the interpreter workflow."""

    if TYPE_CHECKING:
        _graph: GraphSpec
        _state: InstanceState
        _budgets: SizeBudgets
        _timers: dict[str, asyncio.Task[None]]
        _claims: dict[str, str]

        def _after(self, activations: list[machine.Activation]) -> None: ...
        def _publish(self) -> None: ...
        def _update_result(self) -> InstanceState | SettledInstance: ...
        def _cancel_timer(self, step_name: str) -> None: ...
        async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None: ...
        def _is_settled(self) -> bool: ...
        def _patched(self, patch_id: str) -> bool: ...

    # --- decisions ------------------------------------------------------------------------------

    def _validate_decision(self, request: CompleteHumanTask) -> None:
        """The decision rules beyond ``machine.validate_completion`` (raises the SDK error)."""
        decisions.validate_decision(
            self._graph,
            self._state,
            request.step_name,
            request.user_id,
            request.groups,
            request.data,
            expected_revision=request.expected_revision,
            budgets=self._budgets,
            every_decider=self._every_decider(request.step_name),
        )

    def _every_decider(self, step_name: str) -> bool:
        """Whether four-eyes checks see every decider in the decision records: always in a
        validator (it writes nothing and does not run on replay); in a handler only in histories
        recorded since (``workflow.patched``), asked only for steps with ``exclude_completers_of``."""
        if not self._graph.has_step(step_name) or not self._graph.step(step_name).exclude_completers_of:
            return True  # nothing to exclude: the flag changes nothing
        return workflow.unsafe.is_read_only() or self._patched(PATCH_FOUR_EYES_DECIDERS)

    def _decide(self, request: CompleteHumanTask) -> dict[str, Any] | None:
        """Record the decision; the data to complete with, or ``None`` while more approvers are needed."""
        seen = request.expected_revision or tasks.revision(self._state)
        data = decisions.decide(
            self._graph,
            self._state,
            request.step_name,
            request.user_id,
            request.groups,
            request.data,
            workflow.now(),
            comment=request.comment,
            revision_seen=seen,
        )
        if data is not None:
            self._cancel_timer(request.step_name + ALARMS_SUFFIX)
        return data

    def _deadline_passed(self, step_name: str) -> list[machine.Activation]:
        """The deadline fired: the default decision, or ``on_deadline``."""
        self._cancel_timer(step_name + ALARMS_SUFFIX)
        return task_alarms.apply_deadline(self._graph, self._state, step_name, workflow.now())

    # --- reminders and escalation ---------------------------------------------------------------

    def _arm_alarms(self, act: machine.Activation) -> None:
        """Start the reminder/escalation timer of a task that just opened (steps that have them)."""
        if act.kind != StepType.HUMAN or act.needs_guard or not self._graph.has_step(act.step_name):
            return
        if not task_alarms.has_alarms(self._graph.step(act.step_name)):
            return
        workflow.patched(PATCH_TASK_ALARMS)
        key = act.step_name + ALARMS_SUFFIX
        self._cancel_timer(key)
        self._timers[key] = asyncio.create_task(self._guarded(self._alarms(act.step_name)))

    def _rearm_alarms(self) -> None:
        """Arm the alarm timers of the tasks of a state carried over continue-as-new."""
        for task in self._state.pending:
            self._arm_alarms(machine.Activation(task.step_name, StepType.HUMAN))

    async def _alarms(self, step_name: str) -> None:
        state = self._state
        # Instances recorded before it could send a reminder at the instant of the deadline.
        task = state.task(step_name)
        before_deadline = task is None or task.deadline_at is None or workflow.patched(PATCH_REMINDERS_BEFORE_DEADLINE)
        while True:
            alarm = task_alarms.next_alarm(
                self._graph, state, step_name, workflow.now(), before_deadline=before_deadline
            )
            if alarm is None:
                return
            await workflow.sleep(alarm.seconds, summary=alarm.summary)
            if state.paused_at is not None:  # reminders wait while the instance is paused
                await workflow.wait_condition(lambda: state.paused_at is None or state.status.is_finished)
            if task_alarms.fire_alarms(self._graph, state, step_name, workflow.now(), before_deadline=before_deadline):
                self._after([])

    def _task_details(self, task: PendingTask) -> str:
        """The Web UI's current-details suffix of a task: claim, escalation level, approvals."""
        ops = self._state.tasks.ops.get(task.step_name)
        if ops is None:
            return ""
        parts = []
        if ops.claimed_by:
            parts.append(f"claimed by {ops.claimed_by}")
        if ops.delegated_by:
            parts.append(f"delegated by {ops.delegated_by}")
        if ops.escalation_level:
            parts.append(f"escalation level {ops.escalation_level}")
        if ops.votes:
            step = self._graph.step(task.step_name)
            approvals = sum(v.approved for v in ops.votes)
            parts.append(f"{approvals} of {step.approvals_required} approvals")
        if ops.reminders_sent:
            parts.append(f"{ops.reminders_sent} reminder(s) sent")
        return "".join(f" — {p}" for p in parts)

    # --- the operations update ------------------------------------------------------------------

    @workflow.update(
        name=UPDATE_OPERATE_TASK,
        description="Claim, unclaim, reassign, delegate, take back, comment on or send back a waiting human "
        "task ({kind, step_name, user_id, groups, target_user, target_groups, reason, keep_right, text, "
        "expected_revision}); returns the state (after a send-back, once settled). Refused (nothing "
        "written) when the rules forbid it.",
    )
    async def operate_task(self, operation: TaskOperation) -> InstanceState | SettledInstance:
        """Apply a task operation; return the state."""
        workflow.patched(PATCH_TASK_OPERATIONS)
        op = _normalised(operation)
        sending_back = op.kind == "send_back"
        try:
            self._check_not_completing(op)
            every = self._every_decider(op.step_name)
            if sending_back:
                workflow.patched(PATCH_SEND_BACK)
            activations = tasks.apply_operation(self._graph, self._state, op, workflow.now(), every_decider=every)
        except WorkflowsError as exc:  # validated again: an earlier update of the batch may have changed it
            raise _refusal(exc) from None
        if not sending_back:
            self._after([])
            return self._update_result()
        self._cancel_timer(op.step_name)
        self._cancel_timer(op.step_name + ALARMS_SUFFIX)
        self._after(activations)
        await workflow.wait_condition(self._is_settled)
        return self._update_result()

    @operate_task.validator
    def _validate_operate_task(self, operation: TaskOperation) -> None:
        op = _normalised(operation)
        try:
            self._check_not_completing(op)
            tasks.validate_operation(self._graph, self._state, op)
        except WorkflowsError as exc:
            raise _refusal(exc) from None

    def _check_not_completing(self, op: TaskOperation) -> None:
        """A task whose completion is being routed (its callable conditions run in an activity)
        cannot be sent back meanwhile."""
        completing = self._claims.get(op.step_name)
        if op.kind == "send_back" and completing is not None and not self._state.status.is_finished:
            raise StepNotWaitingError(self._state.instance_id, op.step_name, f"it is being completed by {completing!r}")


def _normalised(operation: TaskOperation) -> TaskOperation:
    """The operation with its collections as tuples (a payload decodes them as lists)."""
    return replace(
        operation,
        groups=tuple(operation.groups),
        target_groups=tuple(operation.target_groups),
        admin_groups=tuple(operation.admin_groups),
    )
