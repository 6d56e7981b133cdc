"""The gateway's routes, one module per area; this module names them all (and keeps the import
paths other modules use).

Thin, all of them: parse, call the engine, shape the answer; errors go to :mod:`api.problems`.
Definitions: :mod:`api.definition_routes`; instances: :mod:`api.instance_routes`; tasks:
:mod:`api.task_routes` and the task operations :mod:`api.task_operations`; webhooks:
:mod:`api.webhooks`; liveness, readiness and the demo token: :mod:`api.system_routes`; the
parameters and response specs they share: :mod:`api.route_support`.
"""

from __future__ import annotations

from api.definition_routes import DefinitionsController
from api.instance_routes import InstancesController
from api.route_support import (
    NO_CONTROL_CHARS,
    CursorParam,
    IdempotencyKey,
    InstanceIdParam,
    LimitParam,
    NameParam,
    StepNameParam,
    VersionParam,
    WorkflowFilter,
)
from api.system_routes import SystemController, dev_token
from api.task_routes import TasksController

__all__ = [
    "NO_CONTROL_CHARS",
    "CursorParam",
    "DefinitionsController",
    "IdempotencyKey",
    "InstanceIdParam",
    "InstancesController",
    "LimitParam",
    "NameParam",
    "StepNameParam",
    "SystemController",
    "TasksController",
    "VersionParam",
    "WorkflowFilter",
    "dev_token",
]
