"""Kept for imports written before the layout moved: the rules now live in :mod:`litestar_workflows.rules.machine`."""

from litestar_workflows.rules.machine import *  # noqa: F403
from litestar_workflows.rules.machine import __all__ as __all__
