"""Response bodies of the task routes: a waiting human task with its form and links, a page of the
inbox (built from :class:`~litestar_workflows.PendingTask`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.paths import instance_path, task_path
from litestar_workflows.core.models import PendingTask

__all__ = ["TaskLinks", "TaskList", "TaskView"]

_EXPENSE_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "approved": {"type": "boolean", "title": "Approve?"},
        "comments": {"type": "string", "title": "Comments"},
    },
    "required": ["approved"],
    "additionalProperties": False,
}


class TaskLinks(BaseModel):
    """Links of a task.

    Attributes:
        self: This task.
        complete: Where to submit the form (``POST``).
        instance: The instance.
    """

    self: str
    complete: str
    instance: str


class TaskView(BaseModel):
    """A human step waiting for input, with its form schema.

    Attributes:
        instance_id: Instance id.
        workflow_name: Definition name.
        workflow_version: Definition version.
        step_name: Step name.
        title: Task title.
        description: Task description.
        form_schema: JSON Schema the submitted ``data`` must satisfy.
        assignee: User it is assigned to, if any.
        candidate_groups: Groups whose members may complete it.
        since: When it began waiting.
        deadline_at: When its deadline passes, if it has one.
        on_deadline: Step taken when the deadline passes.
        can_complete: Whether the caller may complete it (``null`` when unknown).
        links: Related URLs (relative to the gateway root).
        claimed_by: Who claimed it (only they may complete it), if anyone.
        escalation_level: Escalation levels it reached.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "instance_id": "expense_approval/expense-2024-0042",
                    "workflow_name": "expense_approval",
                    "workflow_version": "1.0.0",
                    "step_name": "manager_approval",
                    "title": "Approve Expense Request",
                    "description": "Review and approve or reject this expense request",
                    "form_schema": _EXPENSE_FORM,
                    "assignee": None,
                    "candidate_groups": ["managers"],
                    "since": "2024-05-01T09:30:00Z",
                    "deadline_at": None,
                    "on_deadline": None,
                    "can_complete": True,
                    "links": {
                        "self": "/tasks/expense_approval%2Fexpense-2024-0042/manager_approval",
                        "complete": "/tasks/expense_approval%2Fexpense-2024-0042/manager_approval/complete",
                        "instance": "/instances/expense_approval%2Fexpense-2024-0042",
                    },
                }
            ]
        }
    )

    instance_id: str
    workflow_name: str
    workflow_version: str
    step_name: str
    title: str
    description: str
    form_schema: dict[str, Any] | None
    assignee: str | None
    candidate_groups: list[str]
    since: datetime
    deadline_at: datetime | None = None
    on_deadline: str | None = None
    can_complete: bool | None = None
    links: TaskLinks
    claimed_by: str | None = None
    escalation_level: int = 0

    @classmethod
    def from_task(cls, task: PendingTask, *, prefix: str = "", can_complete: bool | None = None) -> TaskView:
        """Build from a pending task; links are prefixed with ``prefix`` (the mount path)."""
        path = prefix + task_path(task.instance_id, task.step_name)
        return cls(
            instance_id=task.instance_id,
            workflow_name=task.workflow_name,
            workflow_version=task.workflow_version,
            step_name=task.step_name,
            title=task.title,
            description=task.description,
            form_schema=task.form_schema,
            assignee=task.assignee,
            candidate_groups=list(task.candidate_groups),
            since=task.since,
            deadline_at=task.deadline_at,
            on_deadline=task.on_deadline,
            can_complete=can_complete,
            claimed_by=task.claimed_by,
            escalation_level=task.escalation_level,
            links=TaskLinks(
                self=path,
                complete=path + "/complete",
                instance=prefix + instance_path(task.instance_id),
            ),
        )


class TaskList(BaseModel):
    """A page of the caller's inbox, oldest first.

    Attributes:
        items: Tasks of this page.
        next_cursor: Pass as ``cursor`` to get the next page; ``null`` on the last page.
    """

    items: list[TaskView]
    next_cursor: str | None = None
