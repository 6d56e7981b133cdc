"""The public names of the SDK are a contract."""

from __future__ import annotations

import litestar_workflows
from litestar_workflows import StepStatus, StepType, WorkflowStatus
from litestar_workflows.exceptions import (
    FormValidationError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    TaskNotFoundError,
    UnauthorizedTaskError,
    WorkflowInstanceNotFoundError,
    WorkflowNotFoundError,
    WorkflowsError,
    WorkflowValidationError,
)

REQUIRED = {
    "BaseStep",
    "BaseMachineStep",
    "BaseHumanStep",
    "Edge",
    "WorkflowDefinition",
    "WorkflowContext",
    "StepExecution",
    "WorkflowRegistry",
    "LocalExecutionEngine",
    "WorkflowStatus",
    "StepStatus",
    "StepType",
    "WorkflowsError",
    "WorkflowValidationError",
    "WorkflowNotFoundError",
    "WorkflowInstanceNotFoundError",
    "StepNotWaitingError",
    "FormValidationError",
    "UnauthorizedTaskError",
    "TaskAlreadyCompletedError",
    "RetryPolicy",
    "WorkflowPlugin",
    "WorkflowPluginConfig",
    "EventBus",
    "WorkflowGraph",
    "TimerStep",
    "ExclusiveGateway",
    "ParallelGateway",
    "SequentialGroup",
    "ParallelGroup",
    "ConditionalGroup",
}


def test_all_is_explicit_and_complete() -> None:
    exported = set(litestar_workflows.__all__)
    assert exported >= REQUIRED
    for name in exported:
        assert hasattr(litestar_workflows, name), name
    assert len(exported) == len(litestar_workflows.__all__), "duplicates in __all__"


def test_enum_values_are_lowercase_strings() -> None:
    assert [s.value for s in WorkflowStatus] == [
        "pending",
        "running",
        "paused",
        "waiting",
        "completed",
        "failed",
        "canceled",
    ]
    for enum in (WorkflowStatus, StepStatus, StepType):
        for member in enum:
            assert member.value == member.name.lower()


def test_single_exception_root_and_builtin_compatibility() -> None:
    for cls in (
        WorkflowValidationError,
        WorkflowNotFoundError,
        WorkflowInstanceNotFoundError,
        StepNotWaitingError,
        FormValidationError,
        UnauthorizedTaskError,
        TaskAlreadyCompletedError,
        TaskNotFoundError,
    ):
        assert issubclass(cls, WorkflowsError)
    assert issubclass(WorkflowNotFoundError, KeyError)
    assert issubclass(WorkflowInstanceNotFoundError, KeyError)
    assert issubclass(StepNotWaitingError, ValueError)
    assert issubclass(TaskAlreadyCompletedError, ValueError)
    # KeyError subclasses read like sentences, not like repr()s.
    assert str(WorkflowInstanceNotFoundError("x")) == "Workflow instance 'x' not found"
