"""The user-facing model: step kinds and statuses, the context steps see, definitions and edges,
and the instance views engines return. Pure data: no I/O."""

from litestar_workflows.core.context import StepExecution, WorkflowContext
from litestar_workflows.core.definition import Condition, Edge, WorkflowDefinition
from litestar_workflows.core.models import PendingTask, RejectedInput, WorkflowInstance
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus

__all__ = [
    "Condition",
    "Edge",
    "PendingTask",
    "RejectedInput",
    "StepExecution",
    "StepStatus",
    "StepType",
    "WorkflowContext",
    "WorkflowDefinition",
    "WorkflowInstance",
    "WorkflowStatus",
]
