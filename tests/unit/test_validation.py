"""Every definition-validation rule, with its message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from litestar_workflows import BaseHumanStep, Edge, WorkflowDefinition, WorkflowRegistry, WorkflowValidationError
from tests.unit.steps import Ask, Mark


def definition(**overrides: Any) -> WorkflowDefinition:
    fields: dict[str, Any] = {
        "name": "flow",
        "version": "1.0.0",
        "description": "",
        "steps": {"a": Mark("a"), "b": Ask("b"), "c": Mark("c")},
        "edges": [Edge("a", "b"), Edge("b", "c")],
        "initial_step": "a",
        "terminal_steps": {"c"},
    }
    fields.update(overrides)
    return WorkflowDefinition(**fields)


def errors_of(defn: WorkflowDefinition) -> list[str]:
    with pytest.raises(WorkflowValidationError) as info:
        WorkflowRegistry().register_definition(defn)
    assert str(info.value).startswith(f"Workflow definition {defn.name!r} is invalid" if defn.name else "Workflow")
    return info.value.errors


def test_valid_definition_registers() -> None:
    WorkflowRegistry().register_definition(definition())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"initial_step": "zz"}, "initial step 'zz' is not in steps"),
        ({"terminal_steps": {"c", "zz"}}, "terminal step 'zz' is not in steps"),
        ({"edges": [Edge("a", "b"), Edge("b", "zz")]}, "edge 1 ('b' -> 'zz'): target 'zz' is not a step"),
        (
            {"edges": [Edge("a", "b"), Edge("yy", "c"), Edge("b", "c")]},
            "edge 1 ('yy' -> 'c'): source 'yy' is not a step",
        ),
        (
            {"steps": {"a": Mark("a"), "b": Ask("b"), "c": Mark("c"), "x/y": Mark("x/y")}},
            "step key 'x/y' must be a non-empty string without '/'",
        ),
        (
            {"steps": {"a": Mark("a"), "b": Ask("b"), "c": Mark("c"), "d": Mark("d")}, "terminal_steps": {"c", "d"}},
            "step 'd' is unreachable from the initial step 'a'",
        ),
        ({"edges": [Edge("a", "b")]}, "non-terminal step 'b' has no outgoing edge"),
        (
            {"edges": [Edge("a", "b"), Edge("b", "a")], "terminal_steps": set()},
            "no terminal step is reachable from the initial step",
        ),
        (
            {"steps": {"a": Mark("a"), "b": BaseHumanStep("b", form_schema={"type": 12}), "c": Mark("c")}},
            "human step 'b': form_schema is not a valid JSON Schema: /type:",
        ),
        (
            {"edges": [Edge("a", "b", "amount >"), Edge("b", "c")]},
            "edge 0 ('a' -> 'b'): condition 'amount >': syntax error",
        ),
        ({"version": "1.0"}, "version '1.0' is not a semantic version (MAJOR.MINOR.PATCH)"),
        ({"version": "v1.0.0"}, "version 'v1.0.0' is not a semantic version"),
        (
            {"edges": [Edge("a", "b"), Edge("b", "c"), Edge("c", "a")]},
            "terminal step 'c' has outgoing edges",
        ),
        (
            {"steps": {"a": Mark("a"), "b": Ask("b", deadline=timedelta(hours=1)), "c": Mark("c")}},
            "human step 'b': deadline and on_deadline must be set together",
        ),
        (
            {"steps": {"a": Mark("a"), "b": Ask("b", deadline=timedelta(hours=1), on_deadline="zz"), "c": Mark("c")}},
            "human step 'b': on_deadline 'zz' is not a step",
        ),
        ({"name": ""}, "name must not be empty"),
    ],
)
def test_rule(overrides: dict[str, Any], message: str) -> None:
    found = errors_of(definition(**overrides))
    assert any(message in e for e in found), found


def test_every_problem_is_listed_at_once() -> None:
    found = errors_of(definition(version="x", initial_step="zz", terminal_steps={"yy"}))
    assert len(found) == 3


def test_same_version_with_a_different_graph_is_rejected() -> None:
    registry = WorkflowRegistry()
    registry.register_definition(definition())
    registry.register_definition(definition())  # identical: a no-op
    with pytest.raises(WorkflowValidationError, match="already registered with a different graph"):
        registry.register_definition(definition(edges=[Edge("a", "b"), Edge("b", "c", "ok == True")]))
