"""Execution engines and what they share: the engine protocol, the registry, the in-process engine.

The durable engine lives in :mod:`litestar_workflows.temporal` (it is an adapter to
Temporal, a layer above this one); ``litestar_workflows.engine.temporal`` re-exports it.
"""

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.engine.base import ExecutionEngine, Page, task_visible_to
from litestar_workflows.engine.events import EventBus
from litestar_workflows.engine.graph import WorkflowGraph
from litestar_workflows.engine.local import LocalExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry

__all__ = [
    "EventBus",
    "ExecutionEngine",
    "LocalExecutionEngine",
    "Page",
    "WorkflowGraph",
    "WorkflowInstance",
    "WorkflowRegistry",
    "task_visible_to",
]
