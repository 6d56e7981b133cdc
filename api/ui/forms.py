"""HTML forms from a step's JSON Schema, and the posted form back to the data the engine validates.

The UI never validates a submission itself: it only turns the browser's strings into JSON values
(numbers, booleans, lists) and hands them to the engine, whose validation (the step's schema, in
the workflow's update validator on Temporal) decides. Its field errors come back as JSON pointers
and are shown next to the field of that pointer. Unknown keys of the post are ignored: the data is
built from the schema's fields only, so its size and depth are those of the schema.

Widgets: ``enum`` strings and booleans are selects; ``format`` date, date-time and email get the
matching inputs; strings without ``maxLength`` or with more than :data:`LONG_TEXT` are a textarea;
numbers and integers get their bounds; an array of enum strings is a group of checkboxes; nested
objects are fieldsets. Anything else (``oneOf``, arrays of objects, ...) is a JSON text field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar.datastructures import FormMultiDict

from litestar_workflows.exceptions import FieldError

__all__ = ["LONG_TEXT", "FormField", "build_fields", "fill_errors", "parse_form"]

LONG_TEXT = 200
"""Strings allowed more characters than this (or unbounded) get a textarea."""
MAX_DEPTH = 4
"""Nested objects deeper than this are edited as JSON."""
_DATETIME_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


@dataclass
class FormField:
    """One field of a rendered form.

    Attributes:
        pointer: JSON pointer of the value (also the HTML ``name``).
        label: The schema's ``title``, else the property name.
        widget: select, bool, text, email, date, datetime, textarea, number, integer, checkboxes, object, json.
        required: Listed in the parent's ``required``.
        description: The schema's ``description``.
        options: (value, label) of selects and checkboxes.
        minimum: Lower bound of numbers, ``minLength`` of strings is not shown.
        maximum: Upper bound of numbers.
        children: Fields of a nested object.
        value: Current value as the browser shows it (default, or what was submitted).
        values: Chosen options of a checkbox group.
        errors: Field errors from the engine.
    """

    pointer: str
    label: str
    widget: str
    required: bool = False
    description: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    children: list[FormField] = field(default_factory=list)
    value: str = ""
    values: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The HTML ``name`` (browsers do not submit a field with an empty name)."""
        return self.pointer or "_data"

    @property
    def html_id(self) -> str:
        """A DOM id derived from the pointer."""
        return "f" + re.sub(r"[^A-Za-z0-9_-]", "_", self.name.replace("/", "--"))


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _widget(schema: Mapping[str, Any], depth: int) -> str:
    kind = schema.get("type")
    if "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
        return "select"
    if kind == "boolean":
        return "bool"
    if kind == "string":
        fmt = schema.get("format")
        if fmt in ("date", "email"):
            return str(fmt)
        if fmt == "date-time":
            return "datetime"
        max_length = schema.get("maxLength")
        return "textarea" if max_length is None or max_length > LONG_TEXT else "text"
    if kind in ("number", "integer"):
        return str(kind)
    items = schema.get("items")
    if kind == "array" and isinstance(items, Mapping) and isinstance(items.get("enum"), list):
        return "checkboxes"
    if kind == "object" and isinstance(schema.get("properties"), Mapping) and depth < MAX_DEPTH:
        return "object"
    return "json"


def _initial(schema: Mapping[str, Any], widget: str) -> tuple[str, list[str]]:
    default = schema.get("default")
    if default is None:
        return "", []
    if widget == "checkboxes" and isinstance(default, list):
        return "", [str(v) for v in default]
    if widget == "bool":
        return ("true" if default else "false"), []
    if widget == "json":
        return json.dumps(default, indent=2), []
    return str(default), []


def build_fields(schema: Mapping[str, Any] | None, pointer: str = "", depth: int = 0) -> list[FormField]:
    """The fields of an object ``schema``; one JSON field for the whole form when it is not an object
    with properties (or there is no schema)."""
    if not schema or schema.get("type") != "object" or not isinstance(schema.get("properties"), Mapping):
        return [FormField(pointer, "Data (JSON object)", "json", required=True, value="{}")]
    required = set(schema.get("required", ()))
    fields: list[FormField] = []
    for name, sub in schema["properties"].items():
        sub = sub if isinstance(sub, Mapping) else {}
        widget = _widget(sub, depth)
        value, values = _initial(sub, widget)
        item = FormField(
            pointer=f"{pointer}/{_escape(name)}",
            label=str(sub.get("title") or name),
            widget=widget,
            required=name in required,
            description=str(sub.get("description", "")),
            minimum=sub.get("minimum", sub.get("exclusiveMinimum")),
            maximum=sub.get("maximum", sub.get("exclusiveMaximum")),
            value=value,
            values=values,
        )
        if widget == "select":
            item.options = [(str(v), str(v)) for v in sub["enum"]]
        elif widget == "checkboxes":
            item.options = [(str(v), str(v)) for v in sub["items"]["enum"]]
        elif widget == "object":
            item.children = build_fields(sub, item.pointer, depth + 1)
        fields.append(item)
    return fields


def _number(raw: str, integer: bool) -> Any:
    try:
        number = float(raw)
    except ValueError:
        return raw  # the engine's validation says it is not a number
    return int(number) if integer and number.is_integer() else number


def _value(item: FormField, form: FormMultiDict) -> tuple[bool, Any]:
    """(present, JSON value) of ``item`` in ``form``; records what was submitted for re-display."""
    if item.widget == "object":
        data = parse_form(item.children, form)
        return bool(data) or item.required, data
    if item.widget == "checkboxes":
        item.values = [v for v in form.getall(item.name, []) if isinstance(v, str)]
        return bool(item.values) or item.required, list(item.values)
    raw = form.get(item.name)
    item.value = raw if isinstance(raw, str) else ""
    text = item.value.strip() if item.widget != "textarea" else item.value
    if text == "":
        return False, None
    if item.widget == "bool":
        return True, {"true": True, "false": False}.get(text, text)
    if item.widget in ("number", "integer"):
        return True, _number(text, item.widget == "integer")
    if item.widget == "datetime" and _DATETIME_LOCAL.match(text):
        return True, text + (":00" if text.count(":") == 1 else "") + "Z"  # entered in UTC
    if item.widget == "json":
        try:
            return True, json.loads(text)
        except ValueError:
            return True, text  # the engine's validation names the expected type
    return True, item.value


def parse_form(fields: list[FormField], form: FormMultiDict) -> Any:
    """The JSON object described by ``fields``, read from the posted ``form`` (whatever JSON was
    typed when the whole form is one JSON field)."""
    if len(fields) == 1 and fields[0].pointer == "":
        present, value = _value(fields[0], form)
        return value if present else {}
    data: dict[str, Any] = {}
    for item in fields:
        present, value = _value(item, form)
        if present:
            name = item.pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            data[name] = value
    return data


def _walk(fields: Iterable[FormField]) -> Iterable[FormField]:
    for item in fields:
        yield item
        yield from _walk(item.children)


def fill_errors(fields: list[FormField], errors: Iterable[FieldError]) -> list[str]:
    """Attach each error to the field of its pointer (or the closest enclosing one); return the
    messages that belong to no field (shown above the form)."""
    by_pointer = {item.pointer: item for item in _walk(fields)}
    general: list[str] = []
    for error in errors:
        pointer = error.pointer
        while pointer and pointer not in by_pointer:
            pointer = pointer.rsplit("/", 1)[0]
        target = by_pointer.get(pointer) if pointer else by_pointer.get("")
        if target is None:
            general.append(f"{error.pointer or 'form'}: {error.message}")
        else:
            target.errors.append(error.message)
    return general
