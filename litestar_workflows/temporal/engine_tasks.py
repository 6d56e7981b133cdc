"""``TemporalExecutionEngine``'s task operations (a mixin): claim, unclaim, reassign, delegate,
take back and comment, each one Update of the instance's workflow (:mod:`workflows.task_operations`)
whose validator runs the rules (:mod:`litestar_workflows.rules.tasks`) and refuses writing nothing.

With an idempotency key the update id is derived from the user, the key and the operation, so a
retried request is answered from the first one (Temporal deduplicates update ids in a run).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from litestar_workflows.engine.task_api import TaskOperationsAPI, operation_update_id
from litestar_workflows.rules.tasks import TaskOperation
from litestar_workflows.temporal.contracts import UPDATE_OPERATE_TASK

if TYPE_CHECKING:
    from litestar_workflows.core.models import WorkflowInstance

__all__ = ["TemporalTaskOperations", "operation_update_id"]


class TemporalTaskOperations(TaskOperationsAPI):
    """Task operations on Temporal."""

    if TYPE_CHECKING:
        admin_groups: tuple[str, ...]

        async def _update(
            self, instance_id: str, name: str, argument: Any, *, update_id: str | None = None
        ) -> WorkflowInstance: ...

    async def operate_task(
        self, instance_id: str, operation: TaskOperation, *, idempotency_key: str | None = None
    ) -> WorkflowInstance:
        """Apply a task operation and return the instance.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance, or not readable by the caller.
            TaskClaimedError: Claiming a task someone else claimed.
            TaskOperationNotAllowedError: The caller may not do it.
            StaleRevisionError: ``expected_revision`` is not the instance's revision.
            FormValidationError: A field of the operation is invalid.
            EngineUnavailableError: Temporal cannot be reached.
        """
        op = dataclasses.replace(
            operation,
            groups=tuple(sorted({str(g) for g in operation.groups})),
            admin_groups=self.admin_groups,
        )
        update_id = operation_update_id(op, idempotency_key) if idempotency_key is not None else None
        return await self._update(instance_id, UPDATE_OPERATE_TASK, op, update_id=update_id)
