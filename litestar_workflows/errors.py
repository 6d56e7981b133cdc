"""Kept for imports written before the layout moved: the hierarchy now lives in :mod:`litestar_workflows.exceptions`."""

from litestar_workflows.exceptions import *  # noqa: F403
from litestar_workflows.exceptions import __all__ as __all__
