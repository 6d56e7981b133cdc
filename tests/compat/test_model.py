"""The published authoring API over our model: context, definitions, edges, graph navigation."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from litestar_workflows import ConditionError, Edge, StepExecution, WorkflowContext, WorkflowDefinition
from litestar_workflows.core.types import StepStatus
from litestar_workflows.engine.graph import WorkflowGraph
from tests.compat.flows import ApprovalWorkflow, Approve, Finish, Validate


def _context(**data: object) -> WorkflowContext:
    return WorkflowContext(
        workflow_id=uuid4(),  # type: ignore[arg-type]  # 0.3.3 code passes UUIDs; kept as strings
        instance_id=uuid4(),  # type: ignore[arg-type]
        data=dict(data),
        metadata={"source": "test"},
        current_step="validate",
        step_history=[],
        started_at=datetime.now(UTC),
        user_id="alice",
        tenant_id="acme",
    )


def test_context_takes_the_published_fields_and_keeps_ids_as_strings() -> None:
    ctx = _context(amount=5)
    assert isinstance(ctx.instance_id, str) and isinstance(ctx.workflow_id, str)
    assert ctx.tenant_id == "acme" and ctx.started_at is not None
    moved = ctx.with_step("approve")
    assert moved.current_step == "approve" and ctx.current_step == "validate"
    assert moved.data is ctx.data  # shared, as published
    assert moved.instance_id == ctx.instance_id and moved.tenant_id == "acme"
    # Our own short form still works, and workflow_id defaults to the definition's name.
    ours = WorkflowContext(instance_id="x", metadata={"workflow_name": "flow"})
    assert ours.workflow_id == "flow" and ours.started_at is None


def test_step_execution_takes_input_and_output_data() -> None:
    record = StepExecution(
        step_name="s",
        status=StepStatus.SUCCEEDED,
        started_at=datetime.now(UTC),
        input_data={"a": 1},
        output_data={"b": 2},
    )
    assert (record.input_data, record.output_data, record.attempts) == ({"a": 1}, {"b": 2}, 1)


def test_the_key_names_the_step_and_the_users_object_is_untouched() -> None:
    approve = Approve()
    check = Validate()
    definition = WorkflowDefinition(
        name="keyed",
        version="1.0.0",
        description="",
        steps={"check": check, "approve": approve, "finish": Finish()},
        edges=[Edge(check, Approve), Edge("approve", "finish")],
        initial_step="check",
        terminal_steps={"finish"},
    )
    assert definition.validate() == []
    assert {k: s.name for k, s in definition.steps.items()} == {k: k for k in definition.steps}
    assert (approve.name, check.name) == ("approval_step", "")  # the objects passed in are not renamed
    # A step object resolves to its key by identity, a class to its one instance.
    assert [(e.get_source_name(), e.get_target_name()) for e in definition.edges] == [
        ("check", "approve"),
        ("approve", "finish"),
    ]


def test_an_ambiguous_step_reference_is_reported() -> None:
    shared = Validate()
    definition = WorkflowDefinition(
        name="ambiguous",
        version="1.0.0",
        description="",
        steps={"one": shared, "two": shared, "finish": Finish()},
        edges=[Edge("one", "two"), Edge(Validate, "finish")],
        initial_step="one",
        terminal_steps={"finish"},
    )
    assert definition.steps["one"] is not definition.steps["two"]  # one renamed copy per key
    assert any("source '' is not a step" in problem for problem in definition.validate())


def test_validate_lists_problems_instead_of_raising() -> None:
    broken = WorkflowDefinition(
        name="broken",
        version="1.0",
        description="",
        steps={"a": Finish()},
        edges=[Edge("a", "nowhere")],
        initial_step="a",
        terminal_steps={"a"},
    )
    problems = broken.validate()
    assert any("semantic version" in p for p in problems)
    assert any("'nowhere' is not a step" in p for p in problems)
    assert ApprovalWorkflow.get_definition().validate() == []


def test_next_steps_evaluate_string_and_callable_conditions() -> None:
    definition = ApprovalWorkflow.get_definition()
    assert definition.get_next_steps("validate", _context(valid=True, large=True)) == ["approve"]
    assert definition.get_next_steps("validate", _context(valid=True, large=False)) == ["finish"]
    assert definition.get_next_steps("approve", _context(approved=True)) == ["finish"]
    assert definition.get_next_steps("finish", _context()) == []
    with pytest.raises(ConditionError, match="valid"):
        definition.get_next_steps("validate", _context())  # a missing name is an error, not False


def test_edge_evaluates_its_condition() -> None:
    assert Edge("a", "b").evaluate_condition(_context()) is True
    assert Edge("a", "b", "amount > 5").evaluate_condition(_context(amount=6)) is True
    assert Edge("a", "b", "amount > 5").evaluate_condition(_context(amount=1)) is False
    assert Edge("a", "b", lambda ctx: ctx.get("x") == 1).evaluate_condition(_context(x=1)) is True
    with pytest.raises(ValueError, match="amount"):
        Edge("a", "b", "amount > 5").evaluate_condition(_context())
    assert (Edge(Validate, "b").get_source_name(), Edge("a", Approve).get_target_name()) == ("", "approval_step")


def test_mermaid_with_and_without_state() -> None:
    definition = ApprovalWorkflow.get_definition()
    plain = definition.to_mermaid()
    assert plain.startswith("flowchart TD") and "validate -->" in plain
    styled = definition.to_mermaid_with_state(
        current_step="approve", completed_steps=["validate"], failed_steps=["nope"]
    )
    assert styled.startswith(plain)
    assert "class validate completed" in styled and "class approve current" in styled
    assert "failed" not in styled  # unknown steps are ignored


def test_workflow_graph_answers_from_the_definition_graph() -> None:
    graph = WorkflowGraph.from_definition(ApprovalWorkflow.get_definition())
    assert graph.get_next_steps("validate", _context(valid=False, large=False)) == ["reject"]
    assert graph.get_previous_steps("finish") == ["validate", "approve"]
    assert graph.is_terminal("finish") and not graph.is_terminal("approve")
    assert graph.validate() == []
    assert graph.get_all_paths("validate", "finish") == [["validate", "approve", "finish"], ["validate", "finish"]]
    assert graph.get_all_paths("validate", "finish", max_paths=1) == [["validate", "approve", "finish"]]
    assert graph.get_step_depth("validate") == 0
    assert graph.get_step_depth("finish") == 1
    assert graph.get_step_depth("nowhere") == -1
    assert graph.spec.name == "compat_approval"
