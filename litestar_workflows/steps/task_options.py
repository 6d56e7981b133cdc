"""The task-operation options of a human step (several approvers, managers, reminders, an
escalation chain, a default decision): how they are written on a step, checked at registration
and compiled into its :class:`~litestar_workflows.rules.spec.StepSpec`.

The rules that use them: :mod:`litestar_workflows.rules.tasks` and
:mod:`litestar_workflows.rules.task_alarms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from litestar_workflows.rules.task_records import EscalationLevel

__all__ = ["MIN_REMINDER_INTERVAL", "Escalation", "task_option_errors", "task_option_fields"]

MIN_REMINDER_INTERVAL = timedelta(minutes=1)
"""Shortest interval between reminders (each is a timer and an event)."""

_MAX_LEVELS = 10


@dataclass(frozen=True)
class Escalation:
    """One level of an escalation chain: ``after`` the task opened, hand it to these.

    Attributes:
        after: Time since the task opened.
        candidate_groups: Groups it is reassigned to.
        assignee: User it is reassigned to.
    """

    after: timedelta
    candidate_groups: tuple[str, ...] = ()
    assignee: str | None = None


def task_option_fields(step: Any) -> dict[str, Any]:
    """The :class:`StepSpec` fields of a human step's task options."""
    return {
        "manager_groups": tuple(step.manager_groups),
        "approvals_required": int(step.approvals_required),
        "approval_groups": tuple(step.approval_groups),
        "approval_key": str(step.approval_key),
        "rejection_ends_step": bool(step.rejection_ends_step),
        "reminder_after_seconds": step.reminder_after.total_seconds() if step.reminder_after else None,
        "reminder_every_seconds": step.reminder_every.total_seconds() if step.reminder_every else None,
        "escalation_levels": tuple(
            EscalationLevel(e.after.total_seconds(), tuple(e.candidate_groups), e.assignee) for e in step.escalations
        ),
        "default_decision": dict(step.default_decision) if step.default_decision is not None else None,
    }


def task_option_errors(key: str, step: Any) -> list[str]:
    """Every problem of a human step's task options (registration refuses the definition)."""
    errors: list[str] = []
    where = f"human step {key!r}"
    if not isinstance(step.approvals_required, int) or not 1 <= step.approvals_required <= 50:
        errors.append(f"{where}: approvals_required must be an integer from 1 to 50")
    elif step.approval_groups and step.approvals_required < len(step.approval_groups):
        errors.append(f"{where}: approvals_required must be at least the number of approval_groups")
    for name, value in (("reminder_after", step.reminder_after), ("reminder_every", step.reminder_every)):
        if value is not None and value < MIN_REMINDER_INTERVAL:
            errors.append(f"{where}: {name} must be at least {MIN_REMINDER_INTERVAL}")
    if step.reminder_every is not None and step.reminder_after is None:
        errors.append(f"{where}: reminder_every needs reminder_after")
    if len(step.escalations) > _MAX_LEVELS:
        errors.append(f"{where}: at most {_MAX_LEVELS} escalation levels")
    last = timedelta(0)
    for i, level in enumerate(step.escalations):
        if not isinstance(level, Escalation):
            errors.append(f"{where}: escalations[{i}] must be an Escalation")
            continue
        if level.after <= last:
            errors.append(f"{where}: escalations[{i}].after must be positive and later than the level before")
        if not level.candidate_groups and not level.assignee:
            errors.append(f"{where}: escalations[{i}] names nobody (candidate_groups or assignee)")
        if step.deadline is not None and level.after >= step.deadline:
            errors.append(f"{where}: escalations[{i}].after must come before the deadline")
        last = level.after
    if step.default_decision is not None:
        if not isinstance(step.default_decision, Mapping):
            errors.append(f"{where}: default_decision must be a JSON object (the form data submitted)")
        if step.deadline is None:
            errors.append(f"{where}: default_decision needs a deadline")
        if step.on_deadline is not None:
            errors.append(f"{where}: set either on_deadline or default_decision, not both")
    return errors
