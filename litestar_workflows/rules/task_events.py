"""The events of the task operations, read off the state like the other lifecycle events
(:mod:`~litestar_workflows.rules.lifecycle_events`): a new hand-over record is a
:class:`HumanTaskReassigned` (claims, delegations and escalations included), a reminder counter
that went up is a :class:`HumanTaskReminder` per reminder.

Pure: the marks are plain numbers kept by the caller between two transitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from litestar_workflows.core.events import HumanTaskReassigned, HumanTaskReminder, WorkflowEvent, task_id
from litestar_workflows.rules.state import InstanceState

__all__ = ["TaskMarks", "marks", "task_events_since"]


@dataclass(frozen=True)
class TaskMarks:
    """How far the events of the task operations went.

    Attributes:
        handovers_total: Hand-overs recorded so far.
        reminders: Reminders sent so far, per waiting step.
    """

    handovers_total: int = 0
    reminders: dict[str, int] = field(default_factory=dict)


def marks(state: InstanceState) -> TaskMarks:
    """The marks of ``state`` now."""
    ledger = state.tasks
    return TaskMarks(ledger.handovers_total, {name: ops.reminders_sent for name, ops in ledger.ops.items()})


def task_events_since(state: InstanceState, before: TaskMarks, now: datetime) -> list[WorkflowEvent]:
    """The hand-over and reminder events since ``before``."""
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
    return events
