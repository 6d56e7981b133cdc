"""Enumerations shared by the SDK, both engines and the gateway.

Values are lowercase strings because they cross process boundaries (Temporal
payloads, search attributes, JSON bodies) and must stay stable.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

if TYPE_CHECKING:
    from litestar_workflows.core.protocols import Step, Workflow

__all__ = ["Context", "StepStatus", "StepT", "StepType", "T", "WorkflowStatus", "WorkflowT"]

Context: TypeAlias = dict[str, Any]
"""The published alias for a workflow's data dictionary."""

T = TypeVar("T")
"""Generic type variable (published name)."""

StepT = TypeVar("StepT", bound="Step[Any]")
"""A type variable bound to the :class:`~litestar_workflows.core.protocols.Step` protocol."""

WorkflowT = TypeVar("WorkflowT", bound="Workflow")
"""A type variable bound to the :class:`~litestar_workflows.core.protocols.Workflow` protocol."""


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
    """Status of a workflow instance.

    ``PENDING``: created, no step has run yet. ``PAUSED``: an operator paused it; it starts no
    new step and refuses completions until resumed, while its timers keep counting. Neither is
    finished: a paused instance is resumed, not ended.
    """

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    WAITING = "waiting"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_finished(self) -> bool:
        """Whether the instance has reached a final state."""
        return self in (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED, WorkflowStatus.CANCELED)
