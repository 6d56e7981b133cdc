"""What the task operations keep in an instance's state: claims, hand-overs, votes, decision
records, comments and escalation progress (the rules that write them: :mod:`.task_operations`,
:mod:`.decisions`, :mod:`.send_back`, :mod:`.task_alarms`).

Plain dataclasses with defaults everywhere, so a state recorded before they existed decodes
(its ``tasks`` is an empty :class:`TaskLedger`). Every list is bounded (:mod:`.task_ledger`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

__all__ = ["SENT_BACK", "DecisionRecord", "EscalationLevel", "HandOver", "TaskComment", "TaskLedger", "TaskOps", "Vote"]

SENT_BACK: Final = "sent back"
"""The outcome of the decision record of a task sent back (:mod:`.send_back`)."""


@dataclass(frozen=True)
class EscalationLevel:
    """One level of a human step's escalation chain (a definition option).

    Attributes:
        after_seconds: Seconds after the task opened when this level is reached.
        candidate_groups: Groups the task is reassigned to at this level.
        assignee: User the task is reassigned to at this level (optional).
    """

    after_seconds: float
    candidate_groups: tuple[str, ...] = ()
    assignee: str | None = None


@dataclass
class HandOver:
    """One change of hands of a task: claim, unclaim, reassign, delegate, take back or escalate.

    Attributes:
        step_name: The task's step.
        kind: ``claim``, ``unclaim``, ``reassign``, ``delegate``, ``take_back`` or ``escalate``.
        by: Who did it (``None``: the engine, for an escalation).
        at: When.
        from_assignee: The user who held it before (the claimer or the assignee), if any.
        from_groups: The groups it was offered to before.
        to_assignee: The user who holds it after, if any.
        to_groups: The groups it is offered to after.
        reason: Why (given by the caller, bounded).
    """

    step_name: str
    kind: str
    by: str | None
    at: datetime
    from_assignee: str | None = None
    from_groups: list[str] = field(default_factory=list)
    to_assignee: str | None = None
    to_groups: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass
class Vote:
    """One decision on a step that needs several approvers, kept until the step completes (its
    data then moves, once, into the instance data under the step's name).

    Attributes:
        user_id: Who decided.
        at: When.
        approved: Whether it approves (the form's approval field).
        groups: The decider's groups (from their token).
        data: The submitted form data.
        comment: The decider's comment, if any.
    """

    user_id: str
    at: datetime
    approved: bool
    groups: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None


@dataclass
class TaskOps:
    """The operations state of one waiting human step.

    Attributes:
        claimed_by: Who claimed it (only they may complete it until they unclaim).
        claimed_at: When.
        delegated_by: Who delegated it (and may take it back when ``may_take_back``).
        may_take_back: The delegator kept the right to take it back.
        offer_before_delegation: ``[assignee or "", *groups]`` before the delegation.
        handed_over: The offer was changed by a reassignment, delegation or escalation (the
            task's ``assignee``/``candidate_groups`` then say who may complete it).
        votes: Decisions so far (steps with ``approvals_required`` > 1).
        escalation_level: Escalation levels reached (0: none).
        reminders_sent: Reminders sent.
    """

    claimed_by: str | None = None
    claimed_at: datetime | None = None
    delegated_by: str | None = None
    may_take_back: bool = False
    offer_before_delegation: list[str] = field(default_factory=list)
    handed_over: bool = False
    votes: list[Vote] = field(default_factory=list)
    escalation_level: int = 0
    reminders_sent: int = 0


@dataclass
class DecisionRecord:
    """The audit record of one decision on a human step.

    The data itself is stored once (merged into the instance data, or under the step's name for
    a step with several approvers); the record keeps its digest.

    Attributes:
        step_name: The step decided on.
        user_id: Who decided (``deadline`` for a default decision taken when the deadline passed).
        at: When.
        outcome: ``completed``, ``approved``, ``rejected``, ``default`` or ``sent back``.
        data_digest: SHA-256 of the submitted data (canonical JSON).
        form_digest: SHA-256 prefix of the step's form schema: the form version decided on.
        revision_seen: The instance revision the decider saw (``expected_revision``, or the
            revision current when the decision was accepted).
        groups: The decider's groups.
        comment: Why it was sent back (``sent back`` only; bounded like a comment).
        sent_to: The steps it was sent back to (``sent back`` only).
    """

    step_name: str
    user_id: str
    at: datetime
    outcome: str
    data_digest: str
    form_digest: str
    revision_seen: str
    groups: list[str] = field(default_factory=list)
    comment: str | None = None
    sent_to: list[str] = field(default_factory=list)


@dataclass
class TaskComment:
    """A comment on a task, without completing it.

    Attributes:
        step_name: The task's step.
        author: Who wrote it.
        at: When.
        text: The comment (bounded).
    """

    step_name: str
    author: str
    at: datetime
    text: str


@dataclass
class TaskLedger:
    """Everything the task operations keep for one instance (bounded lists, oldest dropped first;
    the ``*_total`` counters keep counting, and each run's Temporal history has every update).

    Attributes:
        ops: Operations state of each waiting human step, by step name.
        handovers: Hand-over records, oldest first.
        handovers_total: Hand-overs ever recorded.
        decisions: Decision records, oldest first.
        decisions_total: Decisions ever recorded.
        comments: Comments, oldest first.
        comments_total: Comments ever recorded.
    """

    ops: dict[str, TaskOps] = field(default_factory=dict)
    handovers: list[HandOver] = field(default_factory=list)
    handovers_total: int = 0
    decisions: list[DecisionRecord] = field(default_factory=list)
    decisions_total: int = 0
    comments: list[TaskComment] = field(default_factory=list)
    comments_total: int = 0
