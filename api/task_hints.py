"""``can_complete`` and the UI's "you cannot complete this because ...": hints about a task for
the caller, computed with the engine's own rules (:func:`litestar_workflows.rules.access.task_completion_error`:
someone else's claim, the assignment, the four-eyes options) on the step as its current offer sees it.

A hint, not a decision: the engine's validators decide on completion. The four-eyes options need
the instance (its starter, who completed which step); a listing has only the tasks, so
:func:`can_complete_page` fetches the instances of the tasks that need them (the caller passes the
cheaper checks first, at most :data:`FETCH_CONCURRENCY` at a time); one that cannot be read is
``None`` ("unknown"), never a failure of the listing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from temporalio.service import RPCError

from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import WorkflowNotFoundError, WorkflowsError
from litestar_workflows.rules import access
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.spec import StepSpec
from litestar_workflows.rules.tasks import offer_step

__all__ = ["FETCH_CONCURRENCY", "NOT_LOADED", "can_complete", "can_complete_page", "completion_refusal"]

FETCH_CONCURRENCY = 8
"""Instances fetched at once for the hints of one listing page."""

NOT_LOADED = "its definition is not loaded by this gateway"
"""The refusal of a task whose definition version this gateway does not have."""


def _step(engine: ExecutionEngine, task: PendingTask) -> StepSpec | None:
    try:
        return engine.registry.get_graph(task.workflow_name, task.workflow_version).step(task.step_name)
    except (WorkflowNotFoundError, KeyError):
        return None


def completion_refusal(
    engine: ExecutionEngine, task: PendingTask, identity: Caller, instance: WorkflowInstance
) -> str | None:
    """Why ``identity`` may not complete ``task`` of ``instance`` now; ``None`` if they may."""
    step = _step(engine, task)
    if step is None:
        return NOT_LOADED
    return access.task_completion_error(
        offer_step(step, task, instance.tasks.ops.get(task.step_name)),
        task,
        identity.user_id,
        identity.groups,
        claimed_by=task.claimed_by,
        started_by=instance.context.metadata.get("started_by"),
        history=instance.context.step_history,
        decisions=instance.tasks.decisions,
    )


def _without_instance(engine: ExecutionEngine, task: PendingTask, identity: Caller) -> bool | None:
    """The hint from the task alone: ``False`` (refused already), ``True`` (no four-eyes options),
    ``None`` (the instance is needed)."""
    step = _step(engine, task)
    if step is None:
        return None
    reason = access.task_completion_error(
        step, task, identity.user_id, identity.groups, claimed_by=task.claimed_by, started_by=None, history=()
    )
    if reason is not None:
        return False
    return None if access.four_eyes_needs_instance(step) else True


def can_complete(
    engine: ExecutionEngine, task: PendingTask, identity: Caller, instance: WorkflowInstance | None
) -> bool | None:
    """Whether ``identity`` may complete ``task`` now; ``None`` when it cannot be told here."""
    if instance is None:
        return _without_instance(engine, task, identity)
    if _step(engine, task) is None:
        return None
    return completion_refusal(engine, task, identity, instance) is None


async def can_complete_page(
    engine: ExecutionEngine, tasks: Sequence[PendingTask], identity: Caller
) -> list[bool | None]:
    """:func:`can_complete` of each task of a listing page, fetching (as ``identity``) the
    instances the four-eyes options need."""
    hints = [_without_instance(engine, t, identity) for t in tasks]
    wanted = sorted({t.instance_id for t, h in zip(tasks, hints, strict=True) if h is None and _step(engine, t)})
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def fetch(instance_id: str) -> WorkflowInstance | None:
        async with gate:
            try:
                return await engine.get_instance(instance_id, caller=identity)
            except (WorkflowsError, RPCError, OSError):
                return None

    found = dict(zip(wanted, await asyncio.gather(*(fetch(i) for i in wanted)), strict=True))
    for i, task in enumerate(tasks):
        instance = found.get(task.instance_id)
        if hints[i] is None and instance is not None:
            current = next((t for t in instance.pending_tasks if t.step_name == task.step_name), task)
            hints[i] = completion_refusal(engine, current, identity, instance) is None
    return hints
