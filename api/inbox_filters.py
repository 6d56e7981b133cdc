"""The inbox filters of ``GET /tasks?show=``: the caller's tasks (claimed by or assigned to them),
the claimable ones (nobody claimed them, offered to the caller) and the overdue ones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.params import QueryParameter

from api.auth import Identity
from litestar_workflows.core.models import PendingTask
from litestar_workflows.rules.access import is_offered_to

__all__ = ["INBOX_VIEWS", "ShowParam", "inbox_shows"]


INBOX_VIEWS = ("assigned", "claimable", "overdue")
"""The inbox filters of ``GET /tasks?show=``."""

ShowParam = Annotated[
    str | None,
    QueryParameter(
        description="`assigned` (claimed by or assigned to the caller), `claimable` (nobody claimed it, "
        "offered to the caller) or `overdue` (its deadline passed); filters the page",
        pattern=r"^(assigned|claimable|overdue)$",
    ),
]


def inbox_shows(task: PendingTask, identity: Identity, show: str | None, now: datetime) -> bool:
    """Whether the inbox filter ``show`` keeps ``task`` for ``identity``."""
    if show is None:
        return True
    if show == "assigned":
        return task.claimed_by == identity.user_id or (task.claimed_by is None and task.assignee == identity.user_id)
    if show == "claimable":
        return task.claimed_by is None and is_offered_to(task, identity.user_id, identity.groups)
    return task.deadline_at is not None and task.deadline_at <= now
