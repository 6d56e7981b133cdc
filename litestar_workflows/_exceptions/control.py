"""Refusals of controlling an instance: pausing and resuming, webhook callbacks, canceling."""

from __future__ import annotations

from typing import ClassVar

from litestar_workflows._exceptions.root import WorkflowsError
from litestar_workflows._exceptions.tasks import StepNotWaitingError

__all__ = [
    "CancelNotAllowedError",
    "PauseNotAllowedError",
    "WebhookAlreadyDeliveredError",
    "WebhookSecretError",
    "WorkflowNotPausedError",
    "WorkflowPausedError",
]


class WorkflowPausedError(WorkflowsError, ValueError):
    """The instance is paused: it refuses completions, webhook deliveries and a second pause
    until it is resumed (its timers keep counting meanwhile).

    Attributes:
        instance_id: The paused instance.
        action: What was refused.
    """

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "instance-paused"

    def __init__(self, instance_id: str, action: str) -> None:
        self.instance_id = instance_id
        self.action = action
        super().__init__(f"Workflow instance {instance_id!r} is paused: {action} is refused until it is resumed")


class WorkflowNotPausedError(WorkflowsError, ValueError):
    """``resume_workflow`` on an instance that is not paused."""

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "instance-not-paused"

    def __init__(self, instance_id: str, status: str) -> None:
        self.instance_id = instance_id
        self.status = status
        super().__init__(f"Workflow instance {instance_id!r} is not paused (it is {status})")


class WebhookSecretError(WorkflowsError, PermissionError):
    """A webhook callback came without the instance's callback secret, or with another one."""

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "webhook-secret-invalid"

    def __init__(self, instance_id: str, step_name: str) -> None:
        self.instance_id = instance_id
        self.step_name = step_name
        super().__init__(f"Webhook callback for step {step_name!r} of {instance_id!r}: the secret is missing or wrong")


class WebhookAlreadyDeliveredError(StepNotWaitingError):
    """The webhook step received its callback already; a callback is taken exactly once."""

    http_status: ClassVar[int] = 409
    problem_code: ClassVar[str] = "webhook-already-delivered"

    def __init__(self, instance_id: str, step_name: str) -> None:
        super().__init__(instance_id, step_name, "its webhook callback was delivered already")


class CancelNotAllowedError(WorkflowsError, PermissionError):
    """The caller may read the instance but not cancel it (only its starter and the admin groups may).

    Attributes:
        instance_id: The instance.
        user_id: The caller.
    """

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "forbidden"

    def __init__(self, instance_id: str, user_id: str | None, reason: str) -> None:
        self.instance_id = instance_id
        self.user_id = user_id
        super().__init__(f"User {user_id!r} may not cancel instance {instance_id!r}: {reason}")


class PauseNotAllowedError(WorkflowsError, PermissionError):
    """The caller may read the instance but not pause or resume it (its starter and the admin
    groups may).

    Attributes:
        instance_id: The instance.
        user_id: The caller.
    """

    http_status: ClassVar[int] = 403
    problem_code: ClassVar[str] = "forbidden"

    def __init__(self, instance_id: str, user_id: str | None, reason: str) -> None:
        self.instance_id = instance_id
        self.user_id = user_id
        super().__init__(f"User {user_id!r} may not pause or resume instance {instance_id!r}: {reason}")
