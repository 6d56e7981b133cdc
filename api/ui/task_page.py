"""The task page: what it is about, its form (or why the user may not complete it), and the task
operations the user is offered (claim, unclaim, comment, reassign, delegate, take back, send back).

Which operation buttons appear is read off the engine's view of the instance (who claimed the
task, who delegated it, the step's manager groups) and the engine's completion rule; it only
hides buttons that could not succeed. Every button posts to the engine, whose rules decide.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response

from api.auth import Identity
from api.ui import calls
from api.ui.forms import build_fields
from api.ui.site import UISite
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import WorkflowNotFoundError
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.tasks import MAX_COMMENT_BYTES, MAX_REASON_CHARS

__all__ = ["OperationError", "TaskActions", "render_task_page", "task_actions"]


@dataclass(frozen=True)
class TaskActions:
    """The operations offered to the signed-in user on a waiting task, and what they depend on."""

    claim: bool = False
    unclaim: bool = False
    reassign: bool = False
    delegate: bool = False
    take_back: bool = False
    comment: bool = True
    send_back: bool = False
    claimed_by: str | None = None
    delegated_by: str | None = None


@dataclass(frozen=True)
class OperationError:
    """An operation the engine refused: its problem title and detail, and field messages.

    Attributes:
        operation: The form it came from (``claim``, ``comments``, ``delegate``, ...).
        title: The problem's title (as REST's problem+json).
        detail: The problem's detail.
        fields: ``(field, message)`` pairs.
    """

    operation: str
    title: str
    detail: str
    fields: tuple[tuple[str, str], ...] = ()


def _graph_step(
    engine: ExecutionEngine, instance: WorkflowInstance, step: str
) -> tuple[GraphSpec | None, StepSpec | None]:
    try:
        graph = engine.registry.get_graph(instance.workflow_name, instance.workflow_version)
        return graph, graph.step(step)
    except (WorkflowNotFoundError, KeyError):
        return None, None


def task_actions(
    site: UISite,
    engine: ExecutionEngine,
    identity: Identity,
    instance: WorkflowInstance,
    step: str,
    refusal: str | None,
) -> TaskActions:
    """The buttons to show for ``step`` of ``instance``; ``refusal`` is the completion hint."""
    task = next((t for t in instance.pending_tasks if t.step_name == step), None)
    graph, spec = _graph_step(engine, instance, step)
    if task is None or graph is None or spec is None:
        return TaskActions(comment=False)
    ops = instance.tasks.ops.get(step)
    claimed = task.claimed_by
    # The engine's own admin groups (both engines have them), else the gateway's setting.
    admins = getattr(engine, "admin_groups", None) or site.gateway.settings.admin_groups
    managers = set(admins) | set(spec.manager_groups)
    manager = bool(managers & set(identity.groups))
    me = identity.user_id
    return TaskActions(
        claim=claimed is None and refusal is None,
        unclaim=claimed is not None and (claimed == me or manager),
        reassign=manager,
        delegate=(claimed or task.assignee) == me,
        take_back=ops is not None and ops.delegated_by == me and ops.may_take_back,
        # Whoever may complete it may send it back, along the step's "request changes" edges.
        send_back=refusal is None and bool(graph.send_back_targets(step)),
        claimed_by=claimed,
        delegated_by=ops.delegated_by if ops is not None else None,
    )


def render_task_page(
    request: Request[Any, Any, Any],
    site: UISite,
    engine: ExecutionEngine,
    identity: Identity,
    instance: WorkflowInstance,
    step: str,
    *,
    fields: Any = None,
    general: list[str] | None = None,
    refusal: str | None = None,
    op_error: OperationError | None = None,
    op_values: dict[str, Any] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    """The task page of ``step`` in ``instance`` for ``identity``."""
    task = next((t for t in instance.pending_tasks if t.step_name == step), None)
    completed = next(
        (h for h in reversed(instance.context.step_history) if h.step_name == step and h.completed_by), None
    )
    if task is not None and refusal is None:
        refusal = calls.completion_refusal(engine, task, identity, instance)
    return site.page(
        request,
        "task.html",
        identity=identity,
        title=task.title if task else step,
        task=task,
        step_name=step,
        instance=instance,
        instance_url=site.url("instances", instance.id),
        task_url=site.url("tasks", instance.id, step),
        done=completed,
        refusal=refusal,
        fields=fields if fields is not None else build_fields(task.form_schema if task else None),
        general=general or [],
        actions=task_actions(site, engine, identity, instance, step, refusal),
        comments=[c for c in instance.tasks.comments if c.step_name == step],
        op_error=op_error,
        op_values=op_values or {},
        op_done=done,
        operation_key=secrets.token_urlsafe(18),
        max_comment=MAX_COMMENT_BYTES,
        max_reason=MAX_REASON_CHARS,
        status_code=status_code,
    )
