"""The four-eyes facts a listing row carries: which steps' deciders a run publishes, bounded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from examples.document_review import registry as review_registry
from examples.expense_approval import registry as expense_registry
from litestar_workflows.rules.listing_facts import (
    MAX_COMPLETERS_PER_STEP,
    StepDecider,
    completers_read,
    completers_record,
    known_completers,
    watched_steps,
)
from litestar_workflows.rules.state import PendingTask


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


def test_the_deciders_are_read_only_while_a_step_that_excludes_them_waits() -> None:
    graph = expense_registry.get_graph("expense_approval", "1.0.0")
    since = datetime(2026, 12, 1, tzinfo=UTC)
    manager, vp = (
        PendingTask("i", "expense_approval", "1.0.0", step, "", "", {}, None, (), since=since)
        for step in ("manager_approval", "vp_approval")
    )
    assert not completers_read(graph, [])
    assert not completers_read(graph, [manager])
    assert completers_read(graph, [manager, vp])  # vp_approval excludes manager_approval's deciders
