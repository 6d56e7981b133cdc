"""The in-process engine's task operations, reminders and escalations (a mixin of
:class:`~litestar_workflows.engine.local.LocalExecutionEngine`).

The rules are :mod:`litestar_workflows.rules.tasks` and :mod:`~litestar_workflows.rules.task_alarms`,
as on Temporal; this module does the in-process I/O: the instance lock around each operation, an
asyncio timer per task with reminders or an escalation chain, and publishing the events (derived
from the state by :mod:`~litestar_workflows.engine.local_events`).
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.engine.task_api import TaskOperationsAPI, operation_update_id
from litestar_workflows.rules import machine, task_alarms, tasks
from litestar_workflows.rules.tasks import TaskOperation

if TYPE_CHECKING:
    from litestar_workflows.engine.local_events import EventRecorder
    from litestar_workflows.engine.local_run import LocalInstance

__all__ = ["LocalTaskOperations"]

_ALARMS = "#alarms"  # timer key suffix: a task's reminder/escalation timer beside its deadline


class _Engine(Protocol):
    admin_groups: tuple[str, ...]
    _background: set[asyncio.Task[Any]]
    _events: EventRecorder

    def _readable_record(self, instance_id: str, caller: Any) -> LocalInstance: ...
    async def _drive(self, record: LocalInstance, activations: list[machine.Activation]) -> None: ...
    def _arm_alarms(self, record: LocalInstance, step_name: str) -> None: ...
    def _cancel_timer(self, record: LocalInstance, step_name: str) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC)


class LocalTaskOperations(TaskOperationsAPI):
    """Task operations, reminders and escalations for the in-process engine."""

    async def operate_task(
        self: _Engine, instance_id: str, operation: TaskOperation, *, idempotency_key: str | None = None
    ) -> WorkflowInstance:
        """Apply a task operation (claim, unclaim, reassign, delegate, take back, comment, send back).

        A send-back moves the instance on along the step's send-back edges and returns once it
        has settled (the machine steps it started have run), like a completion.

        With an ``idempotency_key`` a repeat of the same operation by the same user returns a
        snapshot of the first result (as on Temporal, where the update id is derived from both).

        A caller who may not read the instance is told it does not exist.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance, or not readable by the caller.
            TaskClaimedError: Claiming a task someone else claimed.
            TaskOperationNotAllowedError: The caller may not do it.
            StaleRevisionError: ``expected_revision`` is not the instance's revision.
            FormValidationError: A field of the operation is invalid.
        """
        op = replace(operation, admin_groups=self.admin_groups)
        record = self._readable_record(instance_id, None)  # who may read it: the rules, below
        scoped = None if idempotency_key is None else operation_update_id(op, idempotency_key)
        async with record.lock:
            first = record.completions.get(scoped) if scoped is not None else None
            if first is not None:
                return first[1]
            activations = tasks.apply_operation(record.graph, record.state, op, _now())
            self._events.publish(record.graph, record.state)
            if op.kind == "send_back":
                self._cancel_timer(record, op.step_name)
                self._cancel_timer(record, op.step_name + _ALARMS)
                await self._drive(record, activations)
            record.view.refresh(record.state)
            if scoped is not None:
                record.completions[scoped] = (scoped, WorkflowInstance.from_state(copy.deepcopy(record.state)))
        await self._events.flush()
        return record.view

    def _arm_alarms(self: _Engine, record: LocalInstance, step_name: str) -> None:
        """Start the timer of the task's next reminder or escalation, if it has one."""
        alarm = task_alarms.next_alarm(record.graph, record.state, step_name, _now())
        key = step_name + _ALARMS
        old = record.timers.pop(key, None)
        if old is not None:
            old.cancel()
        if alarm is None:
            return

        async def fired() -> None:
            async with record.lock:
                task_alarms.fire_alarms(record.graph, record.state, step_name, _now())
                self._events.publish(record.graph, record.state)
                record.view.refresh(record.state)
                self._arm_alarms(record, step_name)
            await self._events.flush()

        def fire() -> None:
            record.timers.pop(key, None)
            task = asyncio.create_task(fired())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        record.timers[key] = asyncio.get_running_loop().call_later(alarm.seconds, fire)
