"""The functional core, driven directly: no engine, no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from litestar_workflows import (
    BaseHumanStep,
    Edge,
    FormValidationError,
    StepNotWaitingError,
    StepStatus,
    StepType,
    TaskAlreadyCompletedError,
    TaskNotFoundError,
    UnauthorizedTaskError,
    WorkflowAlreadyCompletedError,
    WorkflowDefinition,
    WorkflowStatus,
)
from litestar_workflows.core.definition import compile_definition, validate_definition
from litestar_workflows.rules import machine as m
from litestar_workflows.rules.spec import GraphSpec, to_mermaid
from litestar_workflows.rules.state import InstanceState
from tests.unit.steps import Ask, Mark

T0 = datetime(2026, 1, 1, tzinfo=UTC)
OK = m.StepOutcome(StepStatus.SUCCEEDED)


def graph(steps: list[Any], edges: list[Edge], terminal: set[str], initial: str | None = None) -> GraphSpec:
    defn = WorkflowDefinition(
        name="g",
        version="1.0.0",
        steps={s.name: s for s in steps},
        edges=edges,
        initial_step=initial or steps[0].name,
        terminal_steps=terminal,
    )
    assert validate_definition(defn) == []
    return compile_definition(defn)


def succeed(g: GraphSpec, state: InstanceState, name: str, **changes: Any) -> list[m.Activation]:
    return m.record_step_result(g, state, name, m.StepOutcome(StepStatus.SUCCEEDED, m.DataChanges(set=changes)), T0)


def test_sequence_waits_at_human_step_then_completes() -> None:
    g = graph([Mark("a"), Ask("b"), Mark("c")], [Edge("a", "b"), Edge("b", "c")], {"c"})
    state, acts = m.start_instance(g, "i", {"x": 1}, T0)
    assert [a.step_name for a in acts] == ["a"] and state.running == ["a"]
    acts = succeed(g, state, "a", a=True)
    assert acts == [m.Activation("b", StepType.HUMAN)]
    assert state.status == WorkflowStatus.WAITING and state.pending_steps == ["b"]
    assert state.data == {"x": 1, "a": True}
    m.validate_completion(g, state, "b", "bob", (), {"ok": True})
    acts = m.apply_completion(g, state, "b", "bob", {"ok": True}, T0, comment="fine")
    assert [a.step_name for a in acts] == ["c"]
    succeed(g, state, "c")
    assert state.status == WorkflowStatus.COMPLETED and state.completed_at == T0
    waited = [h for h in state.history if h.step_name == "b"]
    assert len(waited) == 1 and waited[0].completed_by == "bob" and waited[0].comment == "fine"


def test_parallel_branches_and_join_runs_once_after_all_started_branches() -> None:
    g = graph(
        [Mark("s"), Ask("h1"), Ask("h2"), Mark("m"), Mark("j"), Mark("e")],
        [
            Edge("s", "h1"),
            Edge("s", "h2"),
            Edge("s", "m", "fast"),
            Edge("h1", "j"),
            Edge("h2", "j"),
            Edge("m", "j"),
            Edge("j", "e"),
        ],
        {"e"},
    )
    state, _ = m.start_instance(g, "i", {"fast": True}, T0)
    acts = succeed(g, state, "s")
    assert {a.step_name for a in acts} == {"h1", "h2", "m"}
    assert sorted(state.pending_steps) == ["h1", "h2"] and state.running == ["m"]
    assert succeed(g, state, "m") == []  # join waits: h1 and h2 can still reach it
    assert m.apply_completion(g, state, "h1", "u", {"ok": True}, T0) == []
    acts = m.apply_completion(g, state, "h2", "u", {"ok": True}, T0)
    assert [a.step_name for a in acts] == ["j"]
    succeed(g, state, "j")
    succeed(g, state, "e")
    assert state.status == WorkflowStatus.COMPLETED
    assert [h.step_name for h in state.history].count("j") == 1


def test_branch_whose_condition_is_false_does_not_block_the_join() -> None:
    g = graph(
        [Mark("s"), Mark("a"), Mark("b"), Mark("j")],
        [Edge("s", "a"), Edge("s", "b", "amount > 5000"), Edge("a", "j"), Edge("b", "j")],
        {"j"},
    )
    state, _ = m.start_instance(g, "i", {"amount": 10}, T0)
    assert [a.step_name for a in succeed(g, state, "s")] == ["a"]
    assert [a.step_name for a in succeed(g, state, "a")] == ["j"]


def test_no_edge_taken_fails_with_a_clear_error() -> None:
    g = graph([Mark("s"), Mark("a"), Mark("b")], [Edge("s", "a", "x > 1"), Edge("s", "b", "x < 0")], {"a", "b"})
    state, _ = m.start_instance(g, "i", {"x": 0}, T0)
    succeed(g, state, "s")
    assert state.status == WorkflowStatus.FAILED and state.failed_step == "s"
    assert state.error == "No edge can be taken from step 's': no outgoing condition holds ('a' if x > 1, 'b' if x < 0)"


def test_condition_error_fails_the_instance_naming_the_edge() -> None:
    g = graph([Mark("s"), Mark("a")], [Edge("s", "a", "missing > 1")], {"a"})
    state, _ = m.start_instance(g, "i", {}, T0)
    succeed(g, state, "s")
    assert state.status == WorkflowStatus.FAILED
    assert (
        state.error is not None
        and "'s' -> 'a'" in state.error
        and "'missing' is not in the instance data" in state.error
    )


def test_callable_condition_uses_the_engine_evaluator_or_the_outcome() -> None:
    def big(ctx: Any) -> bool:
        return bool(ctx.get("amount", 0) > 10)

    g = graph([Mark("s"), Mark("a"), Mark("b")], [Edge("s", "a", big), Edge("s", "b", "not amount > 10")], {"a", "b"})
    state, _ = m.start_instance(g, "i", {"amount": 50}, T0)
    outcome = m.StepOutcome(StepStatus.SUCCEEDED, callable_results={"0": True})
    assert [a.step_name for a in m.record_step_result(g, state, "s", outcome, T0)] == ["a"]
    state, _ = m.start_instance(g, "i", {"amount": 50}, T0)
    outcome = m.StepOutcome(StepStatus.SUCCEEDED, callable_errors={"0": "ZeroDivisionError: boom"})
    m.record_step_result(g, state, "s", outcome, T0)
    assert state.error is not None and "ZeroDivisionError: boom" in state.error


def test_failed_step_fails_instance_and_cancels_waiting_steps() -> None:
    g = graph(
        [Mark("s"), Ask("h"), Mark("x"), Mark("e")],
        [Edge("s", "h"), Edge("s", "x"), Edge("h", "e"), Edge("x", "e")],
        {"e"},
    )
    state, _ = m.start_instance(g, "i", {}, T0)
    succeed(g, state, "s")
    failure = m.StepOutcome(StepStatus.FAILED, error="disk full", error_type="OSError", attempts=3)
    m.record_step_result(g, state, "x", failure, T0)
    assert state.status == WorkflowStatus.FAILED
    assert state.error == "Step 'x' failed after 3 attempts: OSError: disk full"
    assert state.pending == [] and state.history[-2].status == StepStatus.CANCELED
    assert succeed(g, state, "x") == []  # a late result is ignored


def test_skipped_step_passes_its_token_on() -> None:
    g = graph([Mark("s"), Mark("opt"), Mark("e")], [Edge("s", "opt"), Edge("opt", "e")], {"e"})
    state, _ = m.start_instance(g, "i", {}, T0)
    succeed(g, state, "s")
    acts = m.record_step_result(g, state, "opt", m.StepOutcome(StepStatus.SKIPPED), T0)
    assert [a.step_name for a in acts] == ["e"]
    assert state.history[-1].status == StepStatus.SKIPPED


def test_loop_runs_a_step_again() -> None:
    g = graph(
        [Mark("draft"), Ask("review"), Mark("done")],
        [Edge("draft", "review"), Edge("review", "draft", "not ok"), Edge("review", "done", "ok")],
        {"done"},
    )
    state, _ = m.start_instance(g, "i", {}, T0)
    succeed(g, state, "draft")
    assert [a.step_name for a in m.apply_completion(g, state, "review", "u", {"ok": False}, T0)] == ["draft"]
    succeed(g, state, "draft")
    m.apply_completion(g, state, "review", "u", {"ok": True}, T0)
    succeed(g, state, "done")
    assert state.status == WorkflowStatus.COMPLETED
    assert [h.step_name for h in state.history] == ["draft", "review", "draft", "review", "done"]


def test_deadline_takes_the_escalation_step() -> None:
    esc = Ask("approve", deadline=timedelta(hours=2), on_deadline="escalate")
    g = graph(
        [Mark("s"), esc, Mark("escalate"), Mark("e")],
        [Edge("s", "approve"), Edge("approve", "e"), Edge("escalate", "e")],
        {"e"},
    )
    state, _ = m.start_instance(g, "i", {}, T0)
    acts = succeed(g, state, "s")
    assert acts[0].deadline_seconds == 7200
    assert state.pending[0].deadline_at == T0 + timedelta(hours=2)
    acts = m.apply_deadline(g, state, "approve", T0)
    assert [a.step_name for a in acts] == ["escalate"]
    record = next(h for h in state.history if h.step_name == "approve")
    assert record.status == StepStatus.TIMED_OUT and record.error is not None and "escalate" in record.error
    assert m.apply_deadline(g, state, "approve", T0) == []  # no longer waiting: ignored


def test_guarded_human_step_is_activated_for_the_engine_to_check() -> None:
    class Guarded(Ask):
        async def can_execute(self, context: Any) -> bool:
            return False

    g = graph([Mark("s"), Guarded("h"), Mark("e")], [Edge("s", "h"), Edge("h", "e")], {"e"})
    state, _ = m.start_instance(g, "i", {}, T0)
    acts = succeed(g, state, "s")
    assert acts == [m.Activation("h", StepType.HUMAN, needs_guard=True)]
    assert state.running == ["h"] and state.pending == []
    opened = m.open_human_task(g, state, "h", T0)
    assert opened.step_name == "h" and state.pending_steps == ["h"]


ASSIGNED = [
    Mark("s"),
    BaseHumanStep("fixed", assignee="bob"),
    BaseHumanStep("ctx", assignee_key="manager"),
    BaseHumanStep("grp", candidate_groups=["managers"]),
    Mark("e"),
]


def assigned_state() -> tuple[GraphSpec, InstanceState]:
    g = graph(
        ASSIGNED,
        [
            Edge("s", "fixed"),
            Edge("s", "ctx"),
            Edge("s", "grp"),
            Edge("fixed", "e"),
            Edge("ctx", "e"),
            Edge("grp", "e"),
        ],
        {"e"},
    )
    state, _ = m.start_instance(g, "i", {"manager": "carol"}, T0)
    succeed(g, state, "s")
    return g, state


@pytest.mark.parametrize(
    ("step", "user", "groups", "allowed"),
    [
        ("fixed", "bob", (), True),
        ("fixed", "eve", ("managers",), False),
        ("ctx", "carol", (), True),
        ("ctx", "bob", (), False),
        ("grp", "anyone", ("managers",), True),
        ("grp", "anyone", ("staff",), False),
    ],
)
def test_assignment_rules(step: str, user: str, groups: tuple[str, ...], allowed: bool) -> None:
    g, state = assigned_state()
    if allowed:
        m.validate_completion(g, state, step, user, groups, {})
    else:
        with pytest.raises(UnauthorizedTaskError, match="may not complete step"):
            m.validate_completion(g, state, step, user, groups, {})
    assert state.task("ctx") is not None and state.task("ctx").assignee == "carol"  # type: ignore[union-attr]


def test_validate_completion_rejections_change_nothing() -> None:
    g = graph([Mark("a"), Ask("b"), Mark("c")], [Edge("a", "b"), Edge("b", "c")], {"c"})
    state, _ = m.start_instance(g, "i", {}, T0)
    with pytest.raises(StepNotWaitingError, match="the instance is not waiting at it"):
        m.validate_completion(g, state, "b", "u", (), {"ok": True})
    succeed(g, state, "a")
    before = repr(state)
    with pytest.raises(TaskNotFoundError, match="has no step 'zz'"):
        m.validate_completion(g, state, "zz", "u", (), {})
    with pytest.raises(StepNotWaitingError, match="it is a machine step"):
        m.validate_completion(g, state, "c", "u", (), {})
    with pytest.raises(FormValidationError) as info:
        m.validate_completion(g, state, "b", "u", (), {"ok": "yes"})
    assert [e.pointer for e in info.value.errors] == ["/ok"]
    with pytest.raises(UnauthorizedTaskError, match="no user given"):
        m.validate_completion(g, state, "b", "", (), {"ok": True})
    assert repr(state) == before
    m.apply_completion(g, state, "b", "bob", {"ok": True}, T0)
    with pytest.raises(TaskAlreadyCompletedError, match="already completed by 'bob'"):
        m.validate_completion(g, state, "b", "u", (), {"ok": True})
    succeed(g, state, "c")
    with pytest.raises(WorkflowAlreadyCompletedError, match="is already completed"):
        m.validate_completion(g, state, "b", "u", (), {"ok": True})


def test_cancel() -> None:
    g = graph([Mark("a"), Ask("b"), Mark("c")], [Edge("a", "b"), Edge("b", "c")], {"c"})
    state, _ = m.start_instance(g, "i", {}, T0)
    succeed(g, state, "a")
    m.cancel_instance(state, "duplicate request", T0)
    assert state.status == WorkflowStatus.CANCELED and state.error == "canceled: duplicate request"
    assert state.history[-1].status == StepStatus.CANCELED
    with pytest.raises(WorkflowAlreadyCompletedError):
        m.cancel_instance(state, "again", T0)


def test_data_diff_roundtrip() -> None:
    before = {"a": 1, "b": 2, "c": [1]}
    after = {"a": 1, "c": [1, 2], "d": None}
    changes = m.diff_data(before, after)
    assert changes == m.DataChanges(set={"c": [1, 2], "d": None}, removed=["b"])
    m.apply_changes(before, changes)
    assert before == after


def test_graph_snapshot_roundtrips_and_renders() -> None:
    g = graph([Mark("a"), Ask("b"), Mark("c")], [Edge("a", "b"), Edge("b", "c", "ok == True")], {"c"})
    assert GraphSpec.from_dict(g.to_dict()) == g
    assert GraphSpec.from_dict(g.to_dict()).fingerprint() == g.fingerprint()
    text = to_mermaid(g)
    assert text.startswith("flowchart TD") and 'b -->|"ok == True"| c' in text


# --- property-based: random graphs ------------------------------------------------


@st.composite
def random_flows(draw: st.DrawFn) -> tuple[GraphSpec, dict[str, bool]]:
    """A random DAG of machine and human steps, some edges conditioned on boolean flags."""
    n = draw(st.integers(min_value=2, max_value=9))
    names = [f"s{i}" for i in range(n)]
    edges: list[Edge] = []
    for j in range(1, n):
        parents = draw(st.sets(st.integers(min_value=0, max_value=j - 1), min_size=1, max_size=min(3, j)))
        for i in sorted(parents):
            flag = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=3)))
            edges.append(Edge(names[i], names[j], None if flag is None else f"f{flag}"))
    sources = {e.source for e in edges}
    steps = [Ask(name) if draw(st.booleans()) and name != "s0" else Mark(name) for name in names]
    terminal = {name for name in names if name not in sources}
    flags = {f"f{k}": draw(st.booleans()) for k in range(4)}
    return graph(steps, edges, terminal, "s0"), flags


def run(g: GraphSpec, data: dict[str, Any], choose: Callable[[list[str]], int]) -> InstanceState:
    """Drive an instance to its end, finishing active steps in the order ``choose`` picks."""
    state, _ = m.start_instance(g, "i", data, T0)
    for _ in range(200):
        active = sorted(set(state.running) | set(state.pending_steps))
        if not active:
            break
        name = active[choose(active) % len(active)]
        if name in state.running:
            succeed(g, state, name)
        else:
            m.apply_completion(g, state, name, "u", {}, T0)
    return state


@settings(max_examples=300, deadline=None)
@given(random_flows(), st.randoms(use_true_random=False))
def test_random_graphs_run_each_step_at_most_once_and_terminate(
    flow: tuple[GraphSpec, dict[str, bool]], rnd: Any
) -> None:
    g, flags = flow
    state = run(g, dict(flags), lambda active: rnd.randrange(len(active)))
    assert state.status in (WorkflowStatus.COMPLETED, WorkflowStatus.FAILED)
    executed = [h.step_name for h in state.history if h.status == StepStatus.SUCCEEDED]
    assert len(executed) == len(set(executed)), "a step ran twice in a DAG"
    done_at = {name: i for i, name in enumerate(executed)}
    for name in executed:
        if name == g.initial_step:
            continue
        # Every executed step was reached by an edge from a step that ran before it...
        parents = [e.source for e in g.incoming(name) if e.source in done_at]
        assert parents and min(done_at[p] for p in parents) < done_at[name]
        # ...and ran after every executed parent whose edge to it was taken (the join waited).
        for edge in g.incoming(name):
            taken = edge.expression is None or flags[edge.expression]
            if edge.source in done_at and taken:
                assert done_at[edge.source] < done_at[name]
    if state.status == WorkflowStatus.FAILED:
        assert state.failed_step is not None and "no outgoing condition holds" in (state.error or "")


@settings(max_examples=150, deadline=None)
@given(random_flows(), st.randoms(use_true_random=False), st.randoms(use_true_random=False))
def test_outcome_does_not_depend_on_interleaving(
    flow: tuple[GraphSpec, dict[str, bool]], first: Any, second: Any
) -> None:
    g, flags = flow
    a = run(g, dict(flags), lambda active: first.randrange(len(active)))
    b = run(g, dict(flags), lambda active: second.randrange(len(active)))
    assert a.status == b.status
    if a.status == WorkflowStatus.COMPLETED:
        assert sorted(h.step_name for h in a.history) == sorted(h.step_name for h in b.history)
