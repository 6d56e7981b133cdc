"""Kept for imports written before the layout moved: the graph snapshot now lives in
:mod:`litestar_workflows.rules.spec`, compiling and validating definitions in
:mod:`litestar_workflows.core.definition`."""

from litestar_workflows.core.definition import compile_definition, validate_definition
from litestar_workflows.rules.spec import *  # noqa: F403
from litestar_workflows.rules.spec import __all__ as _spec_all

__all__ = [*_spec_all, "compile_definition", "validate_definition"]
