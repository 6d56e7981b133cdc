"""Sending a task back (litestar_workflows/rules/send_back.py) as pure functions, the four-eyes
rule over every decider of a step with several approvers (rules/access.py), and the
registration checks of send-back edges and default decisions (steps/task_edges.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litestar_workflows import BaseHumanStep, BaseMachineStep, Edge, WorkflowContext, WorkflowDefinition
from litestar_workflows.core.definition import compile_definition
from litestar_workflows.core.events import HumanTaskSentBack
from litestar_workflows.core.types import StepStatus, StepType
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
from litestar_workflows.rules import access, decisions, lifecycle_events, machine, task_alarms, task_events, tasks
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec, to_mermaid
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.tasks import TaskOperation

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FORM = {"type": "object", "properties": {"approved": {"type": "boolean"}}, "required": ["approved"]}


def graph(**options: Any) -> GraphSpec:
    """``write -> review --approved--> done | --not approved--> write``, review sends back to ``fix``."""
    options.setdefault("candidate_groups", ("reviewers",))
    steps = (
        StepSpec("write", StepType.MACHINE),
        StepSpec("review", StepType.HUMAN, form_schema=FORM, **options),
        StepSpec("fix", StepType.HUMAN, assignee="alice"),
        StepSpec("done", StepType.MACHINE),
        StepSpec("archive", StepType.MACHINE),
    )
    edges = (
        EdgeSpec(0, "write", "review"),
        EdgeSpec(1, "review", "done", "approved"),
        EdgeSpec(2, "review", "archive", "not approved"),
        EdgeSpec(3, "review", "fix", send_back=True),
        EdgeSpec(4, "fix", "review"),
    )
    return GraphSpec("doc", "1.0.0", "", steps, edges, "write", ("done", "archive"))


def at_review(g: GraphSpec) -> InstanceState:
    state, acts = machine.start_instance(g, "doc/1", {"title": "t"}, NOW, started_by="alice")
    assert [a.step_name for a in acts] == ["write"]
    machine.record_step_result(g, state, "write", machine.StepOutcome(StepStatus.SUCCEEDED, started_at=NOW), NOW)
    assert state.pending_steps == ["review"]
    return state


def send(
    user: str, text: str | None = "please fix the intro", groups: Collection[str] = ("reviewers",), **kw: Any
) -> TaskOperation:
    return TaskOperation("send_back", "review", user, tuple(groups), text=text, admin_groups=("admins",), **kw)


def decide(
    g: GraphSpec, state: InstanceState, user: str, approved: bool, groups: Collection[str] = ("reviewers",)
) -> None:
    data = {"approved": approved}
    machine.validate_completion(g, state, "review", user, groups, data)
    decisions.validate_decision(g, state, "review", user, groups, data)
    merged = decisions.decide(g, state, "review", user, groups, data, NOW, revision_seen=tasks.revision(state))
    if merged is not None:
        machine.apply_completion(g, state, "review", user, merged, NOW, groups=groups)


def test_send_back_closes_the_task_records_the_decision_and_follows_only_the_send_back_edge() -> None:
    g = graph()
    state = at_review(g)
    before = lifecycle_events.snapshot(state)
    data_before = dict(state.data)
    acts = tasks.apply_operation(g, state, send("bob", expected_revision=tasks.revision(state)), NOW)
    assert [a.step_name for a in acts] == ["fix"] and state.pending_steps == ["fix"]
    assert state.data == data_before  # no form data
    record = state.tasks.decisions[-1]
    assert (record.user_id, record.outcome, record.comment, record.sent_to) == (
        "bob",
        "sent back",
        "please fix the intro",
        ["fix"],
    )
    closed = [h for h in state.history if h.step_name == "review"][-1]
    assert closed.status == StepStatus.SUCCEEDED and closed.completed_by == "bob"
    assert closed.comment == "sent back to fix: please fix the intro"
    events = lifecycle_events.events_since(g, before, state, NOW)
    kinds = [e.kind for e in events]
    assert kinds.index("task.completed") < kinds.index("task.sent_back")
    sent = next(e for e in events if isinstance(e, HumanTaskSentBack))
    assert (sent.sent_back_by, sent.comment, sent.sent_to) == ("bob", "please fix the intro", "fix")
    assert not task_events.task_events_since(state, task_events.marks(state), NOW)  # once only


def test_a_completion_never_follows_the_send_back_edge() -> None:
    g = graph()
    state = at_review(g)
    assert machine.select_targets(g, "review", {"approved": False}) == ["archive"]
    assert g.outgoing("review") == g.edges[1:3] and g.send_back_targets("review") == ("fix",)
    decide(g, state, "bob", approved=True)
    assert "fix" not in state.pending_steps


def test_who_may_send_back_is_who_may_complete() -> None:
    g = graph(exclude_starter=True)
    state = at_review(g)
    refusals: list[tuple[TaskOperation, type[WorkflowsError]]] = [
        (send("mallory", groups=()), WorkflowInstanceNotFoundError),  # may not even read it
        (send("alice", groups=("reviewers",)), TaskOperationNotAllowedError),  # four-eyes: the starter
        (send("bob", expected_revision="stale"), StaleRevisionError),
        (send("bob", text=None), FormValidationError),
        (send("bob", text="   "), FormValidationError),
        (send("bob", text="x" * (tasks.MAX_COMMENT_BYTES + 1)), BudgetExceededError),
    ]
    for operation, error in refusals:
        revision = tasks.revision(state)
        with pytest.raises(error):
            tasks.apply_operation(g, state, operation, NOW)
        assert tasks.revision(state) == revision  # a refusal changes nothing
    tasks.apply_operation(g, state, TaskOperation("claim", "review", "carl", ("reviewers",)), NOW)
    with pytest.raises(TaskClaimedError):
        tasks.validate_operation(g, state, send("bob"))
    with pytest.raises(FormValidationError) as invalid:
        tasks.validate_operation(g, state, send("carl", text=""))
    assert invalid.value.errors[0].pointer == "/comment"
    tasks.apply_operation(g, state, send("carl"), NOW)
    assert state.pending_steps == ["fix"]


def test_a_step_without_a_send_back_edge_refuses() -> None:
    g = graph()
    state = at_review(g)
    tasks.apply_operation(g, state, send("bob"), NOW)
    with pytest.raises(TaskOperationNotAllowedError, match="no send-back edge"):
        tasks.validate_operation(g, state, TaskOperation("send_back", "fix", "alice", text="no"))


def test_on_a_quorum_step_it_ends_the_step_like_a_rejection() -> None:
    g = graph(approvals_required=2, rejection_ends_step=False)
    state = at_review(g)
    decide(g, state, "bob", approved=True)
    with pytest.raises(TaskOperationNotAllowedError, match="already decided"):
        tasks.validate_operation(g, state, send("bob"))
    tasks.apply_operation(g, state, send("carl"), NOW)
    assert state.pending_steps == ["fix"] and not state.tasks.ops.get("review")
    assert state.data["approvals"] == 1 and state.data["approved"] is False
    assert [v["user_id"] for v in state.data["review"]] == ["bob"]  # what bob wrote is kept
    assert [(d.user_id, d.outcome) for d in state.tasks.decisions] == [("bob", "approved"), ("carl", "sent back")]


def test_the_loop_comes_back_and_the_step_can_then_complete() -> None:
    g = graph()
    state = at_review(g)
    tasks.apply_operation(g, state, send("bob"), NOW)
    machine.apply_completion(g, state, "fix", "alice", {}, NOW)
    assert state.pending_steps == ["review"]
    decide(g, state, "bob", approved=True)
    assert state.running == ["done"]


# --- four-eyes over every decider ---------------------------------------------------------------


def four_eyes_graph() -> GraphSpec:
    steps = (
        StepSpec("approve", StepType.HUMAN, form_schema=FORM, candidate_groups=("finance",), approvals_required=2),
        StepSpec("pay", StepType.HUMAN, candidate_groups=("finance",), exclude_completers_of=("approve",)),
        StepSpec("end", StepType.MACHINE),
    )
    edges = (EdgeSpec(0, "approve", "pay"), EdgeSpec(1, "pay", "end"))
    return GraphSpec("po", "1.0.0", "", steps, edges, "approve", ("end",))


def test_exclude_completers_of_a_quorum_step_excludes_every_decider() -> None:
    g = four_eyes_graph()
    state, _ = machine.start_instance(g, "po/1", {}, NOW, started_by="zed")
    for user in ("ann", "bob"):
        data = {"approved": True}
        decisions.validate_decision(g, state, "approve", user, ("finance",), data)
        merged = decisions.decide(g, state, "approve", user, ("finance",), data, NOW, revision_seen="r")
        if merged is not None:
            machine.apply_completion(g, state, "approve", user, merged, NOW)
    assert state.pending_steps == ["pay"]
    # The history names only the last decider; the decision records name both.
    assert (
        access.separation_error(g.step("pay"), state.pending[0], "ann", started_by="zed", history=state.history) is None
    )
    for user in ("ann", "bob"):
        with pytest.raises(UnauthorizedTaskError, match="four-eyes"):
            decisions.validate_decision(g, state, "pay", user, ("finance",), {})
        with pytest.raises(TaskOperationNotAllowedError, match="four-eyes"):
            tasks.validate_operation(g, state, TaskOperation("claim", "pay", user, ("finance",)))
    # What a history recorded before the check replays with (the interpreter's flag).
    decisions.validate_decision(g, state, "pay", "ann", ("finance",), {}, every_decider=False)
    decisions.validate_decision(g, state, "pay", "cid", ("finance",), {})


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 4), voters=st.lists(st.sampled_from(["u0", "u1", "u2", "u3", "u4"]), max_size=8))
def test_no_decider_of_the_excluded_step_may_complete_the_next(k: int, voters: list[str]) -> None:
    base = four_eyes_graph()
    steps = (
        StepSpec("approve", StepType.HUMAN, form_schema=FORM, candidate_groups=("finance",), approvals_required=k),
    )
    g = GraphSpec("po", "1.0.0", "", steps + base.steps[1:], base.edges, "approve", ("end",))
    state, _ = machine.start_instance(g, "po/1", {}, NOW, started_by="zed")
    deciders: set[str] = set()
    for user in voters:
        with contextlib.suppress(WorkflowsError):
            decisions.validate_decision(g, state, "approve", user, ("finance",), {"approved": True})
            deciders.add(user)
            merged = decisions.decide(
                g, state, "approve", user, ("finance",), {"approved": True}, NOW, revision_seen="r"
            )
            if merged is not None:
                machine.apply_completion(g, state, "approve", user, merged, NOW)
    if state.task("pay") is None:
        return
    for user in ["u0", "u1", "u2", "u3", "u4"]:
        refused = False
        try:
            decisions.validate_decision(g, state, "pay", user, ("finance",), {})
        except UnauthorizedTaskError:
            refused = True
        assert refused == (user in deciders)


# --- registration ---------------------------------------------------------------------------


class _Review(BaseHumanStep):
    form_schema = FORM
    candidate_groups = ("reviewers",)


class _Work(BaseMachineStep):
    async def execute(self, context: WorkflowContext) -> None:
        return None


class _DefaultReview(_Review):
    deadline = timedelta(hours=1)
    default_decision = {"approved": False}


def _approved(context: WorkflowContext) -> bool:
    return bool(context.get("approved"))


def definition(
    *edges: Edge, review: BaseHumanStep | None = None, terminal: set[str] | None = None
) -> WorkflowDefinition:
    return WorkflowDefinition(
        name="doc",
        version="1.0.0",
        steps={"write": _Work(), "review": review or _Review(), "done": _Work()},
        edges=[Edge("write", "review"), *edges],
        initial_step="write",
        terminal_steps=terminal if terminal is not None else {"done"},
    )


def test_send_back_edges_are_checked_at_registration() -> None:
    good = definition(Edge("review", "done"), Edge("review", "write", send_back=True))
    assert good.validate() == []
    graph_ = good.to_dict()
    assert graph_["edges"][2]["send_back"] is True and "send_back" not in graph_["edges"][0]
    assert GraphSpec.from_dict(graph_).send_back_targets("review") == ("write",)
    assert 'review -.->|"send back"| write' in to_mermaid(GraphSpec.from_dict(graph_))
    from_machine = definition(Edge("review", "done"), Edge("write", "done", send_back=True))
    assert any("must leave a human step" in e for e in from_machine.validate())
    conditional = definition(Edge("review", "done"), Edge("review", "write", "approved", send_back=True))
    assert any("takes no condition" in e for e in conditional.validate())
    only_back = definition(Edge("review", "write", send_back=True), Edge("write", "done"))
    assert any("'review' has no outgoing edge" in e for e in only_back.validate())


def test_a_definition_without_send_back_edges_keeps_its_fingerprint() -> None:
    plain = definition(Edge("review", "done")).to_dict()
    assert all("send_back" not in e for e in plain["edges"])


def test_a_default_decision_routed_by_callable_conditions_is_refused_at_registration() -> None:
    # At the deadline the engine submits the default decision without worker code: a callable
    # condition could not run there and the instance would fail (ConditionError) at its deadline.
    review = _DefaultReview()
    refused = definition(Edge("review", "done", _approved), review=review)
    errors = refused.validate()
    assert any("default_decision cannot be routed by the callable condition" in e for e in errors)
    assert definition(Edge("review", "done", "approved or not approved"), review=review).validate() == []


def test_what_the_refusal_prevents_an_instance_failing_at_its_deadline() -> None:
    steps = (
        StepSpec("review", StepType.HUMAN, deadline_seconds=60.0, default_decision={"approved": False}),
        StepSpec("done", StepType.MACHINE),
    )
    g = GraphSpec("doc", "1.0.0", "", steps, (EdgeSpec(0, "review", "done", callable_name="m.f"),), "review", ("done",))
    state, _ = machine.start_instance(g, "doc/1", {}, NOW)
    task_alarms.apply_deadline(g, state, "review", NOW)
    assert state.status.value == "failed" and "cannot be evaluated here" in (state.error or "")


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["approve", "reject", "send_back", "claim", "unclaim"]),
        st.sampled_from(["alice", "u1", "u2", "u3"]),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(actions=ACTIONS)
def test_a_quorum_step_closes_once_and_a_send_back_keeps_every_vote(actions: list[tuple[str, str]]) -> None:
    g = graph(approvals_required=2, rejection_ends_step=False, exclude_starter=True)
    state = at_review(g)
    closed = 0
    for action, user in actions:
        open_before = state.task("review") is not None
        with contextlib.suppress(WorkflowsError):
            if action in ("approve", "reject"):
                decide(g, state, user, approved=action == "approve")
            elif action == "send_back":
                tasks.apply_operation(g, state, send(user), NOW)
            else:
                tasks.apply_operation(g, state, TaskOperation(action, "review", user, ("reviewers",)), NOW)
        closed += open_before and state.task("review") is None
    assert closed <= 1
    assert all(d.user_id != "alice" for d in state.tasks.decisions)  # four-eyes held for every kind
    if closed and state.tasks.decisions[-1].outcome == "sent back":
        votes = state.tasks.decisions[:-1]
        assert state.pending_steps == ["fix"] and [v["user_id"] for v in state.data["review"]] == [
            d.user_id for d in votes
        ]
        assert state.data["approvals"] == sum(d.outcome == "approved" for d in votes)
    elif not closed:
        assert state.pending_steps == ["review"]


def test_a_send_back_edge_from_a_group_stays_one_from_its_last_step() -> None:
    from litestar_workflows.steps.groups import SequentialGroup

    group = SequentialGroup(_Work(), _Review(), name="checks")
    definition = WorkflowDefinition(
        name="grouped",
        version="1.0.0",
        steps={"write": _Work(), "checks": group, "done": _Work()},
        edges=[Edge("write", "checks"), Edge("checks", "done"), Edge("checks", "write", send_back=True)],
        initial_step="write",
        terminal_steps={"done"},
    )
    assert definition.validate() == []
    graph_ = compile_definition(definition)
    exits = [e.source for e in graph_.edges if e.send_back]
    assert len(exits) == 1 and graph_.send_back_targets(exits[0]) == ("write",)
    assert "write" not in [e.target for e in graph_.outgoing(exits[0])]
