"""Registry: semantic-version ordering and lookups."""

from __future__ import annotations

import pytest

from litestar_workflows import Edge, WorkflowDefinition, WorkflowNotFoundError, WorkflowRegistry
from litestar_workflows.rules.spec import semver_key
from tests.unit.steps import Mark


def flow(version: str, name: str = "flow") -> WorkflowDefinition:
    return WorkflowDefinition(
        name=name,
        version=version,
        steps={"a": Mark("a"), "b": Mark("b")},
        edges=[Edge("a", "b")],
        initial_step="a",
        terminal_steps={"b"},
    )


def test_latest_is_by_semantic_version() -> None:
    registry = WorkflowRegistry()
    for version in ["9.0.0", "10.0.0", "10.0.0-rc.1", "2.1.3"]:
        registry.register_definition(flow(version))
    assert registry.get_definition("flow").version == "10.0.0"
    assert registry.get_versions("flow") == ["2.1.3", "9.0.0", "10.0.0-rc.1", "10.0.0"]
    assert registry.get_definition("flow", "9.0.0").version == "9.0.0"


def test_prerelease_precedence() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-rc.1", "1.0.0"]
    assert sorted(reversed(ordered), key=semver_key) == ordered


def test_lookups_and_unregister() -> None:
    registry = WorkflowRegistry()
    registry.register_definition(flow("1.0.0"))
    registry.register_definition(flow("1.1.0"))
    registry.register_definition(flow("1.0.0", name="other"))
    assert registry.has_workflow("flow") and registry.has_workflow("flow", "1.1.0")
    assert not registry.has_workflow("flow", "3.0.0")
    assert [(d.name, d.version) for d in registry.list_definitions()] == [
        ("flow", "1.0.0"),
        ("flow", "1.1.0"),
        ("other", "1.0.0"),
    ]
    assert [d.version for d in registry.list_definitions(latest_only=True)] == ["1.1.0", "1.0.0"]
    registry.unregister("flow", "1.1.0")
    assert registry.get_definition("flow").version == "1.0.0"
    registry.unregister("flow")
    assert not registry.has_workflow("flow")
    with pytest.raises(WorkflowNotFoundError, match="'flow' is not registered"):
        registry.get_definition("flow")
    with pytest.raises(KeyError):
        registry.unregister("flow")
    with pytest.raises(WorkflowNotFoundError, match="'other' version '9.9.9' is not registered"):
        registry.get_graph("other", "9.9.9")
