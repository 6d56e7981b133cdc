"""The webhook callback route: how an external system delivers the payload a WebhookStep waits for.

``POST /instances/{instance_id}/webhooks/{step_name}`` with the JSON payload as the body and the
instance's callback secret in the ``X-Webhook-Secret`` header. It is not behind the bearer-token
authentication (external systems hold no user token): the per-instance secret is the credential.
Step code reads it as ``context.metadata["webhook_secret"]`` and hands it, with the callback URL,
to the external system. The engine checks it (on Temporal in the update's validator, in constant
time) before telling anything about the instance's progress; the answer is deliberately small
(no instance data).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import Body, HeaderParameter
from litestar.status_codes import HTTP_200_OK
from pydantic import BaseModel

from api.paths import segment_value
from api.problems import problem_responses
from api.routes import InstanceIdParam, StepNameParam
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine

__all__ = ["WebhookDelivered", "WebhooksController"]

CALLBACK_HEADER = "X-Webhook-Secret"


class WebhookDelivered(BaseModel):
    """The callback was taken.

    Attributes:
        instance_id: The instance.
        step_name: The webhook step that took it.
        status: The instance's status once it settled again.
    """

    instance_id: str
    step_name: str
    status: WorkflowStatus


class WebhooksController(Controller):
    """Webhook callbacks (authenticated by the instance's callback secret, not a bearer token)."""

    path = "/instances"
    tags = ["webhooks"]

    @post(
        "/{instance_id:str}/webhooks/{step_name:str}",
        summary="Deliver a webhook callback",
        status_code=HTTP_200_OK,
        security=[],
        responses=problem_responses(
            "malformed-request",
            "validation-error",
            "payload-too-large",
            "budget-exceeded",
            "input-too-deep",
            "webhook-secret-invalid",
            "instance-not-found",
            "task-not-found",
            "step-not-waiting",
            "webhook-already-delivered",
            "instance-paused",
            "instance-finished",
            "form-invalid",
            "engine-unavailable",
        ),
    )
    async def deliver_webhook(
        self,
        engine: NamedDependency[ExecutionEngine],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        data: Annotated[
            dict[str, Any], Body(description="The payload (a JSON object), stored under the step's callback_key")
        ],
        secret: Annotated[
            str,
            HeaderParameter(name=CALLBACK_HEADER, max_length=200, description="The instance's callback secret"),
        ],
    ) -> WebhookDelivered:
        """Deliver the payload to the waiting webhook step, exactly once: a second delivery is a 409
        (``webhook-already-delivered``), a wrong secret a 403, a payload failing the step's schema a 422
        naming every failing field; a refused callback changes nothing."""
        iid, step = segment_value(instance_id), segment_value(step_name)
        instance = await engine.deliver_webhook(iid, step, data, secret=secret)
        return WebhookDelivered(instance_id=instance.id, step_name=step, status=instance.status)
