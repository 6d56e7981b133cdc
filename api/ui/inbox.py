"""The inbox's rows: the user's tasks split into assigned-to-me and offered-to-my-groups, overdue first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.auth import Identity
from api.ui.site import UISite
from litestar_workflows.core.models import PendingTask

__all__ = ["inbox_rows"]


def inbox_rows(site: UISite, tasks: list[PendingTask], identity: Identity) -> dict[str, list[dict[str, Any]]]:
    """Tasks split into assigned-to-me and offered-to-my-groups, overdue first, then by due date and age."""
    now = datetime.now(UTC)
    far = datetime.max.replace(tzinfo=UTC)
    ordered = sorted(tasks, key=lambda t: (not (t.deadline_at and t.deadline_at < now), t.deadline_at or far, t.since))
    groups: dict[str, list[dict[str, Any]]] = {"mine": [], "claimable": []}
    for task in ordered:
        groups["mine" if task.assignee == identity.user_id else "claimable"].append(
            {
                "task": task,
                "url": site.url("tasks", task.instance_id, task.step_name),
                "instance_url": site.url("instances", task.instance_id),
                "overdue": bool(task.deadline_at and task.deadline_at < now),
                "offered_to": task.assignee or ", ".join(task.candidate_groups) or "anyone",
                "escalation": getattr(task, "escalation_level", 0),
            }
        )
    return groups
