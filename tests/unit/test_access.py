"""The access rules (litestar_workflows/rules/access.py) and idempotency keys, as pure functions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from examples.expense_approval import expense_workflow
from litestar_workflows import WorkflowRegistry
from litestar_workflows.core.definition import compile_definition
from litestar_workflows.core.types import StepType
from litestar_workflows.exceptions import WorkflowValidationError
from litestar_workflows.rules import access, idempotency, machine
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def graph(**first: object) -> GraphSpec:
    steps = (
        StepSpec("first", StepType.HUMAN, candidate_groups=("managers",), **first),  # type: ignore[arg-type]
        StepSpec(
            "second",
            StepType.HUMAN,
            candidate_groups=("managers",),
            exclude_starter=True,
            exclude_completers_of=("first",),
        ),
        StepSpec("end", StepType.MACHINE),
    )
    edges = (EdgeSpec(0, "first", "second"), EdgeSpec(1, "second", "end"))
    return GraphSpec("g", "1.0.0", "", steps, edges, "first", ("end",), visible_to_groups=("auditors",))


def test_identities_are_encoded_for_queries() -> None:
    assert access.encode_identity("alice.b@corp+x-1") == "alice.b@corp+x-1"
    assert access.encode_identity('CORP\\alice "x"') == "CORP%5Calice%20%22x%22"
    assert access.offered_entries(None, ()) == ["anyone"]
    assert access.offered_entries('a"b', ("g'1",)) == ["user:a%22b", "group:g%271"]
    assert access.caller_entries("CORP\\alice", ["b", "a"]) == ["anyone", "user:CORP%5Calice", "group:a", "group:b"]
    assert access.identity_error("alice", ["g"] * 3) is None
    assert "blank" in (access.identity_error("  ", []) or "")
    assert "at most" in (access.identity_error("alice", [str(i) for i in range(101)]) or "")
    assert "longer than" in (access.identity_error("alice", ["x" * 300]) or "")


def test_read_policy_participants_widening_and_admins() -> None:
    g = graph()
    state, _ = machine.start_instance(g, "i", {}, NOW, started_by="alice", started_by_groups=["employees"])
    assert state.started_by_groups == ["employees"]
    assert state.metadata()["started_by_groups"] == ["employees"]
    readers = [Caller("alice"), Caller("bert", ("managers",)), Caller("erin", ("auditors",))]
    assert all(access.may_read(state, g, c) for c in readers)
    assert not access.may_read(state, g, Caller("mallory"))
    assert access.may_read(state, g, Caller("dave", ("admins",)), admin_groups=["admins"])
    assert access.may_read(state, g, None)  # trusted code, no token
    machine.apply_completion(g, state, "first", "bert", {}, NOW, groups=["managers"])
    # Past offers stay: the 'managers' offer and the completer remain readers after the step closed.
    assert "group:managers" in state.participants
    assert "user:bert" in access.participant_entries(state, g)
    first = next(h for h in state.history if h.step_name == "first")
    assert (first.completed_by, first.completed_by_groups) == ("bert", ["managers"])


def test_four_eyes_refusals_say_why() -> None:
    g = graph()
    state, _ = machine.start_instance(g, "i", {}, NOW, started_by="bob")
    machine.apply_completion(g, state, "first", "bert", {}, NOW)
    task = state.task("second")
    assert task is not None
    step = g.step("second")
    reason = access.completion_error(step, task, "bob", ["managers"], started_by="bob", history=state.history)
    assert reason is not None and "started the instance" in reason
    reason = access.completion_error(step, task, "bert", ["managers"], started_by="bob", history=state.history)
    assert reason is not None and "completed 'first'" in reason
    assert access.completion_error(step, task, "kim", ["managers"], started_by="bob", history=state.history) is None


def test_assignee_from_data_must_differ_from_the_starter() -> None:
    g = graph(assignee_key="reviewer_id", assignee_not_starter=True)
    [problem] = access.start_errors(g, {"reviewer_id": "alice"}, "alice")
    assert problem.pointer == "/reviewer_id" and "four-eyes" in problem.message
    assert access.start_errors(g, {"reviewer_id": "bob"}, "alice") == []
    # Set later by a step (not in the initial data): the starter still never completes it.
    state, _ = machine.start_instance(g, "i", {"reviewer_id": "alice"}, NOW, started_by="alice")
    task = state.task("first")
    assert task is not None and task.assignee == "alice"
    reason = access.completion_error(g.step("first"), task, "alice", [], started_by="alice", history=[])
    assert reason is not None and "must be someone else" in reason


def test_input_schema_errors_name_each_field() -> None:
    g = GraphSpec(
        "g",
        "1.0.0",
        "",
        (StepSpec("end", StepType.MACHINE),),
        (),
        "end",
        ("end",),
        input_schema={"type": "object", "required": ["amount"], "properties": {"amount": {"type": "number"}}},
    )
    assert [e.pointer for e in access.start_errors(g, {"amount": "x"}, "alice")] == ["/amount"]
    assert access.start_errors(g, {}, "alice")[0].message == "'amount' is a required property"


def test_idempotency_keys_are_scoped_without_separator_collisions() -> None:
    assert idempotency.scoped_key("corp", "bob:k1") != idempotency.scoped_key("corp:bob", "k1")
    assert idempotency.start_business_key("alice", "k") != idempotency.start_business_key("bob", "k")
    g = graph()
    state, _ = machine.start_instance(g, "i", {}, NOW)
    one, two = idempotency.request_digest("first", {"a": 1}, None), idempotency.request_digest("second", {"a": 1}, None)
    key = idempotency.scoped_key("bob", "approve-1")
    assert not idempotency.key_conflicts(state, key, one)
    idempotency.remember_key(state, key, one)
    assert not idempotency.key_conflicts(state, key, one)
    assert idempotency.key_conflicts(state, key, two)
    for i in range(idempotency.MAX_REMEMBERED_KEYS + 5):
        idempotency.remember_key(state, str(i), one)
    assert len(state.completion_keys) == idempotency.MAX_REMEMBERED_KEYS


def test_access_options_do_not_strand_running_instances() -> None:
    tightened = compile_definition(expense_workflow)
    before = dataclasses.replace(
        tightened,
        steps=tuple(dataclasses.replace(s, exclude_starter=False, exclude_completers_of=()) for s in tightened.steps),
        visible_to_groups=("auditors",),
    )
    # Workers compare fingerprint(): an instance started before the four-eyes options still finds a worker
    # (it keeps applying its own snapshot's rules) ...
    assert before.fingerprint() == tightened.fingerprint()
    # ... while the registry still refuses two different graphs under one name and version.
    assert before.full_fingerprint() != tightened.full_fingerprint()
    registry = WorkflowRegistry()
    registry.register_definition(expense_workflow)
    changed = dataclasses.replace(expense_workflow, visible_to_groups=["auditors"])
    with pytest.raises(WorkflowValidationError, match="different graph"):
        registry.register_definition(changed)
