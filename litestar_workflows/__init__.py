"""Durable human-in-the-loop workflows with the ``litestar-workflows`` API, on Temporal.

Define steps (machine or human), connect them with edges, register the definition,
and run it on :class:`LocalExecutionEngine` (in-process) or on
:class:`TemporalExecutionEngine` (durable; ``litestar_workflows.temporal.engine``).
"""

from litestar_workflows.core.context import StepExecution, WorkflowContext
from litestar_workflows.core.definition import Condition, Edge, WorkflowDefinition
from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine, Page
from litestar_workflows.engine.local import LocalExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import (
    ConditionError,
    DefinitionNotLoadedError,
    EngineUnavailableError,
    FieldError,
    FormValidationError,
    HumanTaskError,
    InvalidTransitionError,
    SettleTimeoutError,
    StepExecutionError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    TaskNotFoundError,
    UnauthorizedTaskError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
    WorkflowNotFoundError,
    WorkflowsError,
    WorkflowValidationError,
)
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.steps import BaseHumanStep, BaseMachineStep, BaseStep, RetryPolicy
from litestar_workflows.temporal.engine import TemporalExecutionEngine

__version__ = "0.1.0"

__all__ = [
    "BaseHumanStep",
    "BaseMachineStep",
    "BaseStep",
    "Condition",
    "ConditionError",
    "DefinitionNotLoadedError",
    "Edge",
    "EngineUnavailableError",
    "ExecutionEngine",
    "FieldError",
    "FormValidationError",
    "GraphSpec",
    "HumanTaskError",
    "InvalidTransitionError",
    "LocalExecutionEngine",
    "Page",
    "PendingTask",
    "RetryPolicy",
    "SettleTimeoutError",
    "StepExecution",
    "StepExecutionError",
    "StepNotWaitingError",
    "StepStatus",
    "StepType",
    "TaskAlreadyCompletedError",
    "TaskNotFoundError",
    "TemporalExecutionEngine",
    "UnauthorizedTaskError",
    "WorkflowAlreadyCompletedError",
    "WorkflowAlreadyExistsError",
    "WorkflowContext",
    "WorkflowDefinition",
    "WorkflowInstance",
    "WorkflowInstanceNotFoundError",
    "WorkflowNotFoundError",
    "WorkflowRegistry",
    "WorkflowStatus",
    "WorkflowValidationError",
    "WorkflowsError",
    "__version__",
]
