"""The user-facing model: step kinds and statuses, the context steps see, definitions and edges,
the instance views engines return, the lifecycle events and the published protocols. Pure data:
no I/O. (``WorkflowInstance`` here is the view engines return, which satisfies the protocol of
the same name in :mod:`litestar_workflows.core.protocols`.)"""

from litestar_workflows.core.context import StepExecution, WorkflowContext
from litestar_workflows.core.definition import Condition, Edge, WorkflowDefinition
from litestar_workflows.core.events import (
    HumanTaskCompleted,
    HumanTaskCreated,
    HumanTaskReassigned,
    StepCompleted,
    StepFailed,
    StepSkipped,
    StepStarted,
    WorkflowCanceled,
    WorkflowCompleted,
    WorkflowEvent,
    WorkflowFailed,
    WorkflowPaused,
    WorkflowResumed,
    WorkflowStarted,
)
from litestar_workflows.core.models import PendingTask, RejectedInput, WorkflowInstance
from litestar_workflows.core.protocols import ExecutionEngine, Step, Workflow
from litestar_workflows.core.types import Context, StepStatus, StepT, StepType, T, WorkflowStatus, WorkflowT

__all__ = [
    "Condition",
    "Context",
    "Edge",
    "ExecutionEngine",
    "HumanTaskCompleted",
    "HumanTaskCreated",
    "HumanTaskReassigned",
    "PendingTask",
    "RejectedInput",
    "Step",
    "StepCompleted",
    "StepExecution",
    "StepFailed",
    "StepSkipped",
    "StepStarted",
    "StepStatus",
    "StepT",
    "StepType",
    "T",
    "Workflow",
    "WorkflowCanceled",
    "WorkflowCompleted",
    "WorkflowContext",
    "WorkflowDefinition",
    "WorkflowEvent",
    "WorkflowFailed",
    "WorkflowInstance",
    "WorkflowPaused",
    "WorkflowResumed",
    "WorkflowStarted",
    "WorkflowStatus",
    "WorkflowT",
]
