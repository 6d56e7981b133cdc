"""Ending an instance: failing it, canceling it, and closing the history record of a step that
was waiting (also when its task completes, is sent back or times out).

Separate because every other rule module ends instances or closes waiting records through these
few functions, and they need nothing of the routing; :mod:`.machine` re-exports the public names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.exceptions import WorkflowAlreadyCompletedError
from litestar_workflows.rules.state import InstanceState

__all__ = ["cancel_instance", "fail_instance"]


def _close_waiting(state: InstanceState, step_name: str, **changes: Any) -> None:
    for record in reversed(state.history):
        if record.step_name == step_name and record.status == StepStatus.WAITING:
            for key, value in changes.items():
                setattr(record, key, value)
            return


def _end(state: InstanceState, status: WorkflowStatus, now: datetime) -> None:
    for name in [*state.pending_steps, *(w.step_name for w in state.waiting)]:
        _close_waiting(state, name, status=StepStatus.CANCELED, completed_at=now)
    state.waiting = []
    state.paused_at = None
    state.status = status
    state.completed_at = now
    state.current_step = None
    state.pending = []
    state.running = []
    state.arrivals = {}


def fail_instance(state: InstanceState, error: str, now: datetime, *, step_name: str | None = None) -> None:
    """Fail the instance with ``error``; waiting steps are canceled."""
    state.error = error
    state.failed_step = step_name
    _end(state, WorkflowStatus.FAILED, now)


def cancel_instance(state: InstanceState, reason: str, now: datetime) -> None:
    """Cancel the instance.

    Raises:
        WorkflowAlreadyCompletedError: It has already finished.
    """
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    state.error = f"canceled: {reason}" if reason else "canceled"
    _end(state, WorkflowStatus.CANCELED, now)
