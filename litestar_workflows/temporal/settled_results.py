"""What an update returns: the whole state while it is small, else a :class:`SettledInstance`.

Kept apart from the argument dataclasses because this is the one contract with a size rule and
two shapes on the wire (:func:`update_result` picks one in the workflow, :func:`decode_update_result`
tells them apart in the client). Re-exported by :mod:`litestar_workflows.temporal.contracts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from temporalio.converter import value_to_type

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.rules.tasks import revision
from litestar_workflows.temporal.payload_converter import DataclassConverter

__all__ = [
    "UPDATE_RESULT_INLINE_BYTES",
    "SettledInstance",
    "decode_update_result",
    "update_result",
]

UPDATE_RESULT_INLINE_BYTES: Final = 32 * 1024
"""Every update returns the whole :class:`InstanceState` while its JSON is at most this many bytes,
else a :class:`SettledInstance` and the caller reads the state with :data:`QUERY_STATE`
(:func:`update_result`). An update's result is written into the history (its
``WorkflowExecutionUpdateCompleted`` event), so this bounds what each update adds to it."""


@dataclass(frozen=True)
class SettledInstance:
    """What an update returns instead of a state over :data:`UPDATE_RESULT_INLINE_BYTES`: the
    instance at the update's settle point, without its data, history window and task ledger (the
    caller reads those with :data:`QUERY_STATE`).

    The field names are :class:`InstanceState`'s, so a client that decodes the result as a state
    (an engine from before this contract) still gets the status, the waiting tasks and the error
    (with empty data and history). ``state_bytes`` tells the two results apart
    (:func:`decode_update_result`).

    Attributes:
        instance_id: Instance id.
        workflow_name: Definition name.
        workflow_version: Definition version the instance runs.
        started_at: Start time.
        status: Status at the settle point.
        state_bytes: Size of the state's JSON, which was over the inline limit.
        revision: The instance's revision (``If-Match``) at the settle point.
        current_step: Step most recently started.
        pending: The waiting human tasks.
        running: Machine steps in flight.
        error: Why it failed or was canceled.
        failed_step: Step whose failure failed it.
        completed_at: End time, once finished.
        business_key: Caller-supplied business key.
    """

    instance_id: str
    workflow_name: str
    workflow_version: str
    started_at: datetime
    status: WorkflowStatus
    state_bytes: int
    revision: str = ""
    current_step: str | None = None
    pending: list[PendingTask] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    error: str | None = None
    failed_step: str | None = None
    completed_at: datetime | None = None
    business_key: str | None = None


def update_result(state: InstanceState, state_bytes: int) -> InstanceState | SettledInstance:
    """What an update returns: ``state`` while its JSON (``state_bytes``) is within
    :data:`UPDATE_RESULT_INLINE_BYTES`, else its :class:`SettledInstance`."""
    if state_bytes <= UPDATE_RESULT_INLINE_BYTES:
        return state
    return SettledInstance(
        instance_id=state.instance_id,
        workflow_name=state.workflow_name,
        workflow_version=state.workflow_version,
        started_at=state.started_at,
        status=state.status,
        state_bytes=state_bytes,
        revision=revision(state),
        current_step=state.current_step,
        pending=list(state.pending),
        running=list(state.running),
        error=state.error,
        failed_step=state.failed_step,
        completed_at=state.completed_at,
        business_key=state.business_key,
    )


def decode_update_result(value: Any) -> InstanceState | SettledInstance:
    """An update's result decoded from its JSON (fetched with no result type): a
    :class:`SettledInstance`, or the whole :class:`InstanceState` (a small one, or any result
    of a worker from before :class:`SettledInstance`)."""
    hint: type[Any] = SettledInstance if isinstance(value, Mapping) and "state_bytes" in value else InstanceState
    decoded: InstanceState | SettledInstance = value_to_type(hint, value, [DataclassConverter()])
    return decoded
