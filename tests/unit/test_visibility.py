"""The inbox from visibility (issue 10): a run's search attributes plus the graph describe its one
waiting task exactly, or the run must be asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from temporalio.common import SearchAttributePair, TypedSearchAttributes

from examples.document_review import registry as review_registry
from examples.expense_approval import registry as expense_registry
from litestar_workflows.temporal.contracts import (
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
)
from litestar_workflows.temporal.visibility import graph_of, tasks_from_visibility, unavailable_state

SINCE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _execution(name: str, pending: list[str], waiting_on: list[str]) -> Any:
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(SA_DEFINITION_NAME, name),
        SearchAttributePair(SA_DEFINITION_VERSION, "1.0.0"),
        SearchAttributePair(SA_INSTANCE_STATUS, "waiting"),
        SearchAttributePair(SA_WAITING_SINCE, SINCE),
    ]
    if pending:
        pairs.append(SearchAttributePair(SA_PENDING_STEPS, pending))
    if waiting_on:
        pairs.append(SearchAttributePair(SA_WAITING_ON, waiting_on))
    return cast(
        Any, SimpleNamespace(id=f"{name}/k", start_time=SINCE, typed_search_attributes=TypedSearchAttributes(pairs))
    )


def test_one_waiting_task_is_described_by_visibility() -> None:
    execution = _execution("document_review", ["review"], ["user:rex%20jr"])
    graph = graph_of(execution, review_registry)
    assert graph is not None
    [task] = tasks_from_visibility(execution, graph) or []
    assert (task.step_name, task.assignee, task.candidate_groups) == ("review", "rex jr", ())
    assert task.title == "Review document" and task.form_schema is not None
    assert task.since == SINCE and task.deadline_at == SINCE + timedelta(minutes=5)
    assert task.on_deadline == "escalate"


def test_groups_come_from_the_run_not_the_graph() -> None:
    execution = _execution("expense_approval", ["manager_approval"], ["group:finance"])  # reassigned
    graph = graph_of(execution, expense_registry)
    assert graph is not None
    [task] = tasks_from_visibility(execution, graph) or []
    assert task.assignee is None and task.candidate_groups == ("finance",)


def test_what_visibility_cannot_tell_is_asked() -> None:
    graph = graph_of(_execution("expense_approval", [], []), expense_registry)
    assert graph is not None
    several = _execution("expense_approval", ["manager_approval", "vp_approval"], ["group:managers", "group:vps"])
    assert tasks_from_visibility(several, graph) is None
    two_users = _execution("expense_approval", ["manager_approval"], ["user:a", "user:b"])
    assert tasks_from_visibility(two_users, graph) is None
    assert tasks_from_visibility(_execution("expense_approval", [], []), graph) == []
    assert graph_of(_execution("unknown_definition", ["x"], ["anyone"]), expense_registry) is None


def test_a_run_that_cannot_answer_is_a_row_saying_so() -> None:
    state = unavailable_state(_execution("expense_approval", ["manager_approval"], ["anyone"]), "query timed out")
    assert state.status.value == "waiting" and state.workflow_name == "expense_approval"
    assert state.error == "this instance cannot be read right now: query timed out"
