"""The payload converter: Temporal's default JSON converter with faster dataclass decoding.

Kept apart because it is machinery, not a contract: it changes how fast payloads decode, never
what they look like (plain JSON, interoperable with the default converter). Re-exported by
:mod:`litestar_workflows.temporal.contracts`.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any, Final

from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    JSONTypeConverterUnhandled,
    value_to_type,
)

__all__ = ["DATA_CONVERTER", "DataclassConverter", "PayloadConverter"]


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


class DataclassConverter(JSONTypeConverter):
    """Decodes dataclasses like temporalio does, with each class's resolved field types
    cached (temporalio resolves the string annotations again for every value)."""

    def to_typed_value(self, hint: type, value: Any) -> Any | JSONTypeConverterUnhandled | None:
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict)):
            return JSONTypeConverter.Unhandled
        converters = [self]
        return hint(
            **{
                name: value_to_type(field_type, value[name], converters)
                for name, field_type in _field_types(hint)
                if name in value
            }
        )


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converter with faster decoding of dataclasses.

    The wire format is unchanged (plain JSON), so clients and workers with the default
    converter interoperate with this one.
    """

    def __init__(self) -> None:
        super().__init__(
            *(
                JSONPlainPayloadConverter(custom_type_converters=[DataclassConverter()])
                if isinstance(c, JSONPlainPayloadConverter)
                else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER: Final = dataclasses.replace(DataConverter.default, payload_converter_class=PayloadConverter)
"""The data converter :func:`litestar_workflows.temporal.client.connect` gives its clients."""
