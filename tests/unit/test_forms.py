"""Form validation reports one entry per failing field, as JSON pointers."""

from __future__ import annotations

import time
from typing import Any

import pytest

from litestar_workflows import LocalExecutionEngine
from litestar_workflows.core.definition import WorkflowDefinition
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import FieldError, FormValidationError, WorkflowValidationError
from litestar_workflows.rules.forms import check_form_schema, form_errors
from litestar_workflows.steps.base import BaseHumanStep

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "approved": {"type": "boolean"},
        "amount": {"type": "number", "minimum": 0},
        "address": {"type": "object", "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}}},
    },
    "required": ["approved", "amount"],
    "additionalProperties": False,
}


def test_valid_data_has_no_errors() -> None:
    assert form_errors(SCHEMA, {"approved": True, "amount": 3}) == []


def test_every_failing_field_is_listed() -> None:
    errors = form_errors(SCHEMA, {"amount": -1, "address": {"zip": "abc"}, "extra": 1})
    pointers = {e.pointer for e in errors}
    assert pointers == {"/approved", "/amount", "/address/zip", "/extra"}
    assert FieldError("/approved", "'approved' is a required property") in errors


def test_non_object_data_is_rejected() -> None:
    assert form_errors(SCHEMA, ["x"])[0].pointer == ""
    assert form_errors(None, "x")[0].message.startswith("form data must be a JSON object")


def test_no_schema_accepts_any_object() -> None:
    assert form_errors(None, {"anything": 1}) == []


def test_metaschema_check() -> None:
    assert check_form_schema(SCHEMA) == []
    problems = check_form_schema({"type": "banana"})
    assert problems and "/type" in problems[0]


# --- nothing reaches Python's backtracking ``re`` (issue 10) ----------------------------------

REDOS = r"^(\w+\s?)*$"
"""Catastrophic for a backtracking engine on a long word followed by a character that is not one."""
REDOS_KEY = "a" * 30 + "!"


def test_unevaluated_properties_with_pattern_properties_is_refused() -> None:
    schema = {"type": "object", "patternProperties": {REDOS: {"type": "string"}}, "unevaluatedProperties": False}
    problems = check_form_schema(schema)
    assert len(problems) == 1
    assert problems[0].startswith("/unevaluatedProperties: unevaluatedProperties cannot be used")
    assert "(at /patternProperties)" in problems[0] and "additionalProperties" in problems[0]


def test_the_refusal_sees_patterns_reachable_through_subschemas() -> None:
    nested = {
        "type": "object",
        "allOf": [{"patternProperties": {REDOS: {}}}],
        "properties": {"inner": {"type": "object", "unevaluatedProperties": False}},
    }
    assert [p.split(":")[0] for p in check_form_schema(nested)] == ["/properties/inner/unevaluatedProperties"]
    # A property merely *named* like the keywords is not the keyword.
    named = {"type": "object", "properties": {"patternProperties": {"type": "string"}}, "unevaluatedProperties": False}
    assert check_form_schema(named) == []
    # Older drafts have no unevaluatedProperties keyword: nothing evaluates it.
    draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", **nested}
    assert check_form_schema(draft7) == []


def test_the_allowed_equivalent_matches_the_redos_pattern_in_linear_time() -> None:
    schema = {"type": "object", "patternProperties": {REDOS: {"type": "string"}}, "additionalProperties": False}
    assert check_form_schema(schema) == []
    started = time.perf_counter()
    errors = form_errors(schema, {REDOS_KEY: "x", "two words": 1})
    assert time.perf_counter() - started < 0.5
    assert {e.pointer for e in errors} == {"/" + REDOS_KEY, "/two words"}


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "propertyNames": {"pattern": REDOS}},
        {"type": "object", "dependentSchemas": {"x": {"patternProperties": {REDOS: {"type": "integer"}}}}},
        {"type": "object", "additionalProperties": {"type": "string", "pattern": REDOS}},
    ],
)
def test_other_keywords_reaching_patterns_match_in_linear_time(schema: dict[str, Any]) -> None:
    assert check_form_schema(schema) == []
    started = time.perf_counter()
    errors = form_errors(schema, {"x": 1, REDOS_KEY: REDOS_KEY, "ab": "not an integer"})
    assert time.perf_counter() - started < 0.5
    assert errors


def test_the_refusal_covers_draft_2019_09() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "type": "object",
        "patternProperties": {REDOS: {}},
        "unevaluatedProperties": False,
    }
    assert [p.split(":")[0] for p in check_form_schema(schema)] == ["/unevaluatedProperties"]


def test_format_regex_is_checked_by_re2() -> None:
    schema = {"type": "object", "properties": {"re": {"type": "string", "format": "regex"}}}
    assert form_errors(schema, {"re": REDOS}) == []
    # A backreference is valid for Python's re but not for RE2, so RE2 is what checked it.
    assert [e.pointer for e in form_errors(schema, {"re": r"(a)\1"})] == ["/re"]
    assert [e.pointer for e in form_errors(schema, {"re": "("})] == ["/re"]


class _Redos(BaseHumanStep):
    name = "redos"
    title = "Name the keys"
    form_schema: dict[str, Any] | None = {
        "type": "object",
        "patternProperties": {REDOS: {"type": "string"}},
        "unevaluatedProperties": False,
    }


def _definition(step: BaseHumanStep) -> WorkflowDefinition:
    return WorkflowDefinition(
        name="redos_form",
        version="1.0.0",
        steps={"redos": step},
        edges=[],
        initial_step="redos",
        terminal_steps={"redos"},
    )


async def test_the_local_engine_refuses_the_definition_and_runs_the_equivalent_fast() -> None:
    registry = WorkflowRegistry()
    with pytest.raises(WorkflowValidationError, match="unevaluatedProperties cannot be used"):
        registry.register(_definition(_Redos()))
    allowed = _Redos()
    allowed.form_schema = {
        "type": "object",
        "patternProperties": {REDOS: {"type": "string"}},
        "additionalProperties": False,
    }
    registry.register(_definition(allowed))
    engine = LocalExecutionEngine(registry)
    instance = await engine.start_workflow("redos_form", {})
    started = time.perf_counter()
    with pytest.raises(FormValidationError):
        await engine.complete_human_task(instance.id, "redos", "alice", {REDOS_KEY: "x"})
    assert time.perf_counter() - started < 0.5
    done = await engine.complete_human_task(instance.id, "redos", "alice", {"two words": "x"})
    assert done.status == WorkflowStatus.COMPLETED
