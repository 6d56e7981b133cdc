"""The root of the error hierarchy, :class:`WorkflowsError`, and the task-id helpers the
others share."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

__all__ = ["WorkflowsError", "split_task_id", "task_id"]


def task_id(instance_id: str, step_name: str) -> str:
    """``<instance id>/<step name>``, as :func:`litestar_workflows.core.events.task_id` (not imported:
    the errors depend on nothing else of the SDK)."""
    return f"{instance_id}/{step_name}"


def split_task_id(task_id: str | UUID) -> tuple[str, str]:
    """``(instance_id, step_name)`` of a task id; a bare id (e.g. a UUID) names no step."""
    text = str(task_id)
    instance_id, sep, step_name = text.rpartition("/")
    return (instance_id, step_name) if sep else (text, "")


class WorkflowsError(Exception):
    """Root of every error raised by ``litestar_workflows``.

    Attributes:
        message: Human-readable explanation, also returned by ``str()``.
        http_status: HTTP status the gateway answers with (class attribute).
        problem_code: Problem type code the gateway answers with (class attribute).
    """

    http_status: ClassVar[int] = 500
    problem_code: ClassVar[str] = "internal-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        # KeyError would otherwise repr() the message, wrapping it in quotes.
        return self.message
