"""Decisions on human steps: who may decide beyond the access rules (a claim, a hand-over, the
revision they saw), several approvers on one step, and the decision records.

A step with ``approvals_required`` > 1 (or ``approval_groups``) collects one decision per
distinct user (:class:`~litestar_workflows.rules.task_records.Vote`); it completes at the k-th
approval with one approver from each approval group, or at once on a rejection when
``rejection_ends_step``. Its completing data is the list of decisions under the step's name
(moved there, stored once), with ``approvals``, ``rejections`` and the approval field, so edge
conditions such as ``approvals == 2`` can route on them. Every decision leaves a
:class:`~litestar_workflows.rules.task_records.DecisionRecord` (who, when, data digest, form
digest, the revision seen); the newest :data:`~litestar_workflows.rules.task_ledger.MAX_DECISIONS` are kept.

Four-eyes over several approvers: ``exclude_completers_of`` naming such a step excludes every
decider in its decision records, not only the last one (:func:`access.separation_error`).

Pure: time comes in as ``now``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final

from litestar_workflows.exceptions import (
    BudgetExceededError,
    FieldError,
    FormValidationError,
    TaskClaimedError,
    UnauthorizedTaskError,
)
from litestar_workflows.rules import access
from litestar_workflows.rules import task_ledger as tasks
from litestar_workflows.rules.budgets import SizeBudgets, encoded_size
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.task_records import DecisionRecord, Vote

__all__ = [
    "MAX_VOTES",
    "already_decided",
    "close_votes",
    "decide",
    "remember_decision",
    "remember_default",
    "several_approvers",
    "validate_decision",
]

MAX_VOTES: Final = 100
"""Decisions one step with several approvers accepts."""


def validate_decision(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    user_id: str,
    groups: Collection[str],
    data: Any,
    *,
    expected_revision: str | None = None,
    budgets: SizeBudgets | None = None,
    every_decider: bool = True,
) -> None:
    """What a completion must pass beyond :func:`machine.validate_completion` (run it first):
    the claim, a hand-over, a stale revision, one decision per approver, the approval groups.

    Raises:
        TaskClaimedError: Someone else claimed the task.
        UnauthorizedTaskError: It was handed to someone else, or the user already decided.
        StaleRevisionError: ``expected_revision`` is not the current revision.
        FormValidationError: A step with several approvers got no boolean approval field.
        BudgetExceededError: The decisions kept so far would put the instance data over budget.

    ``every_decider=False`` leaves out the decision records from the four-eyes check (only the
    Temporal interpreter passes it, replaying a history recorded before that check existed).
    """
    step, task = tasks.waiting_task(graph, state, step_name, "completing")
    ops = state.tasks.ops.get(step_name)
    if ops is not None and ops.claimed_by is not None and ops.claimed_by != user_id:
        raise TaskClaimedError(state.instance_id, step_name, ops.claimed_by)
    if (ops is not None and ops.handed_over) or (every_decider and step.exclude_completers_of):
        reason = access.completion_error(
            tasks.offer_step(step, task, ops),
            task,
            user_id,
            groups,
            started_by=state.started_by,
            history=state.history,
            decisions=state.tasks.decisions if every_decider else (),
        )
        if reason is not None:
            raise UnauthorizedTaskError(state.instance_id, step_name, user_id, reason)
    tasks.check_revision(state, step_name, expected_revision)
    if not several_approvers(step):
        return
    votes = ops.votes if ops is not None else []
    if already_decided(state, step_name, user_id):
        raise UnauthorizedTaskError(state.instance_id, step_name, user_id, "they already decided on this step")
    if len(votes) >= MAX_VOTES:
        raise UnauthorizedTaskError(state.instance_id, step_name, user_id, f"it has {MAX_VOTES} decisions already")
    if not isinstance(data, Mapping) or not isinstance(data.get(step.approval_key), bool):
        raise FormValidationError(
            step_name, [FieldError(f"/{step.approval_key}", "a boolean is required: the step needs several approvers")]
        )
    if data[step.approval_key]:
        needed = _uncovered(step, votes)
        slots = max(step.approvals_required, len(step.approval_groups)) - sum(v.approved for v in votes)
        if needed and not (set(groups) & needed) and slots <= len(needed):
            wanted = ", ".join(sorted(needed))
            raise UnauthorizedTaskError(
                state.instance_id, step_name, user_id, f"the remaining approvals must come from {wanted}"
            )
    limit = (budgets or SizeBudgets()).instance_data_bytes
    size = encoded_size(state.data) + sum(encoded_size(v.data) for v in votes) + encoded_size(data)
    if size > limit:
        raise BudgetExceededError(
            "/data", f"the decisions would make the instance data {size} bytes, over {limit}", limit=limit, size=size
        )


def several_approvers(step: StepSpec) -> bool:
    """Whether ``step`` collects decisions of several approvers."""
    return step.approvals_required > 1 or bool(step.approval_groups)


def already_decided(state: InstanceState, step_name: str, user_id: str) -> bool:
    """Whether ``user_id`` decided on the open task of ``step_name`` already (one decision each)."""
    ops = state.tasks.ops.get(step_name)
    return ops is not None and any(v.user_id == user_id for v in ops.votes)


def _uncovered(step: StepSpec, votes: list[Vote]) -> set[str]:
    covered = {g for v in votes if v.approved for g in v.groups}
    return set(step.approval_groups) - covered


def remember_decision(state: InstanceState, record: DecisionRecord) -> None:
    """Keep ``record`` (the newest :data:`~litestar_workflows.rules.task_ledger.MAX_DECISIONS`)."""
    ledger = state.tasks
    ledger.decisions.append(record)
    ledger.decisions_total += 1
    del ledger.decisions[: -tasks.MAX_DECISIONS]


def remember_default(
    state: InstanceState, step: StepSpec, data: Mapping[str, Any], now: datetime, revision_seen: str
) -> None:
    """Record the default decision taken for ``step`` when its deadline passed."""
    remember_decision(
        state,
        DecisionRecord(
            step_name=step.name,
            user_id=access.DEADLINE_DECIDER,
            at=now,
            outcome="default",
            data_digest=tasks.data_digest(dict(data)),
            form_digest=tasks.form_digest(step.form_schema),
            revision_seen=revision_seen,
        ),
    )


def decide(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    user_id: str,
    groups: Collection[str],
    data: Mapping[str, Any],
    now: datetime,
    *,
    comment: str | None = None,
    revision_seen: str,
) -> dict[str, Any] | None:
    """Record a validated decision; return the data to complete the step with (the engine then
    calls :func:`machine.apply_completion`), or ``None`` while a step with several approvers
    still waits for more.

    The completing data of such a step is the list of decisions under the step's name, with
    ``approvals``, ``rejections`` and the approval field (its outcome) for conditions.
    """
    step = graph.step(step_name)
    several = step.approvals_required > 1 or bool(step.approval_groups)
    approved = bool(data.get(step.approval_key)) if several else None
    outcome = "completed" if approved is None else ("approved" if approved else "rejected")
    remember_decision(
        state,
        DecisionRecord(
            step_name=step_name,
            user_id=user_id,
            at=now,
            outcome=outcome,
            data_digest=tasks.data_digest(dict(data)),
            form_digest=tasks.form_digest(step.form_schema),
            revision_seen=revision_seen,
            groups=sorted(set(groups)),
        ),
    )
    if approved is None:
        state.tasks.ops.pop(step_name, None)
        return dict(data)
    ops = tasks.ops_of(state, step_name)
    if ops.claimed_by == user_id:
        ops.claimed_by = ops.claimed_at = None  # a decision ends the decider's claim: others decide next
        tasks.sync_task(state, step_name)
    ops.votes.append(Vote(user_id, now, approved, sorted(set(groups)), dict(data), comment))
    approvals = sum(v.approved for v in ops.votes)
    done = (not approved and step.rejection_ends_step) or (
        approvals >= step.approvals_required and not _uncovered(step, ops.votes)
    )
    if not done:
        return None
    return close_votes(state, step, outcome=approved)


def close_votes(state: InstanceState, step: StepSpec, *, outcome: bool) -> dict[str, Any]:
    """End the voting of ``step``: its decisions moved (not copied) into the completing data."""
    ops = state.tasks.ops.pop(step.name, None)
    votes = ops.votes if ops is not None else []
    listed = [
        {
            "user_id": v.user_id,
            "at": v.at.isoformat(),
            "approved": v.approved,
            "data": v.data,
            **({"comment": v.comment} if v.comment else {}),
        }
        for v in votes
    ]
    approvals = sum(v.approved for v in votes)
    return {
        step.name: listed,
        "approvals": approvals,
        "rejections": len(votes) - approvals,
        step.approval_key: outcome,
    }
