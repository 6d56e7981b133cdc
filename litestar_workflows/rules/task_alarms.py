"""Time-driven task rules: reminders, the escalation chain and a deadline's default decision.

A waiting human step may have reminders (after ``reminder_after``, then every
``reminder_every``), an escalation chain (level *i* reassigns the task to its groups or user at
its time since the task opened) and a deadline that either takes ``on_deadline`` or submits
``default_decision`` as the decision. The engine asks :func:`next_alarm` when to wake up (on
Temporal: a durable timer with the returned summary), then calls :func:`fire_alarms`; the
deadline stays its own timer and calls :func:`apply_deadline`.

Pure: time comes in as ``now``; the counters live in the task's
:class:`~litestar_workflows.rules.task_records.TaskOps` (they survive continue-as-new).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from litestar_workflows.rules import access, decisions, machine
from litestar_workflows.rules import task_ledger as tasks
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState, PendingTask

__all__ = ["DEFAULT_DECIDER", "Alarm", "Fired", "apply_deadline", "fire_alarms", "has_alarms", "next_alarm"]

DEFAULT_DECIDER = access.DEADLINE_DECIDER
"""The ``completed_by`` of a default decision taken when the deadline passed."""


@dataclass(frozen=True)
class Alarm:
    """When the engine must next call :func:`fire_alarms` for a task.

    Attributes:
        seconds: From now (positive).
        summary: What will happen (the timer's summary in the Web UI).
    """

    seconds: float
    summary: str


@dataclass(frozen=True)
class Fired:
    """Something :func:`fire_alarms` did.

    Attributes:
        step_name: The task's step.
        kind: ``reminder`` or ``escalation``.
        number: The reminder's number, or the escalation level reached (from 1).
        at: When it was due.
    """

    step_name: str
    kind: str
    number: int
    at: datetime


def has_alarms(step: StepSpec) -> bool:
    """Whether the step has reminders or an escalation chain."""
    return step.reminder_after_seconds is not None or bool(step.escalation_levels)


def _next_reminder(step: StepSpec, task: PendingTask, sent: int, before_deadline: bool) -> datetime | None:
    """When the next reminder is due; with ``before_deadline`` none at or after the deadline
    (the deadline acts then: a reminder at that instant would announce a closed task)."""
    if step.reminder_after_seconds is None or (sent and step.reminder_every_seconds is None):
        return None
    due = task.since + timedelta(seconds=step.reminder_after_seconds + (step.reminder_every_seconds or 0.0) * sent)
    if before_deadline and task.deadline_at is not None and due >= task.deadline_at:
        return None
    return due


def _next_level(step: StepSpec, task: PendingTask, level: int) -> datetime | None:
    if level >= len(step.escalation_levels):
        return None
    return task.since + timedelta(seconds=step.escalation_levels[level].after_seconds)


def next_alarm(
    graph: GraphSpec, state: InstanceState, step_name: str, now: datetime, *, before_deadline: bool = True
) -> Alarm | None:
    """The next reminder or escalation of a waiting task; ``None`` when there is none.

    ``before_deadline=False`` is the rule instances recorded before it follow (a reminder could
    fall due with the deadline); the interpreter passes what its ``workflow.patched`` says."""
    task = state.task(step_name)
    if task is None or state.status.is_finished or not graph.has_step(step_name):
        return None
    step = graph.step(step_name)
    ops = state.tasks.ops.get(step_name)
    sent, level = (ops.reminders_sent, ops.escalation_level) if ops is not None else (0, 0)
    reminder, escalation = _next_reminder(step, task, sent, before_deadline), _next_level(step, task, level)
    if reminder is None and escalation is None:
        return None
    if escalation is not None and (reminder is None or escalation <= reminder):
        target = step.escalation_levels[level]
        who = ", ".join([*([target.assignee] if target.assignee else []), *target.candidate_groups])
        due, summary = escalation, f"escalation of {step_name} to level {level + 1}: reassign to {who}"
    else:
        assert reminder is not None
        due, summary = reminder, f"reminder {sent + 1} for {step_name}"
    return Alarm(max((due - now).total_seconds(), 0.001), summary)


def fire_alarms(
    graph: GraphSpec, state: InstanceState, step_name: str, now: datetime, *, before_deadline: bool = True
) -> list[Fired]:
    """Send every reminder and reach every escalation level that is due; return what fired.

    An escalation reassigns the task (recorded as a hand-over by ``None``, the engine), which
    ends any claim or delegation. Nothing happens when the task is no longer waiting.
    """
    task = state.task(step_name)
    if task is None or state.status.is_finished or state.paused_at is not None:
        return []
    step = graph.step(step_name)
    ops = tasks.ops_of(state, step_name)
    fired: list[Fired] = []
    while True:
        reminder = _next_reminder(step, task, ops.reminders_sent, before_deadline)
        escalation = _next_level(step, task, ops.escalation_level)
        if escalation is not None and escalation <= now and (reminder is None or escalation <= reminder):
            level = step.escalation_levels[ops.escalation_level]
            task = tasks.record_handover(
                state,
                task,
                "escalate",
                None,
                now,
                to_assignee=level.assignee,
                to_groups=level.candidate_groups,
                reason=f"escalation level {ops.escalation_level + 1} after {level.after_seconds:g}s",
            )
            ops.delegated_by, ops.may_take_back, ops.offer_before_delegation = None, False, []
            ops.escalation_level += 1
            fired.append(Fired(step_name, "escalation", ops.escalation_level, escalation))
        elif reminder is not None and reminder <= now:
            ops.reminders_sent += 1
            fired.append(Fired(step_name, "reminder", ops.reminders_sent, reminder))
        else:
            tasks.sync_task(state, step_name)
            return fired


def apply_deadline(graph: GraphSpec, state: InstanceState, step_name: str, now: datetime) -> list[machine.Activation]:
    """The deadline of ``step_name`` passed: submit its ``default_decision`` (recorded as decided
    by :data:`DEFAULT_DECIDER`), or take its ``on_deadline`` step (:func:`machine.apply_deadline`)."""
    step = graph.step(step_name)
    task = state.task(step_name)
    if task is None or state.status.is_finished:
        return []
    if step.default_decision is None:
        state.tasks.ops.pop(step_name, None)
        return machine.apply_deadline(graph, state, step_name, now)
    data = dict(step.default_decision)
    seen = tasks.revision(state)
    if step.approvals_required > 1 or step.approval_groups:
        outcome = bool(data.get(step.approval_key))
        data = {**data, **decisions.close_votes(state, step, outcome=outcome)}
    else:
        state.tasks.ops.pop(step_name, None)
    decisions.remember_default(state, step, data, now, seen)
    return machine.apply_completion(
        graph,
        state,
        step_name,
        DEFAULT_DECIDER,
        data,
        now,
        comment=f"default decision: the deadline of {step.deadline_seconds or 0:g}s passed",
    )
