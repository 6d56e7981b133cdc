"""The engine calls the UI makes, each on behalf of the signed-in identity.

One module so the UI asks the engine exactly what the REST routes ask it: every read passes the
identity as the engine's ``caller`` (the engine's read policy hides what it may not see), and the
hints the pages show ("you cannot complete this because ...", the cancel button) come from the
same rules the engine enforces (:mod:`litestar_workflows.rules.access`), never from rules of
the UI's own.
"""

from __future__ import annotations

from typing import Any, cast

from api import task_hints
from api.auth import Identity
from api.gateway import Gateway
from api.instance_models import InstanceSummary
from api.task_models import TaskOperationRequest
from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine, Page
from litestar_workflows.rules import access
from litestar_workflows.rules.state import InstanceState

__all__ = [
    "cancel",
    "cancel_refusal",
    "complete",
    "completion_refusal",
    "get_instance",
    "list_instances",
    "list_tasks",
    "operate",
    "start",
]


async def list_tasks(
    engine: ExecutionEngine, identity: Identity, workflow_name: str | None, limit: int = 100
) -> Page[PendingTask]:
    """The identity's inbox (the engine's inbox rule)."""
    return await engine.list_pending_tasks(identity.user_id, identity.groups, workflow_name=workflow_name, limit=limit)


async def list_instances(
    engine: ExecutionEngine,
    identity: Identity,
    workflow_name: str | None,
    status: WorkflowStatus | None,
    limit: int = 50,
) -> Page[InstanceSummary]:
    """Instances the identity may see, newest first, as the REST listing shows them (summaries:
    the same row from either engine; the instance page reads data and history)."""
    page = await engine.list_instances(workflow_name=workflow_name, status=status, limit=limit, caller=identity)
    return Page([InstanceSummary.from_instance(i) for i in page.items], page.next_cursor)


async def get_instance(engine: ExecutionEngine, identity: Identity, instance_id: str) -> WorkflowInstance:
    """One instance; not found when the identity may not see it."""
    return await engine.get_instance(instance_id, caller=identity)


async def start(
    gateway: Gateway,
    engine: ExecutionEngine,
    identity: Identity,
    name: str,
    data: Any,
    business_key: str | None,
) -> WorkflowInstance:
    """Start ``name`` as the identity and wait (up to the settle timeout) for it to settle."""
    return await gateway.settle(
        engine.start_workflow(name, data, business_key=business_key, user_id=identity.user_id, groups=identity.groups)
    )


async def complete(
    gateway: Gateway,
    engine: ExecutionEngine,
    identity: Identity,
    instance_id: str,
    step_name: str,
    data: Any,
    comment: str | None,
) -> WorkflowInstance:
    """Submit a task's form as the identity; the engine validates it before recording anything."""
    return await gateway.settle(
        engine.complete_human_task(
            instance_id, step_name, identity.user_id, data, groups=identity.groups, comment=comment
        )
    )


def completion_refusal(
    engine: ExecutionEngine, task: PendingTask, identity: Identity, instance: WorkflowInstance
) -> str | None:
    """Why the identity may not complete ``task`` (a claim, assignment and four-eyes rules); ``None`` if it may."""
    return task_hints.completion_refusal(engine, task, identity, instance)


async def operate(
    gateway: Gateway,
    engine: ExecutionEngine,
    identity: Identity,
    instance_id: str,
    kind: str,
    step_name: str,
    request: TaskOperationRequest,
    *,
    idempotency_key: str | None = None,
) -> WorkflowInstance:
    """Claim, unclaim, reassign, delegate, take back or comment as the identity: the operation the
    REST routes build from the same body, through the same engine call (``operate_task``); the
    engine's rules refuse whoever may not."""
    operation = request.operation(kind, step_name, identity.user_id, identity.groups)
    return await gateway.settle(engine.operate_task(instance_id, operation, idempotency_key=idempotency_key))


class _Starter:
    """The one field of an instance's state the cancel rule reads."""

    def __init__(self, started_by: str | None) -> None:
        self.started_by = started_by


def cancel_refusal(gateway: Gateway, instance: WorkflowInstance, identity: Identity) -> str | None:
    """Why the identity may not cancel ``instance``; ``None`` if it may (the engine's cancel rule)."""
    if instance.status.is_finished:
        return f"it is {instance.status.value}"
    state = cast(InstanceState, _Starter(instance.context.metadata.get("started_by")))
    return access.cancel_error(state, identity, gateway.settings.admin_groups)


async def cancel(engine: ExecutionEngine, identity: Identity, instance_id: str, reason: str) -> WorkflowInstance:
    """Cancel the instance as the identity (the engine refuses whoever may not)."""
    return await engine.cancel_workflow(
        instance_id, f"by {identity.user_id}" + (f": {reason}" if reason else ""), caller=identity
    )
