"""The execution context handed to steps, and the step-history record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar_workflows.core.types import StepStatus

__all__ = ["StepExecution", "WorkflowContext"]


@dataclass
class StepExecution:
    """Record of one execution of a step.

    Attributes:
        step_name: Name of the step.
        status: Outcome of this execution.
        started_at: When the step started (for human steps: when it began waiting).
        completed_at: When it finished; ``None`` while running or waiting.
        result: Return value of a machine step's ``execute`` (JSON-compatible form).
        error: Error message if the step failed.
        completed_by: User who completed a human step.
        data: Form data submitted for a human step.
        comment: Optional comment given with a human decision.
        attempts: How many attempts a machine step took.
    """

    step_name: str
    status: StepStatus
    started_at: datetime
    completed_at: datetime | None = None
    result: Any = None
    error: str | None = None
    completed_by: str | None = None
    data: dict[str, Any] | None = None
    comment: str | None = None
    attempts: int = 1


@dataclass
class WorkflowContext:
    """State shared by the steps of one workflow instance.

    Steps read and write ``data`` through :meth:`get` and :meth:`set`; the rest is
    read-only information about the instance.

    Attributes:
        instance_id: Id of the workflow instance.
        data: The instance's data: initial data, step outputs and form submissions.
        current_step: Step being executed (or last one reached).
        step_history: Every step execution so far, oldest first.
        user_id: User who completed the most recent human step.
        metadata: Instance facts: ``workflow_name``, ``workflow_version``, ``business_key``.
    """

    instance_id: str
    data: dict[str, Any] = field(default_factory=dict)
    current_step: str | None = None
    step_history: list[StepExecution] = field(default_factory=list)
    user_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Return ``data[key]``, or ``default`` when the key is absent."""
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` in the instance data."""
        self.data[key] = value

    def get_last_execution(self, step_name: str | None = None) -> StepExecution | None:
        """Return the most recent execution record, of ``step_name`` if given."""
        for execution in reversed(self.step_history):
            if step_name is None or execution.step_name == step_name:
                return execution
        return None

    def has_step_executed(self, step_name: str) -> bool:
        """Whether ``step_name`` has finished at least once (succeeded, skipped, ...)."""
        return any(
            e.step_name == step_name and e.status not in (StepStatus.WAITING, StepStatus.RUNNING)
            for e in self.step_history
        )
