"""Size budgets, the bounded history window, and user input that cannot stall a workflow task
(issue 10): ReDoS form patterns, expensive conditions, deeply nested JSON."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from examples.document_review import registry as review_registry
from examples.expense_approval import registry as expense_registry
from litestar_workflows import LocalExecutionEngine
from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.exceptions import BudgetExceededError, InputTooDeepError, WorkflowAlreadyCompletedError
from litestar_workflows.rules import budgets
from litestar_workflows.rules.budgets import SizeBudgets
from litestar_workflows.rules.conditions import check_condition, evaluate_condition
from litestar_workflows.rules.forms import check_form_schema, form_errors
from litestar_workflows.rules.state import InstanceState

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIMITS = SizeBudgets()


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


def test_the_issue_comment_is_refused_naming_the_field_and_limit() -> None:
    with pytest.raises(BudgetExceededError) as caught:
        budgets.check_completion(LIMITS, {"approved": True}, "x" * 1_048_200, {})
    assert caught.value.field == "/comment"
    assert caught.value.limit == LIMITS.comment_bytes
    assert "over the limit of 8192 bytes" in str(caught.value)


def test_form_data_over_its_budget_is_refused() -> None:
    with pytest.raises(BudgetExceededError) as caught:
        budgets.check_completion(LIMITS, {"comments": "x" * 1_048_200}, None, {})
    assert caught.value.field == "/data" and caught.value.limit == LIMITS.completion_bytes


def test_a_completion_that_would_overflow_the_instance_data_is_refused() -> None:
    full = {f"k{i}": "x" * 50_000 for i in range(5)}  # ~250 KB of 256 KiB
    with pytest.raises(BudgetExceededError, match="would make the instance data"):
        budgets.check_completion(LIMITS, {"more": "y" * 20_000}, None, full)
    budgets.check_completion(LIMITS, {"k0": "y" * 20_000}, None, full)  # replacing a key shrinks it


def test_initial_data_budget_and_depth() -> None:
    budgets.check_initial_data(LIMITS, {"amount": 5})
    with pytest.raises(BudgetExceededError) as caught:
        budgets.check_initial_data(LIMITS, {"blob": "x" * 200_000})
    assert caught.value.field == "/initial_data"
    with pytest.raises(InputTooDeepError) as deep:
        budgets.check_initial_data(LIMITS, _nested(500))
    assert type(deep.value).http_status == 400 and "32 levels" in str(deep.value)
    budgets.check_initial_data(LIMITS, _nested(30))


def test_step_output_over_budget_is_named() -> None:
    assert budgets.step_output_error(LIMITS, {}, {"a": 1}, [], None) is None
    error = budgets.step_output_error(LIMITS, {}, {"a": "x" * 300_000}, [], None)
    assert error is not None and "step output limit" in error
    full = {f"k{i}": "x" * 60_000 for i in range(4)}
    error = budgets.step_output_error(LIMITS, full, {"k9": "x" * 60_000}, [], None)
    assert error is not None and "instance data" in error
    assert budgets.step_output_error(LIMITS, full, {"k9": "x" * 60_000}, ["k0"], None) is None


def test_history_window_keeps_waiting_records_and_counts_the_dropped() -> None:
    state = InstanceState("i", "wf", "1", NOW)
    budgets.remember(state, StepExecution("waiting", StepStatus.WAITING, NOW))
    for i in range(120):
        budgets.remember(state, StepExecution(f"s{i}", StepStatus.SUCCEEDED, NOW, NOW))
    assert len(state.history) == budgets.HISTORY_WINDOW
    assert state.history[0].step_name == "waiting"
    assert state.history[-1].step_name == "s119"
    assert state.history_dropped == 121 - budgets.HISTORY_WINDOW


def test_large_results_are_not_kept_in_the_state() -> None:
    assert budgets.recorded_result({"ok": 1}) == {"ok": 1}
    assert budgets.recorded_result(7) == 7
    kept = budgets.recorded_result("x" * 10_000)
    assert isinstance(kept, str) and "not kept" in kept


REDOS_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string", "pattern": r"^(\w+\s?)*$"}},
    "patternProperties": {r"^(a+)+$": {"type": "integer"}},
}


def test_redos_patterns_match_in_linear_time() -> None:
    started = time.perf_counter()
    errors = form_errors(REDOS_SCHEMA, {"name": "a" * 26 + "!", "a" * 40 + "!": "x"})
    assert time.perf_counter() - started < 0.5
    assert [e.pointer for e in errors] == ["/name"]
    assert form_errors(REDOS_SCHEMA, {"name": "two words", "aaa": 1}) == []
    assert [e.pointer for e in form_errors(REDOS_SCHEMA, {"aaa": "not an integer"})] == ["/aaa"]


def test_additional_properties_next_to_patterns_still_work() -> None:
    schema = {"type": "object", "patternProperties": {"^x_": {}}, "additionalProperties": False}
    assert form_errors(schema, {"x_1": 1}) == []
    assert form_errors(schema, {"y": 1}) != []


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=x)y", r"(?<!a)b"])
def test_patterns_re2_cannot_run_are_refused_at_registration(pattern: str) -> None:
    problems = check_form_schema({"type": "object", "properties": {"f": {"type": "string", "pattern": pattern}}})
    assert problems and "RE2" in problems[0] and problems[0].startswith("/properties/f/pattern")


@pytest.mark.parametrize(
    "expression",
    ["('a'*99999).replace('', 'a'*99999)", "x.zfill(10**9)", "[a for a in x]", "'x' * 10 == " + "'x' + " * 200 + "''"],
)
def test_expensive_conditions_are_refused_at_registration(expression: str) -> None:
    assert check_condition(expression) is not None


@pytest.mark.parametrize("expression", ["10**4000000*10**4000000", "2**5000 > 1", "x*x*x*x*x*x*x*x > 0", "1 << 99999"])
def test_expensive_arithmetic_is_bounded_at_evaluation(expression: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ValueError, match="more than 4096 bits"):
        evaluate_condition(expression, {"x": 10**200})
    assert time.perf_counter() - started < 0.1


def test_ordinary_conditions_still_evaluate() -> None:
    assert evaluate_condition("amount * 2 > 10 and name.lower().startswith('a')", {"amount": 6, "name": "Ann"})
    assert evaluate_condition("10**100 > 1", {})


async def test_a_cancel_that_lost_the_race_is_instance_finished_locally() -> None:
    engine = LocalExecutionEngine(expense_registry)
    instance = await engine.start_workflow("expense_approval", {"requester_id": "alice", "amount": 10.0})
    done = await engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert done.status == WorkflowStatus.COMPLETED
    with pytest.raises(WorkflowAlreadyCompletedError):
        await engine.cancel_workflow(instance.id, "too late")
    assert (await engine.get_instance(instance.id)).status == WorkflowStatus.COMPLETED


async def test_a_rejected_completion_leaves_the_deadline_armed_locally() -> None:
    engine = LocalExecutionEngine(review_registry)
    data = {"title": "T", "author_id": "ann", "reviewer_id": "rex"}
    instance = await engine.start_workflow("document_review", data)
    record = engine._instances[instance.id]  # the engine's own timer table: is the deadline still armed?
    assert "review" in record.timers
    with pytest.raises(BudgetExceededError):
        await engine.complete_human_task(instance.id, "review", "rex", {"decision": "approve", "x": "y" * 100_000})
    assert "review" in record.timers


def test_form_errors_are_bounded_however_much_fails() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "string", "maxLength": 3}}, "additionalProperties": False}
    errors = form_errors(schema, {"n": "x" * 100_000, **{f"k{i:03d}": 1 for i in range(100)}})
    assert len(errors) == 21 and errors[-1].message == "... and 81 more problems"
    [too_long] = form_errors(schema, {"n": "x" * 100_000})
    assert too_long.pointer == "/n" and len(too_long.message) < 400 and "characters)" in too_long.message
