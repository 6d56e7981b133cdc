"""Request and response bodies of the gateway (pydantic models, rendered into the OpenAPI schema),
one module per area; this module names them all (and keeps the import paths others use).

Responses are built from the SDK's records (:class:`~litestar_workflows.WorkflowInstance`,
:class:`~litestar_workflows.PendingTask`, :class:`~litestar_workflows.GraphSpec`) by the
``from_*`` constructors; nothing here talks to an engine. Requests: :mod:`api.request_models`
(task operations: :mod:`api.task_models`); definitions: :mod:`api.definition_models`; tasks:
:mod:`api.task_views`; instances: :mod:`api.instance_models`; the gateway itself:
:mod:`api.system_models`.
"""

from __future__ import annotations

from api.definition_models import (
    DefinitionSummary,
    DefinitionView,
    EdgeView,
    GraphEdge,
    GraphNode,
    GraphView,
    StepView,
)
from api.instance_models import (
    InstanceLinks,
    InstanceList,
    InstanceSummary,
    InstanceView,
    NotifierFailureView,
    RejectedInputView,
    StepExecutionView,
)
from api.request_models import (
    BUSINESS_KEY_PATTERN,
    NO_CONTROL_CHARS_PATTERN,
    CancelInstanceRequest,
    CompleteTaskRequest,
    StartInstanceRequest,
)
from api.system_models import AcceptedView, DevToken, HealthView, ReadyView
from api.task_views import TaskLinks, TaskList, TaskView

__all__ = [
    "BUSINESS_KEY_PATTERN",
    "NO_CONTROL_CHARS_PATTERN",
    "AcceptedView",
    "CancelInstanceRequest",
    "CompleteTaskRequest",
    "DefinitionSummary",
    "DefinitionView",
    "DevToken",
    "EdgeView",
    "GraphEdge",
    "GraphNode",
    "GraphView",
    "HealthView",
    "InstanceLinks",
    "InstanceList",
    "InstanceSummary",
    "InstanceView",
    "NotifierFailureView",
    "ReadyView",
    "RejectedInputView",
    "StartInstanceRequest",
    "StepExecutionView",
    "StepView",
    "TaskLinks",
    "TaskList",
    "TaskView",
]
