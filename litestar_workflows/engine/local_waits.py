"""The in-process engine's timers, webhook callbacks and pause/resume (a mixin of
:class:`~litestar_workflows.engine.local.LocalExecutionEngine`).

The transitions are the rules' (:mod:`litestar_workflows.rules.waits`), as on Temporal; this
module only does the in-process I/O: an asyncio timer per waiting timer step, and the instance
lock around each transition.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from litestar_workflows.core.types import StepType
from litestar_workflows.exceptions import PauseNotAllowedError
from litestar_workflows.rules import machine, waits
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.budgets import SizeBudgets

if TYPE_CHECKING:
    from litestar_workflows.core.models import WorkflowInstance
    from litestar_workflows.engine.local_events import EventRecorder
    from litestar_workflows.engine.local_run import LocalInstance

__all__ = ["LocalWaits"]


class _Engine(Protocol):
    admin_groups: tuple[str, ...]
    budgets: SizeBudgets
    _background: set[asyncio.Task[Any]]
    _events: EventRecorder

    def _readable_record(self, instance_id: str, caller: Caller | None) -> LocalInstance: ...
    async def _drive(self, record: LocalInstance, activations: list[machine.Activation]) -> None: ...
    def _cancel_timer(self, record: LocalInstance, step_name: str) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


class LocalWaits:
    """Timers, webhooks and pausing for the in-process engine."""

    @staticmethod
    def _arm_secret(record: LocalInstance) -> None:
        """Give an instance of a graph with a webhook step its callback secret."""
        if record.graph.has_webhooks and record.state.webhook_secret is None:
            record.state.webhook_secret = secrets.token_urlsafe(24)

    def _schedule_timer(self: _Engine, record: LocalInstance, act: machine.Activation) -> None:
        step_name, seconds = act.step_name, act.timer_seconds or 0.0

        async def fired() -> None:
            async with record.lock:
                await self._drive(record, waits.apply_timer_fired(record.graph, record.state, step_name, _now()))
            await self._events.flush()

        def fire() -> None:
            record.timers.pop(step_name, None)
            task = asyncio.create_task(fired())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        self._cancel_timer(record, step_name)
        record.timers[step_name] = asyncio.get_running_loop().call_later(seconds, fire)

    async def deliver_webhook(
        self: _Engine, instance_id: str, step_name: str, payload: Any, *, secret: str | None
    ) -> WorkflowInstance:
        """Deliver an external system's callback to a waiting webhook step (exactly once).

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance.
            WebhookSecretError: ``secret`` is not the instance's callback secret.
            WebhookAlreadyDeliveredError: The step took its callback already.
            StepNotWaitingError: The step is not a waiting webhook step.
            FormValidationError: The payload fails the step's schema.
            WorkflowPausedError: The instance is paused.
        """
        record = self._readable_record(instance_id, None)
        async with record.lock:
            waits.validate_webhook(record.graph, record.state, step_name, secret, payload, self.budgets)
            await self._drive(record, waits.apply_webhook(record.graph, record.state, step_name, payload, _now()))
        await self._events.flush()
        return record.view

    async def pause_workflow(
        self: _Engine, instance_id: str, reason: str = "", *, caller: Caller | None = None
    ) -> WorkflowInstance:
        """Pause an instance: it starts no new step and refuses completions until resumed; running
        steps finish, timers and deadlines keep counting. With a ``caller``: the starter or an admin.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or not readable by ``caller``).
            PauseNotAllowedError: ``caller`` may not pause it.
            WorkflowPausedError: It is paused already.
            WorkflowAlreadyCompletedError: It has finished.
        """
        record = self._readable_record(instance_id, caller)
        _check_may_pause(record, caller, self.admin_groups, "pause")
        waits.pause_instance(record.state, None if caller is None else caller.user_id, _now())
        record.view.refresh(record.state)
        self._events.publish(record.graph, record.state)
        await self._events.flush()
        return record.view

    async def resume_workflow(self: _Engine, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Resume a paused instance and return it once it has settled again.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or not readable by ``caller``).
            PauseNotAllowedError: ``caller`` may not resume it.
            WorkflowNotPausedError: It is not paused.
            WorkflowAlreadyCompletedError: It has finished.
        """
        record = self._readable_record(instance_id, caller)
        _check_may_pause(record, caller, self.admin_groups, "resume")
        async with record.lock:
            await self._drive(record, waits.resume_instance(record.graph, record.state, _now()))
        await self._events.flush()
        return record.view


def _check_may_pause(record: LocalInstance, caller: Caller | None, admin_groups: Collection[str], action: str) -> None:
    refusal = waits.pause_permission_error(record.state, caller, admin_groups, action)
    if refusal is not None and caller is not None:
        raise PauseNotAllowedError(record.state.instance_id, caller.user_id, refusal)


def timer_kind(act: machine.Activation) -> bool:
    """Whether ``act`` starts a timer step's wait."""
    return act.kind == StepType.TIMER and act.timer_seconds is not None
