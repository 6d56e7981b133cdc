"""Execution engines: in-process (:class:`LocalExecutionEngine`) and durable on Temporal
(:class:`TemporalExecutionEngine`)."""

from litestar_workflows.engine.base import ExecutionEngine, Page, task_visible_to
from litestar_workflows.engine.local import LocalExecutionEngine
from litestar_workflows.engine.temporal import TemporalExecutionEngine

__all__ = ["ExecutionEngine", "LocalExecutionEngine", "Page", "TemporalExecutionEngine", "task_visible_to"]
