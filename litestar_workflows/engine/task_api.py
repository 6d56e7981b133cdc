"""The task operations every engine offers (claim, unclaim, reassign, delegate, take back,
comment, send back), written once over the one method each engine implements: ``operate_task``.

Who may do what is the rules' (:mod:`litestar_workflows.rules.tasks`), checked by the engine
(on Temporal: in the update validator); identities must come from verified tokens.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Protocol

from litestar_workflows.rules import idempotency
from litestar_workflows.rules.tasks import TaskOperation

if TYPE_CHECKING:
    from litestar_workflows.core.models import WorkflowInstance

__all__ = ["TaskOperationsAPI", "operation_update_id"]


def operation_update_id(operation: TaskOperation, idempotency_key: str) -> str:
    """The update id of ``operation`` sent with ``idempotency_key`` (same user, key and operation:
    same id)."""
    blob = json.dumps(dataclasses.asdict(operation), sort_keys=True, default=str)
    digest = hashlib.sha256(blob.encode()).hexdigest()
    return f"op.{idempotency.scoped_key(operation.user_id, idempotency_key)}.{digest}"


class _Operates(Protocol):
    admin_groups: tuple[str, ...]

    async def operate_task(
        self, instance_id: str, operation: TaskOperation, *, idempotency_key: str | None = None
    ) -> WorkflowInstance: ...


class TaskOperationsAPI:
    """Convenience methods over ``operate_task`` (a mixin of both engines).

    Each returns the instance after the operation; a refused operation changes nothing and
    raises the rules' error (409 claimed, 403 not allowed, 412 stale revision, 422 invalid).
    """

    async def claim_task(
        self: _Operates,
        instance_id: str,
        step_name: str,
        user_id: str,
        *,
        groups: Collection[str] = (),
        expected_revision: str | None = None,
    ) -> WorkflowInstance:
        """Claim a waiting task: only the claimer may complete it until it is unclaimed."""
        op = TaskOperation("claim", step_name, user_id, tuple(groups), expected_revision=expected_revision)
        return await self.operate_task(instance_id, op)

    async def unclaim_task(
        self: _Operates, instance_id: str, step_name: str, user_id: str, *, groups: Collection[str] = ()
    ) -> WorkflowInstance:
        """Give a claimed task back to its candidates (the claimer, or an admin/manager)."""
        return await self.operate_task(instance_id, TaskOperation("unclaim", step_name, user_id, tuple(groups)))

    async def reassign_task(
        self: _Operates,
        instance_id: str,
        step_name: str,
        user_id: str,
        *,
        groups: Collection[str] = (),
        to_user: str | None = None,
        to_groups: Collection[str] = (),
        reason: str | None = None,
    ) -> WorkflowInstance:
        """Hand a task to a user and/or groups (admins and the step's ``manager_groups``)."""
        op = TaskOperation(
            "reassign",
            step_name,
            user_id,
            tuple(groups),
            target_user=to_user,
            target_groups=tuple(to_groups),
            reason=reason,
        )
        return await self.operate_task(instance_id, op)

    async def delegate_task(
        self: _Operates,
        instance_id: str,
        step_name: str,
        user_id: str,
        to_user: str,
        *,
        groups: Collection[str] = (),
        keep_right: bool = False,
        reason: str | None = None,
    ) -> WorkflowInstance:
        """The holder hands the task to another user, optionally keeping the right to take it back."""
        op = TaskOperation(
            "delegate", step_name, user_id, tuple(groups), target_user=to_user, keep_right=keep_right, reason=reason
        )
        return await self.operate_task(instance_id, op)

    async def take_back_task(
        self: _Operates, instance_id: str, step_name: str, user_id: str, *, groups: Collection[str] = ()
    ) -> WorkflowInstance:
        """A delegator who kept the right takes the task back (and holds it as a claim)."""
        return await self.operate_task(instance_id, TaskOperation("take_back", step_name, user_id, tuple(groups)))

    async def send_back_task(
        self: _Operates,
        instance_id: str,
        step_name: str,
        user_id: str,
        comment: str,
        *,
        groups: Collection[str] = (),
        expected_revision: str | None = None,
        idempotency_key: str | None = None,
    ) -> WorkflowInstance:
        """Send the task back along its step's send-back edges with ``comment`` (whoever may
        complete it); the instance goes on there. Refused (403) when the step has none."""
        op = TaskOperation(
            "send_back", step_name, user_id, tuple(groups), text=comment, expected_revision=expected_revision
        )
        return await self.operate_task(instance_id, op, idempotency_key=idempotency_key)

    async def comment_task(
        self: _Operates, instance_id: str, step_name: str, user_id: str, text: str, *, groups: Collection[str] = ()
    ) -> WorkflowInstance:
        """Add a comment to a waiting task without completing it."""
        return await self.operate_task(
            instance_id, TaskOperation("comment", step_name, user_id, tuple(groups), text=text)
        )
