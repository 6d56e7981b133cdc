"""SDK errors carried across the wire inside Temporal ``ApplicationError`` details, and rebuilt.

Kept apart because it is the one contract keyed by the error hierarchy
(:mod:`litestar_workflows.exceptions`) rather than by a wire name: the ApplicationError's type is
the error's class name, its details the error's plain attributes. Re-exported by
:mod:`litestar_workflows.temporal.contracts`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import litestar_workflows.exceptions as _errors
from litestar_workflows.exceptions import FieldError, FormValidationError, WorkflowsError

__all__ = ["error_details", "error_from_details"]


def error_details(error: WorkflowsError) -> dict[str, Any]:
    """JSON-compatible attributes of an SDK error, to carry in an ApplicationError."""
    details: dict[str, Any] = {}
    for key, value in vars(error).items():
        if key == "errors" and isinstance(error, FormValidationError):
            details[key] = [{"pointer": e.pointer, "message": e.message} for e in error.errors]
        elif value is None or isinstance(value, str | int | float | bool):
            details[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            details[key] = list(value)
    return details


_ERROR_CLASSES: dict[str, type[WorkflowsError]] = {
    name: cls
    for name in _errors.__all__
    if isinstance(cls := getattr(_errors, name), type) and issubclass(cls, WorkflowsError)
}


def error_from_details(type_name: str | None, message: str, details: Mapping[str, Any] | None) -> WorkflowsError:
    """Rebuild the SDK error an ApplicationError of ``type_name`` carried (inverse of :func:`error_details`)."""
    cls = _ERROR_CLASSES.get(type_name or "", WorkflowsError)
    attrs = dict(details or {})
    text = str(attrs.pop("message", message) or message)
    # The constructors format their own message; the remote message is kept verbatim instead.
    error = cls.__new__(cls)
    WorkflowsError.__init__(error, text)
    for key, value in attrs.items():
        if key == "errors" and isinstance(value, list):
            value = [FieldError(str(e.get("pointer", "")), str(e.get("message", ""))) for e in value]
        setattr(error, key, value)
    return error
