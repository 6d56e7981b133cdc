"""The SDK's exceptions: one root, :class:`WorkflowsError`, and specific subclasses.

Where callers of the older ``litestar-workflows`` API caught ``KeyError`` (unknown
name or instance) or ``ValueError`` (step not waiting, wrong step), the subclass also
derives from that builtin so such code keeps working. The constructors accept both our
shapes and the published 0.3.3 ones (``TaskNotFoundError(task_id)``,
``StepExecutionError(step, cause=exc)``, ``InvalidTransitionError(from, to, reason=)``, ...).

Each class says once how it crosses to HTTP: ``http_status`` and ``problem_code`` (the last
part of the RFC 9457 problem ``type``); the gateway's ``api/problems.py`` reads them from here.
A task's id is ``<instance id>/<step name>`` (:func:`litestar_workflows.core.events.task_id`).

The classes live in :mod:`litestar_workflows._exceptions` (root, workflow, tasks, limits,
control), one module per area; this module is their published home: every name is here, and
each class reports this module as its ``__module__`` (reprs, pickling, documentation).
"""

from __future__ import annotations

from litestar_workflows._exceptions.control import (
    CancelNotAllowedError,
    PauseNotAllowedError,
    WebhookAlreadyDeliveredError,
    WebhookSecretError,
    WorkflowNotPausedError,
    WorkflowPausedError,
)
from litestar_workflows._exceptions.limits import (
    BudgetExceededError,
    IdempotencyKeyConflictError,
    InitialDataError,
    InputTooDeepError,
    InvalidQueryError,
)
from litestar_workflows._exceptions.root import (
    WorkflowsError,
)
from litestar_workflows._exceptions.tasks import (
    FieldError,
    FormValidationError,
    HumanTaskError,
    StaleRevisionError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    TaskClaimedError,
    TaskNotFoundError,
    TaskOperationNotAllowedError,
    UnauthorizedTaskError,
)
from litestar_workflows._exceptions.workflow import (
    ConditionError,
    DefinitionNotLoadedError,
    EngineUnavailableError,
    InvalidTransitionError,
    PayloadCodecError,
    SettleTimeoutError,
    StepExecutionError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
    WorkflowNotFoundError,
    WorkflowValidationError,
)

__all__ = [
    "BudgetExceededError",
    "CancelNotAllowedError",
    "ConditionError",
    "DefinitionNotLoadedError",
    "EngineUnavailableError",
    "FieldError",
    "FormValidationError",
    "HumanTaskError",
    "IdempotencyKeyConflictError",
    "InitialDataError",
    "InputTooDeepError",
    "InvalidQueryError",
    "InvalidTransitionError",
    "PauseNotAllowedError",
    "PayloadCodecError",
    "SettleTimeoutError",
    "StaleRevisionError",
    "StepExecutionError",
    "StepNotWaitingError",
    "TaskAlreadyCompletedError",
    "TaskClaimedError",
    "TaskNotFoundError",
    "TaskOperationNotAllowedError",
    "UnauthorizedTaskError",
    "WebhookAlreadyDeliveredError",
    "WebhookSecretError",
    "WorkflowAlreadyCompletedError",
    "WorkflowAlreadyExistsError",
    "WorkflowInstanceNotFoundError",
    "WorkflowNotFoundError",
    "WorkflowNotPausedError",
    "WorkflowPausedError",
    "WorkflowValidationError",
    "WorkflowsError",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
