"""JSON Schema to form fields and back: every widget the task page renders."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict

from api.ui.forms import build_fields, fill_errors, parse_form
from api.ui.rendering import templates
from litestar_workflows.exceptions import FieldError

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "enum": ["approve", "reject"], "title": "Decision"},
        "due": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "email": {"type": "string", "format": "email", "description": "Who to tell"},
        "notes": {"type": "string"},
        "code": {"type": "string", "maxLength": 10, "default": "X1"},
        "amount": {"type": "number", "minimum": 0, "maximum": 1000},
        "count": {"type": "integer"},
        "ok": {"type": "boolean", "title": "OK?"},
        "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "default": ["b"]},
        "address": {
            "type": "object",
            "properties": {"street": {"type": "string", "maxLength": 50}, "city": {"type": "string", "maxLength": 50}},
            "required": ["city"],
        },
        "extra": {"oneOf": [{"type": "string"}, {"type": "number"}]},
    },
    "required": ["decision", "ok"],
}


def test_each_property_gets_its_widget_label_and_bounds() -> None:
    fields = {f.pointer: f for f in build_fields(SCHEMA)}
    assert {p: f.widget for p, f in fields.items()} == {
        "/decision": "select",
        "/due": "date",
        "/at": "datetime",
        "/email": "email",
        "/notes": "textarea",
        "/code": "text",
        "/amount": "number",
        "/count": "integer",
        "/ok": "bool",
        "/tags": "checkboxes",
        "/address": "object",
        "/extra": "json",
    }
    assert fields["/decision"].label == "Decision" and fields["/decision"].required
    assert fields["/due"].label == "due" and not fields["/due"].required
    assert (fields["/amount"].minimum, fields["/amount"].maximum) == (0, 1000)
    assert fields["/code"].value == "X1" and fields["/tags"].values == ["b"]
    assert [c.pointer for c in fields["/address"].children] == ["/address/street", "/address/city"]
    assert fields["/address"].children[1].required


def test_posted_strings_become_json_values_and_empty_fields_are_left_out() -> None:
    fields = build_fields(SCHEMA)
    form = FormMultiDict(
        [
            ("/decision", "approve"),
            ("/due", "2026-12-01"),
            ("/at", "2026-12-01T10:30"),
            ("/amount", "12.5"),
            ("/count", "3"),
            ("/ok", "false"),
            ("/tags", "a"),
            ("/tags", "c"),
            ("/address/city", "Lyon"),
            ("/address/street", ""),
            ("/extra", "7"),
            ("/notes", ""),
            ("/not-in-schema", "ignored"),
        ]
    )
    assert parse_form(fields, form) == {
        "decision": "approve",
        "due": "2026-12-01",
        "at": "2026-12-01T10:30:00Z",
        "amount": 12.5,
        "count": 3,
        "ok": False,
        "tags": ["a", "c"],
        "address": {"city": "Lyon"},
        "extra": 7,
    }


def test_values_that_are_not_numbers_go_to_the_engine_unchanged() -> None:
    fields = build_fields(SCHEMA)
    data = parse_form(fields, FormMultiDict([("/amount", "lots"), ("/extra", "{not json")]))
    assert data == {"amount": "lots", "extra": "{not json"}


def test_errors_land_on_their_field_or_the_closest_enclosing_one() -> None:
    fields = build_fields(SCHEMA)
    general = fill_errors(
        fields,
        [
            FieldError("/ok", "'ok' is a required property"),
            FieldError("/address/city", "too short"),
            FieldError("/tags/1", "'z' is not one of ['a', 'b', 'c']"),
            FieldError("", "form data must be a JSON object"),
        ],
    )
    by = {f.pointer: f for f in fields}
    assert by["/ok"].errors == ["'ok' is a required property"]
    assert by["/address"].children[1].errors == ["too short"]
    assert by["/tags"].errors == ["'z' is not one of ['a', 'b', 'c']"]
    assert general == ["form: form data must be a JSON object"]


def test_without_a_schema_the_form_is_one_json_field() -> None:
    fields = build_fields(None)
    assert [(f.pointer, f.widget) for f in fields] == [("", "json")]
    assert parse_form(fields, FormMultiDict([("_data", '{"a": 1}')])) == {"a": 1}
    assert parse_form(fields, FormMultiDict([])) == {}


def test_every_field_is_labelled_and_errors_are_tied_to_it() -> None:
    fields = build_fields(SCHEMA)
    fill_errors(fields, [FieldError("/ok", "'ok' is a required property")])
    macros = templates.get_template("macros.html").make_module({"csrf_field": "_csrf", "csrf_token": "t"})
    out = "".join(str(macros.field_input(f)) for f in fields)  # type: ignore[attr-defined]
    for f in fields:
        if f.widget not in ("object", "checkboxes"):
            assert f'<label for="{f.html_id}">' in out
            assert f'id="{f.html_id}"' in out
    assert 'aria-invalid="true"' in out and f'aria-describedby="{by_id(fields, "/ok")}-error"' in out
    assert "<script" not in out


def by_id(fields: list[Any], pointer: str) -> str:
    return str(next(f.html_id for f in fields if f.pointer == pointer))
