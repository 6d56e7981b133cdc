"""The inbox's rows: the user's tasks split into assigned-to-me and offered-to-my-groups, overdue
first, with who claimed each and its escalation level; filtered like ``GET /tasks?show=``
(:func:`api.inbox_filters.inbox_shows`: assigned to me, claimable by me, overdue)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api.auth import Identity
from api.inbox_filters import INBOX_VIEWS, inbox_shows
from api.ui.site import UISite
from litestar_workflows.core.models import PendingTask

__all__ = ["SHOW_LABELS", "inbox_rows"]

_LABELS = {"assigned": "Assigned to me", "claimable": "Claimable by me", "overdue": "Overdue"}
SHOW_LABELS = {view: _LABELS[view] for view in INBOX_VIEWS}
"""The inbox filters (``?show=``, the REST inbox's) and their labels."""


def inbox_rows(
    site: UISite, tasks: list[PendingTask], identity: Identity, show: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Tasks kept by the filter ``show``, split into assigned-to-me (claimed by me, or assigned to
    me and not claimed) and the rest, overdue first, then by due date and age."""
    now = datetime.now(UTC)
    far = datetime.max.replace(tzinfo=UTC)
    kept = [t for t in tasks if inbox_shows(t, identity, show, now)]
    ordered = sorted(kept, key=lambda t: (not (t.deadline_at and t.deadline_at < now), t.deadline_at or far, t.since))
    groups: dict[str, list[dict[str, Any]]] = {"mine": [], "claimable": []}
    for task in ordered:
        groups["mine" if inbox_shows(task, identity, "assigned", now) else "claimable"].append(
            {
                "task": task,
                "url": site.url("tasks", task.instance_id, task.step_name),
                "instance_url": site.url("instances", task.instance_id),
                "overdue": bool(task.deadline_at and task.deadline_at < now),
                "offered_to": task.assignee or ", ".join(task.candidate_groups) or "anyone",
                "claimed_by": task.claimed_by,
                "escalation": task.escalation_level,
            }
        )
    return groups
