"""The events of the task operations, read off the state like the other lifecycle events
(:mod:`~litestar_workflows.rules.lifecycle_events`): a new hand-over record is a
:class:`HumanTaskReassigned` (claims, delegations and escalations included), a reminder counter
that went up is a :class:`HumanTaskReminder` per reminder, a new decision record with outcome
``sent back`` is a :class:`HumanTaskSentBack` (after the ``task.completed`` of the closed task).

Pure: the marks are plain numbers kept by the caller between two transitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from litestar_workflows.core.events import (
    HumanTaskReassigned,
    HumanTaskReminder,
    HumanTaskSentBack,
    WorkflowEvent,
    task_id,
)
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.task_records import SENT_BACK

__all__ = ["TaskMarks", "marks", "task_events_since"]


@dataclass(frozen=True)
class TaskMarks:
    """How far the events of the task operations went.

    Attributes:
        handovers_total: Hand-overs recorded so far.
        reminders: Reminders sent so far, per waiting step.
        decisions_total: Decision records so far.
    """

    handovers_total: int = 0
    reminders: dict[str, int] = field(default_factory=dict)
    decisions_total: int = 0


def marks(state: InstanceState) -> TaskMarks:
    """The marks of ``state`` now."""
    ledger = state.tasks
    reminders = {name: ops.reminders_sent for name, ops in ledger.ops.items()}
    return TaskMarks(ledger.handovers_total, reminders, ledger.decisions_total)


def task_events_since(state: InstanceState, before: TaskMarks, now: datetime) -> list[WorkflowEvent]:
    """The hand-over, reminder and send-back events since ``before``."""
    iid, ledger = state.instance_id, state.tasks
    events: list[WorkflowEvent] = []
    new = min(ledger.handovers_total - before.handovers_total, len(ledger.handovers))
    for record in ledger.handovers[len(ledger.handovers) - new :] if new > 0 else []:
        to = record.to_assignee or ",".join(record.to_groups) or None
        events.append(
            HumanTaskReassigned(
                iid,
                record.at,
                record.step_name,
                task_id(iid, record.step_name),
                from_assignee=record.from_assignee or ",".join(record.from_groups) or None,
                to_assignee=to,
                reassigned_by=record.by,
                reason=record.reason or record.kind,
            )
        )
    for name, ops in ledger.ops.items():
        task = state.task(name)
        holder = ops.claimed_by or (task.assignee if task else None)
        offered = holder or (",".join(task.candidate_groups) if task else None) or None
        for number in range(before.reminders.get(name, 0) + 1, ops.reminders_sent + 1):
            events.append(
                HumanTaskReminder(
                    iid, now, name, task_id(iid, name), number, assignee=offered, escalation_level=ops.escalation_level
                )
            )
    decided = min(ledger.decisions_total - before.decisions_total, len(ledger.decisions))
    for decision in ledger.decisions[len(ledger.decisions) - decided :] if decided > 0 else []:
        if decision.outcome == SENT_BACK:
            events.append(
                HumanTaskSentBack(
                    iid,
                    decision.at,
                    decision.step_name,
                    task_id(iid, decision.step_name),
                    decision.user_id,
                    decision.comment,
                    sent_to=",".join(decision.sent_to) or None,
                )
            )
    return events
