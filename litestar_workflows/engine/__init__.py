"""Execution engines: in-process (:class:`LocalExecutionEngine`) and durable on Temporal."""

from litestar_workflows.engine.base import ExecutionEngine, Page, task_visible_to
from litestar_workflows.engine.local import LocalExecutionEngine

__all__ = ["ExecutionEngine", "LocalExecutionEngine", "Page", "task_visible_to"]
