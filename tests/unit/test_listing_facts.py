"""The four-eyes facts a listing row carries: which steps' deciders a run publishes, bounded."""

from __future__ import annotations

from typing import Any, cast

from examples.document_review import registry as review_registry
from examples.expense_approval import registry as expense_registry
from litestar_workflows.rules.listing_facts import (
    MAX_COMPLETERS_PER_STEP,
    StepDecider,
    completers_record,
    known_completers,
    watched_steps,
)


def test_only_the_steps_an_exclude_completers_of_names_are_watched() -> None:
    assert watched_steps(expense_registry.get_graph("expense_approval", "1.0.0")) == ["manager_approval"]
    assert watched_steps(review_registry.get_graph("document_review", "1.0.0")) == []


def test_deciders_are_published_up_to_the_bound_then_unknown() -> None:
    graph = expense_registry.get_graph("expense_approval", "1.0.0")
    some = [StepDecider("manager_approval", u) for u in ("bob", "ann", "bob", "deadline")]
    some.append(StepDecider("vp_approval", "carol"))  # not watched
    assert completers_record(graph, (), cast(Any, some)) == {"manager_approval": ["ann", "bob"]}
    many = [StepDecider("manager_approval", f"u{i}") for i in range(MAX_COMPLETERS_PER_STEP + 1)]
    record = completers_record(graph, (), cast(Any, many))
    assert record == {"manager_approval": None}
    assert known_completers(record) == {}  # too many to publish: unknown, never a partial list
