"""Writing a task's ledger: the bounds of what is kept, the digests and the instance revision a
decision is made on, the lookups of a waiting task, and the hand-over records.

The operations that use them are :mod:`.task_operations` (claim, hand-overs, comments),
:mod:`.send_back`, :mod:`.decisions` and :mod:`.task_alarms`; what they write is
:mod:`.task_records`.

Pure: time comes in as ``now``; nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, Final

from litestar_workflows.core.types import StepType
from litestar_workflows.exceptions import (
    StaleRevisionError,
    StepNotWaitingError,
    TaskNotFoundError,
    WorkflowAlreadyCompletedError,
    WorkflowPausedError,
)
from litestar_workflows.rules import access
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.rules.task_records import HandOver, TaskOps

__all__ = [
    "MAX_COMMENTS",
    "MAX_COMMENTS_PER_STEP",
    "MAX_COMMENT_BYTES",
    "MAX_DECISIONS",
    "MAX_HANDOVERS",
    "MAX_PARTICIPANTS",
    "check_revision",
    "claimed_by",
    "data_digest",
    "form_digest",
    "offer_step",
    "ops_of",
    "record_handover",
    "revision",
    "step_and_task",
    "sync_task",
    "waiting_task",
]

MAX_COMMENT_BYTES: Final = 2048
"""Longest comment (UTF-8 bytes), also of a send-back."""
MAX_COMMENTS_PER_STEP: Final = 50
"""Comments one waiting task accepts."""
MAX_COMMENTS: Final = 50
"""Comments an instance keeps (the newest)."""
MAX_HANDOVERS: Final = 100
"""Hand-over records an instance keeps (the newest)."""
MAX_DECISIONS: Final = 100
"""Decision records an instance keeps (the newest)."""
MAX_PARTICIPANTS: Final = 200
"""Readers (users and groups) hand-overs may bring an instance to."""


# --- digests and the revision ----------------------------------------------------------------


def _digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def data_digest(data: Any) -> str:
    """SHA-256 of ``data`` as canonical JSON."""
    return _digest(data)


def form_digest(schema: Mapping[str, Any] | None) -> str:
    """Short digest of a form schema: the version of the form a decision was made on."""
    return _digest(schema)[:16]


def revision(state: InstanceState) -> str:
    """The instance's revision: a digest of everything a decision depends on (status, data,
    tasks and who holds them, step records, votes, comments). Equal revisions mean nothing a
    decider could see has changed; it is the ETag of the instance and task views."""
    ledger = state.tasks
    view = [
        state.status.value,
        state.data,
        [(t.step_name, t.assignee, list(t.candidate_groups)) for t in state.pending],
        state.history_dropped,
        [(h.step_name, h.status.value) for h in state.history],
        sorted(w.step_name for w in state.waiting),
        state.paused_at is not None,
        {name: asdict(ops) for name, ops in ledger.ops.items()},
        ledger.handovers_total,
        ledger.decisions_total,
        ledger.comments_total,
    ]
    return _digest(view)[:20]


# --- lookups ----------------------------------------------------------------------------------


def ops_of(state: InstanceState, step_name: str) -> TaskOps:
    """The operations state of a waiting step (created empty on first use)."""
    ops = state.tasks.ops.get(step_name)
    if ops is None:
        ops = state.tasks.ops[step_name] = TaskOps()
    return ops


def claimed_by(state: InstanceState, step_name: str) -> str | None:
    """Who has claimed the task of ``step_name``, if anyone."""
    ops = state.tasks.ops.get(step_name)
    return None if ops is None else ops.claimed_by


def offer_step(step: StepSpec, task: PendingTask, ops: TaskOps | None) -> StepSpec:
    """The step as the access rules must see it: after a hand-over the task's current offer
    (not the definition's) says who may act."""
    if ops is None or not ops.handed_over:
        return step
    return replace(step, assignee=task.assignee, assignee_key=None, candidate_groups=task.candidate_groups)


def step_and_task(
    graph: GraphSpec, state: InstanceState, step_name: str, doing: str
) -> tuple[StepSpec, PendingTask | None]:
    """The step and its open task (``None`` if it has none), or the error that says why nothing
    can be done to it now (the instance finished or paused, no such step). ``doing`` names the
    attempt in the paused error (``"completing"``)."""
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    if state.paused_at is not None:
        raise WorkflowPausedError(state.instance_id, f"{doing} step {step_name!r}")
    if not graph.has_step(step_name):
        raise TaskNotFoundError(state.instance_id, step_name)
    return graph.step(step_name), state.task(step_name)


def waiting_task(graph: GraphSpec, state: InstanceState, step_name: str, doing: str) -> tuple[StepSpec, PendingTask]:
    """The step and its open task, or the error that says why there is none."""
    step, task = step_and_task(graph, state, step_name, doing)
    if task is None or step.kind != StepType.HUMAN:
        raise StepNotWaitingError(state.instance_id, step_name, "it has no open task")
    return step, task


def check_revision(state: InstanceState, step_name: str, expected: str | None) -> None:
    """Refuse (412) unless the instance is still at ``expected`` (``None``: no condition)."""
    if expected is not None:
        current = revision(state)
        if expected != current:
            raise StaleRevisionError(state.instance_id, step_name, expected, current)


# --- hand-overs ---------------------------------------------------------------------------------


def record_handover(
    state: InstanceState,
    task: PendingTask,
    kind: str,
    by: str | None,
    now: datetime,
    *,
    to_assignee: str | None,
    to_groups: tuple[str, ...],
    reason: str | None = None,
) -> PendingTask:
    """Give ``task`` a new offer and record who, when, from, to and why; return the new task.

    The task keeps its place in ``state.pending``; the new offer joins the participants (so its
    holders may read the instance afterwards).
    """
    ops = ops_of(state, task.step_name)
    ledger = state.tasks
    ledger.handovers.append(
        HandOver(
            step_name=task.step_name,
            kind=kind,
            by=by,
            at=now,
            from_assignee=ops.claimed_by or task.assignee,
            from_groups=list(task.candidate_groups),
            to_assignee=to_assignee,
            to_groups=list(to_groups),
            reason=reason,
        )
    )
    ledger.handovers_total += 1
    del ledger.handovers[:-MAX_HANDOVERS]
    if kind in ("claim", "unclaim"):
        return task
    new = replace(task, assignee=to_assignee, candidate_groups=tuple(to_groups))
    state.pending[state.pending.index(task)] = new
    ops.handed_over = True
    ops.claimed_by = ops.claimed_at = None
    for entry in access.offered_entries(to_assignee, to_groups):
        if entry not in state.participants:
            state.participants.append(entry)
    return new


def sync_task(state: InstanceState, step_name: str) -> None:
    """Show the claim and the escalation level on the pending task (what inboxes list)."""
    task, ops = state.task(step_name), state.tasks.ops.get(step_name)
    if task is None:
        return
    claimed, level = (ops.claimed_by, ops.escalation_level) if ops is not None else (None, 0)
    if (task.claimed_by, task.escalation_level) != (claimed, level):
        state.pending[state.pending.index(task)] = replace(task, claimed_by=claimed, escalation_level=level)
