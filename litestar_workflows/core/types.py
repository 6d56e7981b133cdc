"""Enumerations shared by the SDK, both engines and the gateway.

Values are lowercase strings because they cross process boundaries (Temporal
payloads, search attributes, JSON bodies) and must stay stable.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["StepStatus", "StepType", "WorkflowStatus"]


class StepType(StrEnum):
    """Kind of a step."""

    MACHINE = "machine"
    HUMAN = "human"
    WEBHOOK = "webhook"
    TIMER = "timer"
    GATEWAY = "gateway"


class StepStatus(StrEnum):
    """Status of one execution of a step, as recorded in the step history."""

    PENDING = "pending"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"


class WorkflowStatus(StrEnum):
    """Status of a workflow instance."""

    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_finished(self) -> bool:
        """Whether the instance has reached a final state."""
        return self in (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED, WorkflowStatus.CANCELED)
