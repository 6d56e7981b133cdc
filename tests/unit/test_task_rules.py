"""The task operations (litestar_workflows/rules/tasks.py, task_alarms.py) as pure functions:
claim, hand-overs, several approvers, decision records, stale revisions, comments, alarms."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litestar_workflows.core.types import StepType
from litestar_workflows.exceptions import (
    BudgetExceededError,
    FormValidationError,
    StaleRevisionError,
    TaskClaimedError,
    TaskOperationNotAllowedError,
    UnauthorizedTaskError,
    WorkflowInstanceNotFoundError,
    WorkflowsError,
)
from litestar_workflows.rules import decisions, machine, task_alarms, tasks
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.task_records import EscalationLevel
from litestar_workflows.rules.tasks import TaskOperation

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FORM = {"type": "object", "properties": {"approved": {"type": "boolean"}}, "required": ["approved"]}


def graph(**options: Any) -> GraphSpec:
    options.setdefault("candidate_groups", ("finance",))
    step = StepSpec("approve", StepType.HUMAN, form_schema=FORM, **options)
    steps = (step, StepSpec("yes", StepType.MACHINE), StepSpec("no", StepType.MACHINE))
    edges = (EdgeSpec(0, "approve", "yes", "approved"), EdgeSpec(1, "approve", "no", "not approved"))
    return GraphSpec("po", "1.0.0", "", steps, edges, "approve", ("yes", "no"))


def start(g: GraphSpec) -> InstanceState:
    state, _ = machine.start_instance(g, "po/1", {"amount": 10}, NOW, started_by="alice")
    return state


def complete(
    g: GraphSpec,
    state: InstanceState,
    user: str,
    groups: Collection[str] = ("finance",),
    data: dict[str, Any] | None = None,
    expected: str | None = None,
) -> bool:
    """What the engines do for a completion; ``True`` when the step closed."""
    data = {"approved": True} if data is None else data
    machine.validate_completion(g, state, "approve", user, groups, data)
    decisions.validate_decision(g, state, "approve", user, groups, data, expected_revision=expected)
    seen = expected or tasks.revision(state)
    merged = decisions.decide(g, state, "approve", user, groups, data, NOW, revision_seen=seen)
    if merged is None:
        return False
    machine.apply_completion(g, state, "approve", user, merged, NOW, groups=groups)
    return True


def op(kind: str, user: str, groups: Collection[str] = ("finance",), **kw: Any) -> TaskOperation:
    return TaskOperation(kind, "approve", user, tuple(groups), admin_groups=("admins",), **kw)


def test_claim_makes_the_claimer_the_only_one_who_may_complete() -> None:
    g = graph()
    state = start(g)
    tasks.apply_operation(g, state, op("claim", "bob"), NOW)
    assert tasks.claimed_by(state, "approve") == "bob"
    with pytest.raises(TaskClaimedError) as err:
        tasks.apply_operation(g, state, op("claim", "carol"), NOW)
    assert err.value.http_status == 409
    with pytest.raises(TaskClaimedError):
        complete(g, state, "carol")
    tasks.apply_operation(g, state, op("claim", "bob"), NOW)  # again by the holder: no change
    assert state.tasks.handovers_total == 1
    with pytest.raises(TaskOperationNotAllowedError):
        tasks.apply_operation(g, state, op("unclaim", "carol"), NOW)
    tasks.apply_operation(g, state, op("unclaim", "dave", ("admins",)), NOW)
    assert tasks.claimed_by(state, "approve") is None
    with pytest.raises(WorkflowInstanceNotFoundError):
        tasks.apply_operation(g, state, op("claim", "mallory", ()), NOW)
    assert complete(g, state, "carol")
    assert state.running == ["yes"]


def test_four_eyes_applies_to_claims_and_delegations() -> None:
    g = graph(exclude_starter=True)
    state = start(g)
    with pytest.raises(TaskOperationNotAllowedError, match="four-eyes"):
        tasks.apply_operation(g, state, op("claim", "alice"), NOW)
    tasks.apply_operation(g, state, op("claim", "bob"), NOW)
    with pytest.raises(TaskOperationNotAllowedError, match="four-eyes"):
        tasks.apply_operation(g, state, op("delegate", "bob", target_user="alice"), NOW)


def test_reassign_by_managers_records_the_handover() -> None:
    g = graph(manager_groups=("finance-leads",))
    state = start(g)
    with pytest.raises(TaskOperationNotAllowedError, match="reassign"):
        tasks.apply_operation(g, state, op("reassign", "bob", target_user="erin"), NOW)
    with pytest.raises(FormValidationError) as err:
        tasks.apply_operation(g, state, op("reassign", "lea", ("finance-leads",)), NOW)
    assert err.value.errors[0].pointer == "/to_user"
    tasks.apply_operation(
        g, state, op("reassign", "lea", ("finance-leads",), target_user="erin", reason="bob is away"), NOW
    )
    task = state.task("approve")
    assert task is not None and (task.assignee, task.candidate_groups) == ("erin", ())
    record = state.tasks.handovers[-1]
    assert (record.kind, record.by, record.from_groups, record.to_assignee, record.reason) == (
        "reassign",
        "lea",
        ["finance"],
        "erin",
        "bob is away",
    )
    assert "user:erin" in state.participants
    crowded = copy.deepcopy(state)
    crowded.participants.extend(f"user:u{i}" for i in range(tasks.MAX_PARTICIPANTS))
    with pytest.raises(BudgetExceededError):  # readers are bounded
        tasks.apply_operation(g, crowded, op("reassign", "lea", ("finance-leads",), target_user="new"), NOW)
    with pytest.raises(UnauthorizedTaskError):
        complete(g, state, "bob")
    assert complete(g, state, "erin", ())


def test_delegate_and_take_back() -> None:
    g = graph()
    state = start(g)
    with pytest.raises(TaskOperationNotAllowedError, match="claim it first"):
        tasks.apply_operation(g, state, op("delegate", "bob", target_user="zoe"), NOW)
    tasks.apply_operation(g, state, op("claim", "bob"), NOW)
    with pytest.raises(FormValidationError):
        tasks.apply_operation(g, state, op("delegate", "bob", target_user="bob"), NOW)
    tasks.apply_operation(g, state, op("delegate", "bob", target_user="zoe", keep_right=True), NOW)
    with pytest.raises(UnauthorizedTaskError):
        complete(g, state, "carol")  # the finance group no longer holds it
    with pytest.raises(TaskOperationNotAllowedError):
        tasks.apply_operation(g, state, op("take_back", "carol"), NOW)
    tasks.apply_operation(g, state, op("take_back", "bob"), NOW)
    assert tasks.claimed_by(state, "approve") == "bob"
    with pytest.raises(UnauthorizedTaskError):
        complete(g, state, "zoe", ())  # the offer is the finance group's again, claimed by bob
    assert [h.kind for h in state.tasks.handovers] == ["claim", "delegate", "take_back"]
    assert complete(g, state, "bob")


def test_several_approvers_complete_once_with_every_decision() -> None:
    g = graph(approvals_required=2, rejection_ends_step=False)
    state = start(g)
    assert not complete(g, state, "bob")
    with pytest.raises(UnauthorizedTaskError, match="already decided"):
        complete(g, state, "bob")
    assert not complete(g, state, "carol", data={"approved": False})
    with pytest.raises(FormValidationError):
        complete(g, state, "dave", data={})
    assert complete(g, state, "dave")
    assert state.data["approvals"] == 2 and state.data["rejections"] == 1 and state.data["approved"] is True
    assert [d["user_id"] for d in state.data["approve"]] == ["bob", "carol", "dave"]
    assert state.data["approve"][1]["data"] == {"approved": False}
    assert state.running == ["yes"]
    assert [d.outcome for d in state.tasks.decisions] == ["approved", "rejected", "approved"]
    assert "approve" not in state.tasks.ops  # the votes moved into the data, once


def test_a_rejection_ends_the_step_at_once() -> None:
    g = graph(approvals_required=2)
    state = start(g)
    assert not complete(g, state, "bob")
    assert complete(g, state, "carol", data={"approved": False})
    assert state.data["approved"] is False and state.running == ["no"]


def test_one_approver_from_each_group() -> None:
    g = graph(approvals_required=2, approval_groups=("finance", "legal"), candidate_groups=("finance", "legal"))
    state = start(g)
    assert not complete(g, state, "bob", ("finance",))
    with pytest.raises(UnauthorizedTaskError, match="legal"):
        complete(g, state, "carol", ("finance",))
    assert complete(g, state, "lena", ("legal",))


def test_decision_records_and_stale_revisions() -> None:
    g = graph()
    state = start(g)
    seen = tasks.revision(state)
    tasks.apply_operation(g, state, op("comment", "bob", text="looking at it"), NOW)
    assert tasks.revision(state) != seen
    before = copy.deepcopy(state)
    with pytest.raises(StaleRevisionError) as err:
        complete(g, state, "bob", expected=seen)
    assert err.value.http_status == 412
    assert state == before  # nothing changed
    with pytest.raises(StaleRevisionError):
        tasks.apply_operation(g, state, op("claim", "bob", expected_revision=seen), NOW)
    current = tasks.revision(state)
    assert complete(g, state, "bob", expected=current)
    record = state.tasks.decisions[-1]
    assert (record.user_id, record.outcome, record.revision_seen, record.groups) == (
        "bob",
        "completed",
        current,
        ["finance"],
    )
    assert record.form_digest == tasks.form_digest(FORM)
    assert record.data_digest == tasks.data_digest({"approved": True})


def test_comments_are_bounded_and_for_participants() -> None:
    g = graph()
    state = start(g)
    with pytest.raises(WorkflowInstanceNotFoundError):  # outsiders are told it does not exist
        tasks.apply_operation(g, state, op("comment", "mallory", (), text="hi"), NOW)
    with pytest.raises(FormValidationError):
        tasks.apply_operation(g, state, op("comment", "bob", text="  "), NOW)
    with pytest.raises(BudgetExceededError):
        tasks.apply_operation(g, state, op("comment", "bob", text="x" * (tasks.MAX_COMMENT_BYTES + 1)), NOW)
    for i in range(tasks.MAX_COMMENTS_PER_STEP):
        tasks.apply_operation(g, state, op("comment", "alice", (), text=f"note {i}"), NOW)
    with pytest.raises(BudgetExceededError, match="limit"):
        tasks.apply_operation(g, state, op("comment", "bob", text="one more"), NOW)
    assert state.tasks.comments[0].author == "alice"
    with pytest.raises(FormValidationError):
        tasks.apply_operation(g, state, op("reassign", "dave", ("admins",), target_user="x", reason="r" * 501), NOW)


def test_reminders_and_the_escalation_chain() -> None:
    levels = (EscalationLevel(3 * 86400, ("finance-leads",)), EscalationLevel(4 * 86400, ("cfo",)))
    g = graph(
        reminder_after_seconds=86400.0,
        reminder_every_seconds=86400.0,
        escalation_levels=levels,
        deadline_seconds=5 * 86400.0,
        default_decision={"approved": False},
    )
    state = start(g)
    alarm = task_alarms.next_alarm(g, state, "approve", NOW)
    assert alarm is not None and alarm.seconds == 86400 and "reminder 1" in alarm.summary
    tasks.apply_operation(g, state, op("claim", "bob"), NOW)
    fired = task_alarms.fire_alarms(g, state, "approve", NOW + timedelta(days=3))
    assert [(f.kind, f.number) for f in fired] == [("reminder", 1), ("reminder", 2), ("escalation", 1), ("reminder", 3)]
    task = state.task("approve")
    assert task is not None and task.candidate_groups == ("finance-leads",)
    assert tasks.claimed_by(state, "approve") is None  # an escalation ends the claim
    alarm = task_alarms.next_alarm(g, state, "approve", NOW + timedelta(days=3))
    assert alarm is not None and alarm.seconds == 86400 and "level 2: reassign to cfo" in alarm.summary
    fired = task_alarms.fire_alarms(g, state, "approve", NOW + timedelta(days=4))
    assert [(f.kind, f.number) for f in fired] == [("escalation", 2), ("reminder", 4)]
    assert state.tasks.handovers[-1].kind == "escalate" and state.tasks.handovers[-1].by is None
    assert task_alarms.next_alarm(g, state, "approve", NOW + timedelta(days=4)) is None  # none at the deadline
    late = task_alarms.next_alarm(g, state, "approve", NOW + timedelta(days=4), before_deadline=False)
    assert late is not None and "reminder 5" in late.summary  # how instances recorded before it behave
    with pytest.raises(UnauthorizedTaskError):
        complete(g, state, "lea", ("finance-leads",))
    task_alarms.apply_deadline(g, state, "approve", NOW + timedelta(days=5))
    assert state.data["approved"] is False and state.running == ["no"]
    assert state.tasks.decisions[-1].outcome == "default"
    closed = next(h for h in state.history if h.step_name == "approve")
    assert closed.completed_by == task_alarms.DEFAULT_DECIDER


def test_old_states_decode_without_a_ledger() -> None:
    g = graph()
    raw = GraphSpec.from_dict(
        {
            **g.to_dict(),
            "steps": [{k: v for k, v in s.items() if k != "escalation_levels"} for s in g.to_dict()["steps"]],
        }
    )
    assert raw.step("approve").escalation_levels == ()
    levels = graph(escalation_levels=(EscalationLevel(60.0, ("x",)),))
    assert GraphSpec.from_dict(levels.to_dict()) == levels


# --- properties ---------------------------------------------------------------------------------

USERS = ["u0", "u1", "u2", "u3", "u4", "u5"]


@settings(max_examples=60, deadline=None)
@given(k=st.integers(2, 4), votes=st.lists(st.tuples(st.sampled_from(USERS), st.booleans()), max_size=20))
def test_quorum_completes_exactly_once_with_k_distinct_approvers(k: int, votes: list[tuple[str, bool]]) -> None:
    g = graph(approvals_required=k, rejection_ends_step=False)
    state = start(g)
    closed = 0
    for user, approve in votes:
        try:
            closed += complete(g, state, user, data={"approved": approve})
        except WorkflowsError:
            continue
    approvers = [v["user_id"] for v in state.data.get("approve", []) if v["approved"]]
    if closed:
        assert closed == 1 and len(approvers) == k == len(set(approvers))
        assert state.data["approvals"] == k
    else:
        assert state.task("approve") is not None
        first: dict[str, bool] = {}
        for user, approve in votes:
            first.setdefault(user, approve)  # a user decides once
        assert sum(first.values()) < k


OPS = st.tuples(
    st.sampled_from(["claim", "unclaim", "reassign", "delegate", "take_back"]),
    st.sampled_from(USERS),
    st.sampled_from([(), ("finance",), ("admins",)]),
    st.sampled_from([None, *USERS]),
    st.booleans(),
)


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(OPS, max_size=15))
def test_no_handover_loses_the_task(steps: list[tuple[str, str, tuple[str, ...], str | None, bool]]) -> None:
    g = graph()
    state = start(g)
    for kind, user, groups, target, keep in steps:
        with contextlib.suppress(WorkflowsError):
            tasks.apply_operation(g, state, op(kind, user, groups, target_user=target, keep_right=keep), NOW)
        task = state.task("approve")
        assert task is not None  # still waiting
        holder = tasks.claimed_by(state, "approve")
        someone = holder or task.assignee
        # A holder may also be in finance (claims are taken as members): probe with it.
        who, their_groups = (someone, ("finance",)) if someone else ("x", task.candidate_groups)
        assert who and (someone or their_groups)
        probe = copy.deepcopy(state)
        assert complete(g, probe, who, their_groups)  # whoever holds it can still decide
    assert len(state.tasks.handovers) <= tasks.MAX_HANDOVERS
