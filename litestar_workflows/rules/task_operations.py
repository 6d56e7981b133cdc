"""The task operations on a waiting human task: claim, unclaim, reassign, delegate, take back,
comment and send back; who may do each, and what each writes.

Who a task is offered to and who may complete it stays the access rules'
(:mod:`~litestar_workflows.rules.access`); this module only narrows it: a claimed task may be
completed by its claimer alone, a handed-over task by whom it was handed to. Both engines call
these functions (on Temporal: in the update validators, so a refusal writes no history). The
ledger they write (bounds, revision, hand-over records) is :mod:`.task_ledger`; sending back is
:mod:`.send_back`; the public names are gathered in :mod:`.tasks`.

Pure: time comes in as ``now``; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from litestar_workflows.exceptions import (
    BudgetExceededError,
    FieldError,
    FormValidationError,
    StepNotWaitingError,
    TaskClaimedError,
    TaskOperationNotAllowedError,
    WorkflowInstanceNotFoundError,
)
from litestar_workflows.rules import access, machine, send_back
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.task_ledger import (
    MAX_COMMENT_BYTES,
    MAX_COMMENTS,
    MAX_COMMENTS_PER_STEP,
    MAX_PARTICIPANTS,
    check_revision,
    offer_step,
    ops_of,
    record_handover,
    sync_task,
    waiting_task,
)
from litestar_workflows.rules.task_records import TaskComment

__all__ = [
    "MAX_REASON_CHARS",
    "MAX_TARGET_GROUPS",
    "OPERATIONS",
    "TaskOperation",
    "apply_operation",
    "validate_operation",
]

MAX_REASON_CHARS: Final = 500
"""Longest reason of a hand-over."""
MAX_TARGET_GROUPS: Final = 20
"""Groups a task may be reassigned to at once."""

OPERATIONS: Final = ("claim", "unclaim", "reassign", "delegate", "take_back", "comment", "send_back")
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
        text: ``comment``: the comment; ``send_back``: why (required).
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


def _refuse(state: InstanceState, op: TaskOperation, reason: str) -> TaskOperationNotAllowedError:
    return TaskOperationNotAllowedError(state.instance_id, op.step_name, op.user_id, op.kind.replace("_", " "), reason)


def _invalid(op: TaskOperation, pointer: str, message: str) -> FormValidationError:
    return FormValidationError(op.step_name, [FieldError(pointer, message)])


def _is_manager(step: StepSpec, op: TaskOperation) -> bool:
    return bool(set(op.groups) & (set(op.admin_groups) | set(step.manager_groups)))


def validate_operation(
    graph: GraphSpec, state: InstanceState, op: TaskOperation, *, every_decider: bool = True
) -> None:
    """Raise the error that refuses ``op``; change nothing.

    ``every_decider=False`` leaves the decision records out of the four-eyes checks (only the
    Temporal interpreter passes it, replaying a history recorded before those checks).

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
    if op.kind == "send_back":
        send_back.validate_send_back(graph, state, op, every_decider=every_decider)
        return
    step, task = waiting_task(graph, state, op.step_name, op.kind.replace("_", " ") + "ing")
    decided = state.tasks.decisions if every_decider else ()
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
            decisions=decided,
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
            step, moved, str(op.target_user), started_by=state.started_by, history=state.history, decisions=decided
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


def apply_operation(
    graph: GraphSpec, state: InstanceState, op: TaskOperation, now: datetime, *, every_decider: bool = True
) -> list[machine.Activation]:
    """Validate ``op`` and apply it (nothing changes when it is refused); return the steps to
    start (only a send-back moves the instance on; the engine drives them)."""
    validate_operation(graph, state, op, every_decider=every_decider)
    if op.kind == "send_back":
        return send_back.apply_send_back(graph, state, op, now)
    _apply(state, op, now)
    sync_task(state, op.step_name)
    return []


def _apply(state: InstanceState, op: TaskOperation, now: datetime) -> None:
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
