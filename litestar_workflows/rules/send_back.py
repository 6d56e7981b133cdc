"""Sending a task back: a participant who may decide on a human step returns it along the step's
send-back ("request changes") edges, with a comment, instead of completing it.

Who may: whoever may complete the task now (the assignment, the current offer after a
hand-over, the claim, the four-eyes options, one decision per approver on a step with several).
What it does: the task closes without form data; a decision record with outcome ``sent back``
keeps who, when, the comment and the revision seen; only the send-back edges are followed
(:meth:`GraphSpec.send_back_targets`), never the step's ordinary edges. On a step with several
approvers it ends the voting like a rejection that ends the step: the decisions so far move into
the instance data under the step's name (with ``approvals``, ``rejections`` and the approval
field ``False``), so what the approvers wrote is not lost.

Both engines call these functions through :mod:`.task_operations` (``kind="send_back"``; on
Temporal in the ``operate_task`` update's validator, so a refusal writes no history).

Pure: time comes in as ``now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from litestar_workflows.exceptions import (
    BudgetExceededError,
    FieldError,
    FormValidationError,
    TaskClaimedError,
    TaskOperationNotAllowedError,
)
from litestar_workflows.rules import access, decisions, machine, task_ledger
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.task_records import SENT_BACK, DecisionRecord

__all__ = ["SENT_BACK", "apply_send_back", "validate_send_back"]


class _Asks(Protocol):
    """What a send-back needs of a :class:`~litestar_workflows.rules.tasks.TaskOperation`."""

    @property
    def step_name(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def groups(self) -> tuple[str, ...]: ...
    @property
    def text(self) -> str | None: ...
    @property
    def expected_revision(self) -> str | None: ...


def _refuse(state: InstanceState, op: _Asks, reason: str) -> TaskOperationNotAllowedError:
    return TaskOperationNotAllowedError(state.instance_id, op.step_name, op.user_id, "send back", reason)


def validate_send_back(graph: GraphSpec, state: InstanceState, op: _Asks, *, every_decider: bool = True) -> None:
    """Raise the error that refuses sending ``op.step_name`` back; change nothing. (The caller
    has checked that the user may read the instance.)

    ``every_decider=False`` leaves the decision records out of the four-eyes check (a Temporal
    history recorded before that check; see :func:`decisions.validate_decision`).

    Raises:
        TaskOperationNotAllowedError: The step has no send-back edge, or the user may not decide on it (403).
        TaskClaimedError: Someone else claimed it (409).
        StaleRevisionError: ``expected_revision`` is not current (412).
        FormValidationError: The comment is missing or blank (422, ``/comment``).
        BudgetExceededError: The comment is over :data:`~.task_ledger.MAX_COMMENT_BYTES` (413, ``/comment``).
        WorkflowAlreadyCompletedError, WorkflowPausedError, TaskNotFoundError, StepNotWaitingError.
    """
    step, task = task_ledger.waiting_task(graph, state, op.step_name, "sending back")
    if not graph.send_back_targets(op.step_name):
        raise _refuse(state, op, "the definition has no send-back edge from this step")
    task_ledger.check_revision(state, op.step_name, op.expected_revision)
    ops = state.tasks.ops.get(op.step_name)
    if ops is not None and ops.claimed_by is not None and ops.claimed_by != op.user_id:
        raise TaskClaimedError(state.instance_id, op.step_name, ops.claimed_by)
    reason = access.completion_error(
        task_ledger.offer_step(step, task, ops),
        task,
        op.user_id,
        op.groups,
        started_by=state.started_by,
        history=state.history,
        decisions=state.tasks.decisions if every_decider else (),
    )
    if reason is not None:
        raise _refuse(state, op, reason)
    if decisions.already_decided(state, op.step_name, op.user_id):
        raise _refuse(state, op, "they already decided on this step")
    text = op.text or ""
    if not text.strip():
        raise FormValidationError(op.step_name, [FieldError("/comment", "is required and must not be blank")])
    size = len(text.encode("utf-8", errors="surrogatepass"))
    limit = task_ledger.MAX_COMMENT_BYTES
    if size > limit:
        raise BudgetExceededError(
            "/comment", f"is {size} bytes, over the limit of {limit} bytes", limit=limit, size=size
        )


def apply_send_back(graph: GraphSpec, state: InstanceState, op: _Asks, now: datetime) -> list[machine.Activation]:
    """Send the validated ``op`` back: record the decision, close the task, follow only the
    send-back edges; return the steps to start (the engine then drives them)."""
    step = graph.step(op.step_name)
    seen = op.expected_revision or task_ledger.revision(state)
    data: dict[str, Any] = {}
    if decisions.several_approvers(step):
        data = decisions.close_votes(state, step, outcome=False)
    else:
        state.tasks.ops.pop(op.step_name, None)
    targets = graph.send_back_targets(op.step_name)
    decisions.remember_decision(
        state,
        DecisionRecord(
            step_name=op.step_name,
            user_id=op.user_id,
            at=now,
            outcome=SENT_BACK,
            data_digest=task_ledger.data_digest(data),
            form_digest=task_ledger.form_digest(step.form_schema),
            revision_seen=seen,
            groups=sorted(set(op.groups)),
            comment=op.text,
            sent_to=list(targets),
        ),
    )
    return machine.apply_send_back(
        graph,
        state,
        op.step_name,
        op.user_id,
        targets,
        data,
        now,
        comment=f"sent back to {', '.join(targets)}: {op.text}",
        groups=op.groups,
    )
