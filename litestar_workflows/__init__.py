"""Durable human-in-the-loop workflows with the ``litestar-workflows`` API, on Temporal.

Define steps (machine or human), connect them with edges, register the definition,
and run it on :class:`LocalExecutionEngine` (in-process) or on
:class:`TemporalExecutionEngine` (durable; ``litestar_workflows.temporal.engine``).
"""

from typing import TYPE_CHECKING, Any

from litestar_workflows.core.context import StepExecution, WorkflowContext
from litestar_workflows.core.definition import Condition, Edge, WorkflowDefinition
from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine, Page
from litestar_workflows.engine.events import EventBus, NotifierPolicy
from litestar_workflows.engine.graph import WorkflowGraph
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
from litestar_workflows.plugin import WorkflowPluginConfig
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.steps import (
    BaseHumanStep,
    BaseMachineStep,
    BaseStep,
    ConditionalGroup,
    ExclusiveGateway,
    ParallelGateway,
    ParallelGroup,
    RetryPolicy,
    SequentialGroup,
    TimerStep,
    WebhookStep,
)
from litestar_workflows.steps.task_options import Escalation
from litestar_workflows.temporal.engine import TemporalExecutionEngine

__version__ = "0.1.0"
__project__ = "litestar-workflows"

if TYPE_CHECKING:
    from api.plugin import WorkflowPlugin


def __getattr__(name: str) -> Any:
    # The plugin is the gateway's: imported on first use, so the SDK alone needs no web stack.
    if name == "WorkflowPlugin":
        from litestar_workflows.plugin import __getattr__ as plugin_attribute

        return plugin_attribute(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BaseHumanStep",
    "BaseMachineStep",
    "BaseStep",
    "Condition",
    "ConditionError",
    "ConditionalGroup",
    "DefinitionNotLoadedError",
    "Edge",
    "EngineUnavailableError",
    "Escalation",
    "EventBus",
    "ExclusiveGateway",
    "ExecutionEngine",
    "FieldError",
    "FormValidationError",
    "GraphSpec",
    "HumanTaskError",
    "InvalidTransitionError",
    "LocalExecutionEngine",
    "NotifierPolicy",
    "Page",
    "ParallelGateway",
    "ParallelGroup",
    "PendingTask",
    "RetryPolicy",
    "SequentialGroup",
    "SettleTimeoutError",
    "StepExecution",
    "StepExecutionError",
    "StepNotWaitingError",
    "StepStatus",
    "StepType",
    "TaskAlreadyCompletedError",
    "TaskNotFoundError",
    "TemporalExecutionEngine",
    "TimerStep",
    "UnauthorizedTaskError",
    "WebhookStep",
    "WorkflowAlreadyCompletedError",
    "WorkflowAlreadyExistsError",
    "WorkflowContext",
    "WorkflowDefinition",
    "WorkflowGraph",
    "WorkflowInstance",
    "WorkflowInstanceNotFoundError",
    "WorkflowNotFoundError",
    "WorkflowPlugin",
    "WorkflowPluginConfig",
    "WorkflowRegistry",
    "WorkflowStatus",
    "WorkflowValidationError",
    "WorkflowsError",
    "__project__",
    "__version__",
]
