"""Form validation reports one entry per failing field, as JSON pointers."""

from __future__ import annotations

from typing import Any

from litestar_workflows.exceptions import FieldError
from litestar_workflows.rules.forms import check_form_schema, form_errors

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
