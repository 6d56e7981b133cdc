"""Validation of human-task form data against the step's JSON Schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for

from litestar_workflows.exceptions import FieldError

__all__ = ["check_form_schema", "form_errors"]


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + _escape(p) for p in path)


def check_form_schema(schema: Mapping[str, Any]) -> list[str]:
    """Check ``schema`` against its JSON Schema metaschema; return every problem."""
    cls = validator_for(schema, default=jsonschema.Draft202012Validator)
    return [
        f"{_pointer(e.absolute_path) or '/'}: {e.message}"
        for e in sorted(cls(cls.META_SCHEMA).iter_errors(schema), key=lambda e: list(map(str, e.path)))
    ]


def _field_errors(error: ValidationError) -> list[FieldError]:
    path = list(error.absolute_path)
    # "required" and "additionalProperties" errors sit on the parent object; point at the field itself.
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(error.validator_value, list):
        missing = [r for r in error.validator_value if r not in error.instance]
        return [FieldError(_pointer([*path, r]), f"{r!r} is a required property") for r in missing]
    if (
        error.validator == "additionalProperties"
        and isinstance(error.instance, dict)
        and isinstance(error.schema, dict)
    ):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra and error.validator_value is False:
            return [FieldError(_pointer([*path, k]), f"{k!r} is not an allowed property") for k in extra]
    return [FieldError(_pointer(path), error.message)]


def form_errors(schema: Mapping[str, Any] | None, data: Any) -> list[FieldError]:
    """Validate ``data`` against ``schema``; return one entry per failing field.

    Without a schema, any JSON object is accepted.
    """
    if not isinstance(data, dict):
        return [FieldError("", f"form data must be a JSON object, not {type(data).__name__}")]
    if schema is None:
        return []
    cls = validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    found: list[FieldError] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        found.extend(_field_errors(error))
    return found
