"""The gateway's task routes: the caller's inbox, one task, completing it (the task operations,
claim to take back, are :mod:`api.task_operations`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import BodyKwarg, HeaderParameter
from litestar.status_codes import HTTP_200_OK

from api.auth import Identity
from api.gateway import Gateway, SettleTimeout
from api.inbox_filters import ShowParam, inbox_shows
from api.models import (
    CompleteTaskRequest,
    InstanceView,
    TaskList,
    TaskView,
)
from api.paths import instance_path, segment_value
from api.problems import Accepted, ProblemError, problem_responses
from api.route_support import (
    ACCEPTED_RESPONSE,
    AUTH_PROBLEMS,
    CursorParam,
    IdempotencyKey,
    InstanceIdParam,
    LimitParam,
    StepNameParam,
    WorkflowFilter,
    can_complete,
    cursor_errors,
    expected_revision,
    instance_view,
)
from api.task_hints import can_complete_page
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import StepType
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import TaskNotFoundError, WorkflowNotFoundError

__all__ = ["TasksController"]


_COMPLETE_EXAMPLES = [
    Example(summary="Approve", value={"data": {"approved": True, "comments": "Approved for Q4 budget"}}),
    Example(summary="Reject with a comment", value={"data": {"approved": False}, "comment": "over budget"}),
]


class TasksController(Controller):
    """Human tasks: the caller's inbox, one task, completing it."""

    path = "/tasks"
    tags = ["tasks"]

    @get("/", summary="The caller's inbox", responses=problem_responses(*AUTH_PROBLEMS))
    async def list_tasks(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        workflow_name: WorkflowFilter = None,
        limit: LimitParam = 50,
        cursor: CursorParam = None,
        show: ShowParam = None,
    ) -> TaskList:
        """Waiting human tasks the caller may complete: assigned to them, offered to one of their
        groups, or open to anyone. Oldest first; follow ``next_cursor`` for more. ``show`` keeps
        the caller's (claimed or assigned), the claimable or the overdue ones of each page."""
        # The inbox depends on who asks: a cursor is only good for the same user and groups.
        scope = json.dumps(["tasks", workflow_name, identity.user_id, sorted(identity.groups)])
        with cursor_errors(cursor):
            page = await engine.list_pending_tasks(
                identity.user_id,
                identity.groups,
                workflow_name=workflow_name,
                limit=limit,
                cursor=gateway.cursors.unwrap(cursor, scope),
            )
        now = datetime.now(UTC)
        kept = [t for t in page.items if inbox_shows(t, identity, show, now)]
        hints = can_complete_page(engine, kept, identity)  # from the rows alone: no workflow is queried
        return TaskList(
            items=[
                TaskView.from_task(t, prefix=gateway.prefix, can_complete=hint)
                for t, hint in zip(kept, hints, strict=True)
            ],
            next_cursor=gateway.cursors.wrap(page.next_cursor, scope),
        )

    @get(
        "/{instance_id:str}/{step_name:str}",
        summary="Get one task with its form schema",
        responses=problem_responses(*AUTH_PROBLEMS, "instance-not-found", "task-not-found"),
    )
    async def get_task(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
    ) -> TaskView:
        """The waiting task with its ``form_schema`` and whether the caller may complete it."""
        iid, step = segment_value(instance_id), segment_value(step_name)
        instance = await engine.get_instance(iid, caller=identity)
        task = next((t for t in instance.pending_tasks if t.step_name == step), None)
        if task is None:
            raise _no_task(engine, instance, step)
        return TaskView.from_task(
            task, prefix=gateway.prefix, can_complete=can_complete(engine, task, identity, instance)
        )

    @post(
        "/{instance_id:str}/{step_name:str}/complete",
        summary="Complete a task and get the instance at its next settle point",
        status_code=HTTP_200_OK,
        responses={
            **ACCEPTED_RESPONSE,
            **problem_responses(
                *AUTH_PROBLEMS,
                "malformed-request",
                "not-allowed",
                "instance-not-found",
                "task-not-found",
                "step-not-waiting",
                "task-already-completed",
                "instance-finished",
                "payload-too-large",
                "budget-exceeded",
                "input-too-deep",
                "form-invalid",
                "task-claimed",
                "revision-mismatch",
            ),
        },
    )
    async def complete_task(
        self,
        data: Annotated[
            CompleteTaskRequest, BodyKwarg(media_type=RequestEncodingType.JSON, examples=_COMPLETE_EXAMPLES)
        ],
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        idempotency_key: IdempotencyKey = None,
        if_match: Annotated[
            str | None,
            HeaderParameter(
                name="If-Match",
                required=False,
                max_length=100,
                description="The instance revision the decision was made on (ETag); 412 if it changed since",
            ),
        ] = None,
    ) -> InstanceView:
        """Submit the step's form as the authenticated user ("complete and get next").

        The workflow checks, before recording anything, that the step is waiting, that the caller
        may complete it (assignee, context-derived assignee or candidate groups) and that ``data``
        satisfies the step's ``form_schema`` (422 lists every failing field). With an
        ``Idempotency-Key`` a retried request returns the first result instead of a 409.
        """
        iid, step = segment_value(instance_id), segment_value(step_name)
        # The engine binds the key to (user, instance, step, body): another user's key, or this
        # key on another request, never replays a result.
        key = idempotency_key
        try:
            instance = await gateway.settle(
                engine.complete_human_task(
                    iid,
                    step,
                    identity.user_id,
                    data.data,
                    groups=identity.groups,
                    comment=data.comment,
                    idempotency_key=key,
                    expected_revision=expected_revision(if_match),
                )
            )
        except SettleTimeout:
            raise Accepted(
                iid,
                gateway.prefix + instance_path(iid),
                "The completion was accepted but the instance has not settled yet; it goes on in the background",
            ) from None
        return instance_view(instance, gateway, engine, identity)


def _no_task(engine: NamedDependency[ExecutionEngine], instance: WorkflowInstance, step: str) -> Exception:
    try:
        graph = engine.registry.get_graph(instance.workflow_name, instance.workflow_version)
    except WorkflowNotFoundError:
        graph = None
    if graph is not None and not graph.has_step(step):
        return TaskNotFoundError(instance.id, step)
    if graph is not None and graph.step(step).kind != StepType.HUMAN:
        reason = "it is a machine step"
    elif instance.status.is_finished:
        reason = f"the instance is {instance.status.value}"
    elif instance.pending_steps:
        reason = "the instance is waiting at " + ", ".join(map(repr, instance.pending_steps))
    else:
        reason = "the instance is not waiting at it"
    done = next((h for h in reversed(instance.context.step_history) if h.step_name == step and h.completed_by), None)
    if done is not None:
        reason = f"it was completed by {done.completed_by!r}"
    return ProblemError(
        "task-not-found",
        f"Step {step!r} of instance {instance.id!r} is not waiting for input: {reason}",
        instance_id=instance.id,
        step_name=step,
    )
