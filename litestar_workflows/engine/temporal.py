"""Kept for imports written before the layout moved: the engine lives in :mod:`litestar_workflows.temporal.engine`."""

from litestar_workflows.temporal.engine import TemporalExecutionEngine

__all__ = ["TemporalExecutionEngine"]
