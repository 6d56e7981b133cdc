"""The human-task operations: claim, unclaim, reassign, delegate, take back, comment; several
approvers on one step; decision records and the instance revision a decision must be made on.

Who a task is offered to and who may complete it stays the access rules'
(:mod:`~litestar_workflows.rules.access`); this module only narrows it: a claimed task may be
completed by its claimer alone, a handed-over task by whom it was handed to. Both engines call
these functions (on Temporal: in the update validators, so a refusal writes no history).

Everything kept is bounded (:data:`MAX_HANDOVERS`, :data:`MAX_DECISIONS`, :data:`MAX_COMMENTS`,
:data:`MAX_VOTES`) and each decision's data is stored once: in the instance data (for a step with
several approvers, as a list under the step's name); its record keeps a digest.

Pure: time comes in as ``now``; nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Final

from litestar_workflows.core.types import StepType
from litestar_workflows.exceptions import (
    BudgetExceededError,
    FieldError,
    FormValidationError,
    StaleRevisionError,
    StepNotWaitingError,
    TaskClaimedError,
    TaskNotFoundError,
    TaskOperationNotAllowedError,
    WorkflowAlreadyCompletedError,
    WorkflowInstanceNotFoundError,
    WorkflowPausedError,
)
from litestar_workflows.rules import access
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.rules.task_records import HandOver, TaskComment, TaskOps

__all__ = [
    "MAX_COMMENTS",
    "MAX_COMMENTS_PER_STEP",
    "MAX_COMMENT_BYTES",
    "MAX_DECISIONS",
    "MAX_HANDOVERS",
    "MAX_PARTICIPANTS",
    "MAX_REASON_CHARS",
    "MAX_TARGET_GROUPS",
    "OPERATIONS",
    "TaskOperation",
    "apply_operation",
    "check_revision",
    "claimed_by",
    "data_digest",
    "form_digest",
    "offer_step",
    "ops_of",
    "record_handover",
    "revision",
    "sync_task",
    "validate_operation",
    "waiting_task",
]

MAX_REASON_CHARS: Final = 500
"""Longest reason of a hand-over."""
MAX_COMMENT_BYTES: Final = 2048
"""Longest comment (UTF-8 bytes)."""
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
MAX_TARGET_GROUPS: Final = 20
"""Groups a task may be reassigned to at once."""

OPERATIONS: Final = ("claim", "unclaim", "reassign", "delegate", "take_back", "comment")
"""The operations :func:`apply_operation` knows."""


@dataclass(frozen=True)
class TaskOperation:
    """One operation on a waiting task, on behalf of ``user_id`` (from a verified token).

    Attributes:
        kind: One of :data:`OPERATIONS`.
        step_name: The task's step.
        user_id: Who asks.
        groups: Their groups.
        target_user: ``reassign``/``delegate``: the user it goes to.
        target_groups: ``reassign``: the groups it goes to.
        reason: Why (recorded with the hand-over).
        keep_right: ``delegate``: the delegator may take it back.
        text: ``comment``: the comment.
        expected_revision: Refuse unless the instance is still at this revision.
        admin_groups: The engine's admin groups (trusted configuration, not the caller's).
    """

    kind: str
    step_name: str
    user_id: str
    groups: tuple[str, ...] = ()
    target_user: str | None = None
    target_groups: tuple[str, ...] = ()
    reason: str | None = None
    keep_right: bool = False
    text: str | None = None
    expected_revision: str | None = None
    admin_groups: tuple[str, ...] = ()


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


def waiting_task(graph: GraphSpec, state: InstanceState, step_name: str, doing: str) -> tuple[StepSpec, PendingTask]:
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    if state.paused_at is not None:
        raise WorkflowPausedError(state.instance_id, f"{doing} step {step_name!r}")
    if not graph.has_step(step_name):
        raise TaskNotFoundError(state.instance_id, step_name)
    step = graph.step(step_name)
    task = state.task(step_name)
    if task is None or step.kind != StepType.HUMAN:
        raise StepNotWaitingError(state.instance_id, step_name, "it has no open task")
    return step, task


def check_revision(state: InstanceState, step_name: str, expected: str | None) -> None:
    if expected is not None:
        current = revision(state)
        if expected != current:
            raise StaleRevisionError(state.instance_id, step_name, expected, current)


# --- hand-overs and comments -------------------------------------------------------------------


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


def _refuse(state: InstanceState, op: TaskOperation, reason: str) -> TaskOperationNotAllowedError:
    return TaskOperationNotAllowedError(state.instance_id, op.step_name, op.user_id, op.kind.replace("_", " "), reason)


def _invalid(op: TaskOperation, pointer: str, message: str) -> FormValidationError:
    return FormValidationError(op.step_name, [FieldError(pointer, message)])


def _is_manager(step: StepSpec, op: TaskOperation) -> bool:
    return bool(set(op.groups) & (set(op.admin_groups) | set(step.manager_groups)))


def validate_operation(graph: GraphSpec, state: InstanceState, op: TaskOperation) -> None:
    """Raise the error that refuses ``op``; change nothing.

    Raises:
        FormValidationError: A field of the request is missing, unknown or too long (422).
        TaskClaimedError: Claiming a task someone else claimed (409).
        TaskOperationNotAllowedError: The user may not do it (403).
        StaleRevisionError: ``expected_revision`` is not current (412).
        WorkflowInstanceNotFoundError: The user may not read the instance (admins and the
            step's managers may).
        WorkflowAlreadyCompletedError, WorkflowPausedError, TaskNotFoundError, StepNotWaitingError.
    """
    if op.kind not in OPERATIONS:
        raise _invalid(op, "/kind", f"unknown operation {op.kind!r}; one of {', '.join(OPERATIONS)}")
    if op.reason is not None and len(op.reason) > MAX_REASON_CHARS:
        raise _invalid(op, "/reason", f"is {len(op.reason)} characters, over the limit of {MAX_REASON_CHARS}")
    caller = access.Caller(op.user_id, op.groups)
    managers = graph.step(op.step_name).manager_groups if graph.has_step(op.step_name) else ()
    if not access.may_read(state, graph, caller, (*op.admin_groups, *managers)):
        raise WorkflowInstanceNotFoundError(state.instance_id)  # outsiders learn nothing, not even the step
    step, task = waiting_task(graph, state, op.step_name, op.kind.replace("_", " ") + "ing")
    ops = state.tasks.ops.get(op.step_name)
    holder = ops.claimed_by if ops is not None else None
    check_revision(state, op.step_name, op.expected_revision)
    if op.kind == "claim":
        if holder is not None and holder != op.user_id:
            raise TaskClaimedError(state.instance_id, op.step_name, holder)
        reason = access.completion_error(
            offer_step(step, task, ops),
            task,
            op.user_id,
            op.groups,
            started_by=state.started_by,
            history=state.history,
        )
        if reason is not None:
            raise _refuse(state, op, reason)
    elif op.kind == "unclaim":
        if holder is None:
            raise StepNotWaitingError(state.instance_id, op.step_name, "it is not claimed")
        if holder != op.user_id and not _is_manager(step, op):
            raise _refuse(state, op, f"it is claimed by {holder!r}; only they or an admin may unclaim it")
    elif op.kind == "reassign":
        if not _is_manager(step, op):
            who = ", ".join(repr(g) for g in (*op.admin_groups, *step.manager_groups)) or "the admin groups"
            raise _refuse(state, op, f"only members of {who} may reassign it")
        _check_targets(op, require_user=False)
        _check_participants(state, op)
    elif op.kind == "delegate":
        current = holder or task.assignee
        if current != op.user_id:
            raise _refuse(state, op, f"only the task's holder ({current!r}) may delegate it; claim it first")
        _check_targets(op, require_user=True)
        _check_participants(state, op)
        if op.target_user == op.user_id:
            raise _invalid(op, "/to_user", "is the caller: a task cannot be delegated to oneself")
        moved = replace(task, assignee=op.target_user, candidate_groups=())
        refusal = access.separation_error(
            step, moved, str(op.target_user), started_by=state.started_by, history=state.history
        )
        if refusal is not None:
            raise _refuse(state, op, f"{op.target_user!r} could not complete it: {refusal}")
    elif op.kind == "take_back":
        if ops is None or ops.delegated_by != op.user_id or not ops.may_take_back:
            raise _refuse(state, op, "only a delegator who kept the right to take it back may")
    else:
        _check_comment(graph, state, op)


def _check_participants(state: InstanceState, op: TaskOperation) -> None:
    """A hand-over adds its new holders to the instance's readers; their number is bounded (the
    ``Participants`` search attribute and the state carry them all)."""
    new = [e for e in access.offered_entries(op.target_user, op.target_groups) if e not in state.participants]
    if new and len(state.participants) + len(new) > MAX_PARTICIPANTS:
        raise BudgetExceededError(
            "/to_user",
            f"the instance already has {len(state.participants)} participants; at most {MAX_PARTICIPANTS}",
            limit=MAX_PARTICIPANTS,
            size=len(state.participants) + len(new),
        )


def _check_targets(op: TaskOperation, *, require_user: bool) -> None:
    if require_user and not op.target_user:
        raise _invalid(op, "/to_user", "is required")
    if not require_user and not op.target_user and not op.target_groups:
        raise _invalid(op, "/to_user", "a user or at least one group (to_groups) is required")
    if len(op.target_groups) > MAX_TARGET_GROUPS:
        raise _invalid(op, "/to_groups", f"{len(op.target_groups)} groups; at most {MAX_TARGET_GROUPS}")
    if op.target_user is not None:
        problem = access.identity_error(op.target_user, op.target_groups)
        if problem is not None:
            raise _invalid(op, "/to_user", problem)
    for i, group in enumerate(op.target_groups):
        problem = access.identity_error(group, ())
        if problem is not None:
            raise _invalid(op, f"/to_groups/{i}", problem)


def _check_comment(graph: GraphSpec, state: InstanceState, op: TaskOperation) -> None:
    text = op.text or ""
    if not text.strip():
        raise _invalid(op, "/text", "is required and must not be blank")
    size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_COMMENT_BYTES:
        raise BudgetExceededError(
            "/text", f"is {size} bytes, over the limit of {MAX_COMMENT_BYTES} bytes", limit=MAX_COMMENT_BYTES, size=size
        )
    count = sum(1 for c in state.tasks.comments if c.step_name == op.step_name)
    if count >= MAX_COMMENTS_PER_STEP:
        raise BudgetExceededError(
            "/text", f"the task has {count} comments, the limit", limit=MAX_COMMENTS_PER_STEP, size=count
        )


def sync_task(state: InstanceState, step_name: str) -> None:
    """Show the claim and the escalation level on the pending task (what inboxes list)."""
    task, ops = state.task(step_name), state.tasks.ops.get(step_name)
    if task is None:
        return
    claimed, level = (ops.claimed_by, ops.escalation_level) if ops is not None else (None, 0)
    if (task.claimed_by, task.escalation_level) != (claimed, level):
        state.pending[state.pending.index(task)] = replace(task, claimed_by=claimed, escalation_level=level)


def apply_operation(graph: GraphSpec, state: InstanceState, op: TaskOperation, now: datetime) -> None:
    """Validate ``op`` and apply it (nothing changes when it is refused)."""
    _apply(state, op, now, graph)
    sync_task(state, op.step_name)


def _apply(state: InstanceState, op: TaskOperation, now: datetime, graph: GraphSpec) -> None:
    validate_operation(graph, state, op)
    task = state.task(op.step_name)
    assert task is not None  # validated
    ops = ops_of(state, op.step_name)
    if op.kind == "claim":
        if ops.claimed_by == op.user_id:
            return  # claiming again what one holds changes nothing
        record_handover(state, task, "claim", op.user_id, now, to_assignee=op.user_id, to_groups=(), reason=op.reason)
        ops.claimed_by, ops.claimed_at = op.user_id, now
    elif op.kind == "unclaim":
        record_handover(
            state, task, "unclaim", op.user_id, now, to_assignee=task.assignee, to_groups=task.candidate_groups
        )
        ops.claimed_by = ops.claimed_at = None
    elif op.kind == "reassign":
        record_handover(
            state,
            task,
            "reassign",
            op.user_id,
            now,
            to_assignee=op.target_user,
            to_groups=op.target_groups,
            reason=op.reason,
        )
        ops.delegated_by, ops.may_take_back, ops.offer_before_delegation = None, False, []
    elif op.kind == "delegate":
        before = [task.assignee or "", *task.candidate_groups]
        record_handover(
            state, task, "delegate", op.user_id, now, to_assignee=op.target_user, to_groups=(), reason=op.reason
        )
        ops.delegated_by, ops.may_take_back, ops.offer_before_delegation = op.user_id, op.keep_right, before
    elif op.kind == "take_back":
        assignee, *groups = ops.offer_before_delegation or [op.user_id]
        record_handover(
            state,
            task,
            "take_back",
            op.user_id,
            now,
            to_assignee=assignee or None,
            to_groups=tuple(groups),
            reason=op.reason,
        )
        ops.delegated_by, ops.may_take_back, ops.offer_before_delegation = None, False, []
        ops.claimed_by, ops.claimed_at = op.user_id, now
    else:
        ledger = state.tasks
        ledger.comments.append(TaskComment(op.step_name, op.user_id, now, str(op.text)))
        ledger.comments_total += 1
        del ledger.comments[:-MAX_COMMENTS]
