"""Webhook steps: wait for an external system to call back with a payload.

The gateway's ``POST /instances/{id}/webhooks/{step}`` route delivers the payload (on Temporal as
an Update); it is stored under ``callback_key`` and the instance goes on. A callback is taken
exactly once, only with the instance's callback secret (header ``X-Webhook-Secret``; step code
reads it as ``context.metadata["webhook_secret"]`` to hand it to the external system), and only
if the payload satisfies ``schema`` when one is given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar_workflows.core.types import StepType
from litestar_workflows.steps.base import BaseStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["WebhookStep"]


class WebhookStep(BaseStep):
    """Wait for an external callback; its payload lands in ``context.data[callback_key]``.

    Args:
        name: Step name.
        callback_key: Data key for the delivered payload.
        description: Description.
        schema: Optional JSON Schema the payload must satisfy (a callback that fails it is refused
            with every failing field, and the step keeps waiting).
    """

    step_type: StepType = StepType.WEBHOOK

    def __init__(
        self,
        name: str,
        callback_key: str = "webhook_data",
        description: str = "",
        *,
        schema: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(name, description)
        self.step_type = StepType.WEBHOOK
        self.callback_key = callback_key
        self.schema = schema

    async def execute(self, context: WorkflowContext) -> Any:
        """The delivered payload (engines wait for the callback before the instance goes on)."""
        return context.get(self.callback_key)
