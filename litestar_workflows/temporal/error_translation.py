"""Errors coming back from the Temporal client, translated into the SDK's
:class:`~litestar_workflows.exceptions.WorkflowsError` subclasses.

Separate from the engine because every part of it (starting, reading, listing, completing,
cancelling) translates errors the same way; :mod:`.engine` re-exports :func:`translate_error`.
"""

from __future__ import annotations

from collections.abc import Mapping

from temporalio.client import (
    WorkflowFailureError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from litestar_workflows.exceptions import (
    EngineUnavailableError,
    SettleTimeoutError,
    WorkflowInstanceNotFoundError,
    WorkflowsError,
)
from litestar_workflows.temporal.contracts import error_from_details

__all__ = ["translate_error"]

_UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}


def translate_error(error: BaseException, instance_id: str = "") -> BaseException:
    """The SDK error for an error raised by the Temporal client (other errors unchanged)."""
    if isinstance(error, WorkflowsError):
        return error
    if isinstance(error, WorkflowUpdateFailedError | WorkflowFailureError) and isinstance(
        error.cause, ApplicationError
    ):
        cause = error.cause
        details = cause.details[0] if cause.details and isinstance(cause.details[0], Mapping) else None
        return error_from_details(cause.type, cause.message, details)
    if isinstance(error, WorkflowUpdateRPCTimeoutOrCancelledError):
        return SettleTimeoutError(instance_id)
    if isinstance(error, WorkflowQueryFailedError) and any(
        sign in str(error).lower() for sign in ("unknown querytype", "expected but not found")
    ):
        # Another kind of workflow under that id (a shared namespace): not one of our instances.
        return WorkflowInstanceNotFoundError(instance_id)
    if isinstance(error, WorkflowQueryFailedError | WorkflowQueryRejectedError):
        return WorkflowsError(f"Workflow instance {instance_id!r} could not be queried: {error}")
    if isinstance(error, RPCError):
        if error.status == RPCStatusCode.NOT_FOUND:
            return WorkflowInstanceNotFoundError(instance_id)
        if error.status in _UNAVAILABLE:
            return EngineUnavailableError(f"Temporal did not answer: {error.message}")
        if error.status == RPCStatusCode.FAILED_PRECONDITION and "poller" in error.message:
            return EngineUnavailableError(f"No worker is running for instance {instance_id!r}: {error.message}")
    if isinstance(error, RuntimeError) and "client connect" in str(error).lower():
        return EngineUnavailableError(f"Temporal cannot be reached: {error}")
    return error
