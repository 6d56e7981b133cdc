"""The payload converter: Temporal's default JSON converter, faster on dataclasses.

Kept apart because it is machinery, not a contract: it changes how fast payloads encode and
decode, never what they look like. The bytes are the default converter's (plain JSON, sorted
keys; ``tests/temporal/test_payload_converter.py`` compares them), so clients and workers with
the default converter interoperate with this one. Re-exported by
:mod:`litestar_workflows.temporal.contracts`.

Why it exists: the interpreter's payloads are dataclasses (the graph snapshot, the state, the
activity inputs), and the default converter spends most of a worker's payload time in
``dataclasses.asdict`` (a deep copy of every value) and in resolving each field's type again
for every value decoded.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from temporalio.converter import (
    AdvancedJSONEncoder,
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    JSONTypeConverterUnhandled,
    value_to_type,
)

from litestar_workflows.rules.spec import GraphSpec

__all__ = ["DATA_CONVERTER", "DataclassConverter", "DataclassEncoder", "PayloadConverter"]

_MISS: Final = object()
"""A fast decoder's answer when the value is not the plain case it handles."""

_SHARED_CACHE_SIZE: Final = 64
"""Decoded values of the shared classes kept per process (one per graph snapshot in use)."""

_shared_values: OrderedDict[str, Any] = OrderedDict()
"""The shared values, keyed by class and canonical JSON, per process: the sandbox may build a
converter per workflow run, and workflow activations run on several threads (hence the lock)."""
_shared_lock = threading.Lock()


# --- encoding ---------------------------------------------------------------------------------


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class DataclassEncoder(AdvancedJSONEncoder):
    """Temporal's JSON encoder with one change: a dataclass becomes a shallow dict of its fields
    (the C encoder walks the values, calling back here for nested dataclasses) instead of a
    ``dataclasses.asdict`` deep copy. ``asdict`` would copy the same values into the same JSON,
    so the output is byte for byte the default encoder's."""

    def default(self, o: Any) -> Any:
        """Encode a datetime or a dataclass here, anything else as temporalio does."""
        if isinstance(o, datetime):
            return o.isoformat()
        cls = type(o)
        if dataclasses.is_dataclass(cls) and not isinstance(o, type):
            return {name: getattr(o, name) for name in _field_names(cls)}
        return super().default(o)


# --- decoding ---------------------------------------------------------------------------------


def _exact(kind: type) -> Callable[[Any], Any]:
    return lambda value: value if type(value) is kind else _MISS


def _fast_decoder(hint: Any) -> Callable[[Any], Any] | None:
    """A decoder for a field hint whose common values need no conversion, answering exactly what
    ``value_to_type`` would (or :data:`_MISS`, and ``value_to_type`` decides); ``None`` if the
    hint is not such a case."""
    if hint is Any:
        return lambda value: value
    if hint in (str, int, bool, float):
        return _exact(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict and args and args[0] is str and args[1] is Any:
        return _exact(dict)
    if origin in (list, tuple) and args and args[0] is str and (origin is list or args[1:] == (...,)):

        def strings(value: Any) -> Any:
            if type(value) is list and all(type(item) is str for item in value):
                return value if origin is list else tuple(value)
            return _MISS

        return strings
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and args[1] is type(None):
        inner = _fast_decoder(args[0])
        if inner is not None:
            return lambda value: None if value is None else inner(value)
    return None


@functools.cache
def _field_decoders(cls: type) -> tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], _fast_decoder(hints[f.name])) for f in dataclasses.fields(cls) if f.init)


class DataclassConverter(JSONTypeConverter):
    """Decodes dataclasses like temporalio does, with each class's field types resolved once
    (temporalio resolves the string annotations again for every value) and plain values (a
    string for ``str``, a list of strings for ``list[str]``, ...) taken as they are.

    Values of the ``shared`` classes are immutable snapshots decoded once per distinct JSON and
    shared by every payload that carries the same one (a worker decodes the same graph snapshot
    for every instance it starts); their cached properties (the graph's fingerprint) are then
    computed once too.
    """

    def __init__(self, shared: tuple[type, ...] = ()) -> None:
        self._shared = shared

    def to_typed_value(self, hint: type, value: Any) -> Any | JSONTypeConverterUnhandled | None:
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict)):
            return JSONTypeConverter.Unhandled
        if hint not in self._shared:
            return self._decode(hint, value)
        key = f"{hint.__module__}.{hint.__qualname__}:{json.dumps(value, sort_keys=True, separators=(',', ':'))}"
        with _shared_lock:
            found = _shared_values.get(key, _MISS)
            if found is not _MISS:
                _shared_values.move_to_end(key)
                return found
        found = self._decode(hint, value)
        with _shared_lock:
            _shared_values[key] = found
            while len(_shared_values) > _SHARED_CACHE_SIZE:
                _shared_values.popitem(last=False)
        return found

    def _decode(self, hint: type, value: dict[str, Any]) -> Any:
        converters = [self]
        fields: dict[str, Any] = {}
        for name, field_type, fast in _field_decoders(hint):
            if name not in value:
                continue
            raw = value[name]
            decoded = _MISS if fast is None else fast(raw)
            fields[name] = value_to_type(field_type, raw, converters) if decoded is _MISS else decoded
        return hint(**fields)


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converter with faster dataclasses (:class:`DataclassEncoder`,
    :class:`DataclassConverter`; graph snapshots decoded once per worker and shared).

    The wire format is unchanged (plain JSON), so clients and workers with the default
    converter interoperate with this one.
    """

    def __init__(self) -> None:
        super().__init__(
            *(
                JSONPlainPayloadConverter(
                    encoder=DataclassEncoder, custom_type_converters=[DataclassConverter(shared=(GraphSpec,))]
                )
                if isinstance(c, JSONPlainPayloadConverter)
                else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER: Final = dataclasses.replace(DataConverter.default, payload_converter_class=PayloadConverter)
"""The data converter :func:`litestar_workflows.temporal.client.connect` gives its clients."""
