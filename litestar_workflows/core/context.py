"""The execution context handed to steps, and the step-history record."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

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
        input_data: Published field, accepted for 0.3.3 code; our engines leave it ``None`` (the
            data a step saw is the instance data at ``started_at``).
        output_data: Published field, accepted for 0.3.3 code; our engines leave it ``None`` (a
            machine step's return value is ``result``, a human step's form is ``data``).
        completed_by_groups: Groups of ``completed_by``, from their token.
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
    input_data: dict[str, Any] | None = None
    output_data: dict[str, Any] | None = None
    completed_by_groups: list[str] | None = None


@dataclass
class WorkflowContext:
    """State shared by the steps of one workflow instance.

    Steps read and write ``data`` through :meth:`get` and :meth:`set`; the rest is
    read-only information about the instance.

    Construct it by keyword (0.3.3's ``workflow_id=..., instance_id=..., started_at=...,
    tenant_id=...`` are accepted); ids may be given as UUIDs and are kept as strings, because our
    instance ids are readable strings (``expense_approval/inv-42``).

    Attributes:
        instance_id: Id of the workflow instance.
        data: The instance's data: initial data, step outputs and form submissions.
        current_step: Step being executed (or last one reached).
        step_history: Every step execution so far, oldest first.
        user_id: User who completed the most recent human step.
        metadata: Instance facts: ``workflow_name``, ``workflow_version``, ``business_key``.
        workflow_id: The definition the instance runs: ``metadata["workflow_name"]`` unless given.
        started_at: When the instance started (``None`` for a context built by hand without it).
        tenant_id: Tenant, for multi-tenant callers that set it; the engines do not use it.
    """

    instance_id: str
    data: dict[str, Any] = field(default_factory=dict)
    current_step: str | None = None
    step_history: list[StepExecution] = field(default_factory=list)
    user_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    workflow_id: str = ""
    started_at: datetime | None = None
    tenant_id: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.instance_id, UUID):
            self.instance_id = str(self.instance_id)
        if isinstance(self.workflow_id, UUID):
            self.workflow_id = str(self.workflow_id)
        if not self.workflow_id:
            self.workflow_id = str(self.metadata.get("workflow_name") or "")

    def with_step(self, step_name: str) -> WorkflowContext:
        """A copy whose ``current_step`` is ``step_name``; ``data``, ``metadata`` and the history
        are shared with this context (as in 0.3.3)."""
        return dataclasses.replace(self, current_step=step_name)

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
