r"""Validation of human-task form data against the step's JSON Schema.

This runs inside the Temporal workflow (the completion update's validator), where a slow
check stalls the workflow task. So the schema keywords that match regular expressions
(``pattern``, ``patternProperties`` and ``additionalProperties`` next to them) match with
RE2 (`google-re2 <https://pypi.org/project/google-re2/>`_), whose time is linear in the
input: ``^(\w+\s?)*$`` cannot backtrack. A pattern RE2 does not support (backreferences,
lookaround) is refused when the definition is registered, with the reason.

Python's backtracking ``re`` is never reached: ``format: regex`` is checked by compiling with
RE2 too, and jsonschema's ``unevaluatedProperties`` (which matches ``patternProperties`` keys
with ``re`` internally, through ``$ref``, ``allOf``, ``dependentSchemas``, ``if``/``then``...) is
refused at registration in a schema that has any ``patternProperties``; use
``additionalProperties`` next to ``patternProperties`` instead (docs/security.md).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import jsonschema
import re2  # type: ignore[import-untyped]
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend, validator_for

from litestar_workflows.exceptions import FieldError

__all__ = ["check_form_schema", "form_errors", "pattern_error"]


def _escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + _escape(p) for p in path)


# RE2 keeps every compiled program within this much memory (a pattern needing more is refused).
_RE2_MAX_MEM = 8 << 20


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    options = re2.Options()
    options.max_mem = _RE2_MAX_MEM
    options.log_errors = False
    return re2.compile(pattern, options)


def _search(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None


def pattern_error(pattern: Any) -> str | None:
    """Why ``pattern`` cannot be a form pattern (``None`` if it can): RE2 must compile it."""
    if not isinstance(pattern, str):
        return "a pattern must be a string"
    try:
        _compiled(pattern)
    except Exception as exc:  # re2.error, or a pattern too large for the memory limit
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return f"pattern {pattern!r} is not supported by the linear-time regex engine (RE2): {reason}"
    return None


def _schema_patterns(schema: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every regular expression in ``schema``: ``pattern`` values and ``patternProperties`` keys."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == "pattern" and not isinstance(value, Mapping):
                yield (*path, key), value
            elif key == "patternProperties" and isinstance(value, Mapping):
                for name in value:
                    yield (*path, key, str(name)), name
            yield from _schema_patterns(value, (*path, str(key)))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _schema_patterns(item, (*path, str(index)))


def _keyword_paths(schema: Any, keyword: str, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where ``keyword`` is used as a keyword in ``schema`` (not as a property's name)."""
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            if key == keyword:
                yield (*path, key)
            # The names under these are property names, not keywords; their values are schemas.
            if key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
                if isinstance(value, Mapping):
                    for name, sub in value.items():
                        yield from _keyword_paths(sub, keyword, (*path, str(key), str(name)))
            else:
                yield from _keyword_paths(value, keyword, (*path, str(key)))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _keyword_paths(item, keyword, (*path, str(index)))


def _backtracking_shapes(schema: Any, cls: Any) -> list[str]:
    """Schema shapes jsonschema would evaluate with Python's ``re``: ``unevaluatedProperties``
    collects the keys ``patternProperties`` match (anywhere it can reach) with ``re.search``."""
    if "unevaluatedProperties" not in cls.VALIDATORS:
        return []
    patterns = next(_keyword_paths(schema, "patternProperties"), None)
    if patterns is None:
        return []
    return [
        f"{_pointer(path)}: unevaluatedProperties cannot be used in a schema with patternProperties "
        f"(at {_pointer(patterns)}): the validator would match those patterns with Python's backtracking "
        "regex engine; use additionalProperties next to patternProperties instead"
        for path in _keyword_paths(schema, "unevaluatedProperties")
    ]


def check_form_schema(schema: Mapping[str, Any]) -> list[str]:
    """Check ``schema`` against its JSON Schema metaschema, and every pattern in it against
    RE2, and refuse the shapes that would reach Python's ``re`` (see the module docstring);
    return every problem."""
    cls = validator_for(schema, default=jsonschema.Draft202012Validator)
    problems = [
        f"{_pointer(e.absolute_path) or '/'}: {e.message}"
        for e in sorted(cls(cls.META_SCHEMA).iter_errors(schema), key=lambda e: list(map(str, e.path)))
    ]
    for path, pattern in _schema_patterns(schema):
        reason = pattern_error(pattern)
        if reason is not None:
            problems.append(f"{_pointer(path)}: {reason}")
    problems.extend(_backtracking_shapes(schema, cls))
    return problems


def _pattern(validator: Any, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Mapping[str, Any], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, allowed: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [key for key in instance if key not in properties and not any(_search(p, key) for p in patterns)]
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        joined = ", ".join(repr(each) for each in sorted(extras))
        if patterns:
            listed = ", ".join(repr(p) for p in sorted(patterns))
            yield ValidationError(f"{joined} do(es) not match any of the regexes: {listed}")
        else:
            yield ValidationError(f"Additional properties are not allowed ({joined} unexpected)")


def _is_regex(instance: object) -> bool:
    """``format: regex`` with RE2 (jsonschema's own check compiles with Python's ``re``). The
    value is user input: compiled afresh (not cached) within a small memory limit."""
    if not isinstance(instance, str):
        return True
    options = re2.Options()
    options.max_mem = _FORMAT_RE2_MAX_MEM
    options.log_errors = False
    try:
        re2.compile(instance, options)
    except Exception:  # re2.error, or too large for the memory limit
        return False
    return True


_FORMAT_RE2_MAX_MEM = 1 << 20


@functools.cache
def _format_checker(base: Any) -> FormatChecker:
    """``base``'s format checker with ``regex`` checked by RE2."""
    checker = FormatChecker(formats=())
    checker.checkers = {**base.FORMAT_CHECKER.checkers}
    if "regex" in checker.checkers:
        checker.checkers["regex"] = (_is_regex, ())
    return checker


@functools.cache
def _linear_time(cls: Any) -> Any:
    """``cls`` (a jsonschema validator class) with its regular-expression keywords matched by RE2."""
    overrides: dict[str, Any] = {"pattern": _pattern, "patternProperties": _pattern_properties}
    if "additionalProperties" in cls.VALIDATORS:
        overrides["additionalProperties"] = _additional_properties
    return extend(cls, overrides)  # type: ignore[no-untyped-call]


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
    base = validator_for(schema, default=jsonschema.Draft202012Validator)
    cls = _linear_time(base)
    validator = cls(schema, format_checker=_format_checker(base))
    found: list[FieldError] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        found.extend(_field_errors(error))
    # Reported errors travel in update failures and signal rejections kept in the state: bounded,
    # however many fields fail or however long the rejected value (messages quote it).
    shown = [FieldError(_clip(e.pointer), _clip(e.message)) for e in found[:_MAX_ERRORS]]
    if len(found) > _MAX_ERRORS:
        shown.append(FieldError("", f"... and {len(found) - _MAX_ERRORS} more problems"))
    return shown


_MAX_ERRORS = 20
_MAX_TEXT = 300


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else f"{text[:_MAX_TEXT]}... ({len(text)} characters)"
