"""``can_complete`` and the UI's "you cannot complete this because ...": hints about a task for
the caller, computed with the engine's own rules (:func:`litestar_workflows.rules.access.task_completion_error`:
someone else's claim, the assignment, the four-eyes options) on the step as its current offer sees it.

A hint, not a decision: the engine's validators decide on completion. The four-eyes options need
the instance's starter and who decided the steps ``exclude_completers_of`` names. A listing has
them from its rows (:class:`~litestar_workflows.rules.listing_facts.ListedTask`: the run's memo
on Temporal, the state on the local engine), so :func:`can_complete_page` asks no workflow
(issue #10: an inbox page of 50 expense tasks took 305-348 ms with one query per task); a row
without them (an instance started before the runs published them) is ``None``, "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import WorkflowNotFoundError
from litestar_workflows.rules import access
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.listing_facts import FourEyesFacts, ListedTask, StepDecider
from litestar_workflows.rules.spec import StepSpec
from litestar_workflows.rules.tasks import offer_step

__all__ = ["NOT_LOADED", "can_complete", "can_complete_page", "completion_refusal"]

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


def _with_facts(step: StepSpec, task: PendingTask, identity: Caller, facts: FourEyesFacts) -> bool | None:
    """The hint from a listing row's facts; ``None`` when the row lacks one the step needs."""
    if (step.exclude_starter or step.assignee_not_starter) and not facts.started_by_known:
        return None
    if any(name not in facts.completers for name in step.exclude_completers_of):
        return None
    decided = [StepDecider(name, user) for name in step.exclude_completers_of for user in facts.completers[name]]
    reason = access.task_completion_error(
        step,
        task,
        identity.user_id,
        identity.groups,
        claimed_by=task.claimed_by,
        started_by=facts.started_by,
        history=(),
        decisions=decided,
    )
    return reason is None


def _without_instance(engine: ExecutionEngine, task: PendingTask, identity: Caller) -> bool | None:
    """The hint from the task (and, for a listed one, its row's four-eyes facts): ``None`` when
    the four-eyes options need what the task does not carry."""
    step = _step(engine, task)
    if step is None:
        return None
    reason = access.task_completion_error(
        step, task, identity.user_id, identity.groups, claimed_by=task.claimed_by, started_by=None, history=()
    )
    if reason is not None:
        return False
    if not access.four_eyes_needs_instance(step):
        return True
    facts = task.four_eyes if isinstance(task, ListedTask) else None
    return None if facts is None else _with_facts(step, task, identity, facts)


def can_complete(
    engine: ExecutionEngine, task: PendingTask, identity: Caller, instance: WorkflowInstance | None
) -> bool | None:
    """Whether ``identity`` may complete ``task`` now; ``None`` when it cannot be told here."""
    if instance is None:
        return _without_instance(engine, task, identity)
    if _step(engine, task) is None:
        return None
    return completion_refusal(engine, task, identity, instance) is None


def can_complete_page(engine: ExecutionEngine, tasks: Sequence[PendingTask], identity: Caller) -> list[bool | None]:
    """:func:`can_complete` of each task of a listing page, from the tasks and their rows' facts
    alone (no instance is fetched)."""
    return [_without_instance(engine, task, identity) for task in tasks]
