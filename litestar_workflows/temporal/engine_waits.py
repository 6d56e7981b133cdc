"""``TemporalExecutionEngine``'s webhook callbacks and pause/resume (a mixin).

Each is one Update of the instance's workflow (:mod:`workflows.waits`): its validator refuses,
writing nothing to the history, what the rules refuse (a wrong secret, a second delivery, an
invalid payload, pausing twice, resuming what is not paused). Who may pause or resume is checked
here, like cancelling, from the queried state (:func:`litestar_workflows.rules.waits.pause_permission_error`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from litestar_workflows.engine.step_attempt import jsonable
from litestar_workflows.exceptions import PauseNotAllowedError, WorkflowInstanceNotFoundError
from litestar_workflows.rules import waits
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.temporal.contracts import (
    UPDATE_DELIVER_WEBHOOK,
    UPDATE_PAUSE,
    UPDATE_RESUME,
    DeliverWebhook,
    PauseRequest,
)

if TYPE_CHECKING:
    from temporalio.client import WorkflowHandle

    from litestar_workflows.core.models import WorkflowInstance

__all__ = ["TemporalWaits"]

T = TypeVar("T")


class TemporalWaits:
    """Webhooks and pausing on Temporal."""

    if TYPE_CHECKING:
        admin_groups: tuple[str, ...]
        settle_timeout: timedelta

        def _handle(self, instance_id: str) -> WorkflowHandle[Any, Any]: ...
        def _view(self, state: InstanceState) -> WorkflowInstance: ...
        async def _call(self, instance_id: str, call: Callable[[], Awaitable[T]]) -> T: ...
        async def _raise_closed_or_missing(self, instance_id: str) -> None: ...
        async def _readable_state(self, instance_id: str, caller: Caller | None) -> InstanceState: ...
        async def _settled_state(self, instance_id: str, result: Any) -> InstanceState: ...

    async def _update(
        self, instance_id: str, name: str, argument: Any, *, update_id: str | None = None
    ) -> WorkflowInstance:
        handle = self._handle(instance_id)
        try:
            settled: Any = await self._call(
                instance_id,
                lambda: handle.execute_update(name, argument, id=update_id, rpc_timeout=self.settle_timeout),
            )
        except WorkflowInstanceNotFoundError:
            await self._raise_closed_or_missing(instance_id)  # a finished run says so
            raise
        return self._view(await self._settled_state(instance_id, settled))

    async def deliver_webhook(
        self, instance_id: str, step_name: str, payload: Any, *, secret: str | None
    ) -> WorkflowInstance:
        """Deliver an external system's callback to a waiting webhook step (exactly once) and
        return the instance once it has settled again.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance.
            WebhookSecretError: ``secret`` is not the instance's callback secret.
            WebhookAlreadyDeliveredError: The step took its callback already.
            StepNotWaitingError: The step is not a waiting webhook step.
            FormValidationError: The payload fails the step's schema.
            WorkflowPausedError: The instance is paused.
            WorkflowAlreadyCompletedError: The instance has finished.
        """
        request = DeliverWebhook(step_name=step_name, payload=jsonable(payload), secret=secret)
        return await self._update(instance_id, UPDATE_DELIVER_WEBHOOK, request)

    async def _check_may_pause(self, instance_id: str, caller: Caller | None, action: str) -> None:
        if caller is None:
            return
        state = await self._readable_state(instance_id, caller)
        refusal = waits.pause_permission_error(state, caller, self.admin_groups, action)
        if refusal is not None:
            raise PauseNotAllowedError(instance_id, caller.user_id, refusal)

    async def pause_workflow(
        self, instance_id: str, reason: str = "", *, caller: Caller | None = None
    ) -> WorkflowInstance:
        """Pause an instance (durably: an Update recorded in its history; the Web UI shows it paused).

        It starts no new step and refuses completions until resumed; running steps finish, timers
        and deadlines keep counting. With a ``caller``: its starter or an admin.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or not readable by ``caller``).
            PauseNotAllowedError: ``caller`` may not pause it.
            WorkflowPausedError: It is paused already.
            WorkflowAlreadyCompletedError: It has finished.
        """
        await self._check_may_pause(instance_id, caller, "pause")
        user = None if caller is None else caller.user_id
        return await self._update(instance_id, UPDATE_PAUSE, PauseRequest(user_id=user, reason=reason))

    async def resume_workflow(self, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Resume a paused instance and return it once it has settled again.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or not readable by ``caller``).
            PauseNotAllowedError: ``caller`` may not resume it.
            WorkflowNotPausedError: It is not paused.
            WorkflowAlreadyCompletedError: It has finished.
        """
        await self._check_may_pause(instance_id, caller, "resume")
        user = None if caller is None else caller.user_id
        return await self._update(instance_id, UPDATE_RESUME, PauseRequest(user_id=user))
