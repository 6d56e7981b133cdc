"""Routes of the human-task operations: claim, unclaim, reassign, delegate, take back, comment,
send back, and the task's record (claim, escalation level, hand-overs, decisions, comments) with its ETag.

Thin like :mod:`api.routes`: who may do what is the engine's (:mod:`litestar_workflows.rules.tasks`,
run in the Temporal workflow's update validator); a refusal changes nothing and is answered with
problem+json (409 ``task-claimed``, 403 ``not-allowed``, 412 ``revision-mismatch``, 422
``form-invalid`` naming the field). ``If-Match`` carries the revision the caller saw (the ETag of
``GET .../record`` or of the instance); ``Idempotency-Key`` makes a retry answer like the first
request (on Temporal the update id is derived from the user, the key and the operation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import Example
from litestar.params import Body, HeaderParameter
from litestar.status_codes import HTTP_200_OK

from api.auth import Identity
from api.gateway import Gateway, SettleTimeout
from api.paths import instance_path, segment_value
from api.problems import Accepted, problem_responses
from api.route_support import (
    ACCEPTED_RESPONSE,
    IdempotencyKey,
    InstanceIdParam,
    StepNameParam,
    expected_revision,
)
from api.task_models import (
    CommentRequest,
    DelegateRequest,
    ReassignRequest,
    SendBackRequest,
    TaskOperationRequest,
    TaskRecordView,
)
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import StepNotWaitingError
from litestar_workflows.rules.tasks import TaskOperation

__all__ = ["SendBackRequest", "TaskOperationRequest", "TaskOperationsController", "TaskRecordView"]

_PROBLEMS = (
    "unauthorized",
    "validation-error",
    "engine-unavailable",
    "malformed-request",
    "not-allowed",
    "instance-not-found",
    "task-not-found",
    "step-not-waiting",
    "task-claimed",
    "instance-finished",
    "revision-mismatch",
    "form-invalid",
    "payload-too-large",
)

_RECORD_PROBLEMS = (
    "unauthorized",
    "validation-error",
    "engine-unavailable",
    "instance-not-found",
    "task-not-found",
    "step-not-waiting",
)

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=100,
        description="The instance revision the caller saw (an ETag, quoted or not); 412 if it changed since",
    ),
]


def _jsonable(record: Any) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in vars(record).items()}


def record_view(instance: WorkflowInstance, step: str) -> TaskRecordView:
    """The record of ``step`` in ``instance``."""
    ledger = instance.tasks
    task = next((t for t in instance.pending_tasks if t.step_name == step), None)
    ops = ledger.ops.get(step)
    return TaskRecordView(
        instance_id=instance.id,
        step_name=step,
        revision=instance.revision,
        waiting=task is not None,
        assignee=task.assignee if task else None,
        candidate_groups=list(task.candidate_groups) if task else [],
        claimed_by=ops.claimed_by if ops else None,
        delegated_by=ops.delegated_by if ops else None,
        escalation_level=ops.escalation_level if ops else 0,
        reminders_sent=ops.reminders_sent if ops else 0,
        approvals=sum(v.approved for v in ops.votes) if ops else 0,
        handovers=[_jsonable(h) for h in ledger.handovers if h.step_name == step],
        decisions=[_jsonable(d) for d in ledger.decisions if d.step_name == step],
        comments=[_jsonable(c) for c in ledger.comments if c.step_name == step],
    )


def _answer(instance: WorkflowInstance, step: str) -> Response[TaskRecordView]:
    return Response(record_view(instance, step), headers={"ETag": f'"{instance.revision}"'})


async def _operate(
    engine: ExecutionEngine,
    identity: Identity,
    kind: str,
    instance_id: str,
    step_name: str,
    body: TaskOperationRequest | None,
    if_match: str | None,
    idempotency_key: str | None,
) -> Response[TaskRecordView]:
    iid, step = segment_value(instance_id), segment_value(step_name)
    body = body or TaskOperationRequest()
    op = body.operation(kind, step, identity.user_id, identity.groups, expected_revision=expected_revision(if_match))
    instance = await engine.operate_task(iid, op, idempotency_key=idempotency_key)
    return _answer(instance, step)


_REASON = [Example(summary="With a reason", value={"reason": "I am handling the supplier call"})]
_REASSIGN = [
    Example(summary="To the finance leads", value={"to_groups": ["finance-leads"], "reason": "bob is on leave"}),
    Example(summary="To one user", value={"to_user": "erin", "reason": "erin knows the supplier"}),
]
_DELEGATE = [Example(summary="Keep the right to take it back", value={"to_user": "zoe", "keep_right": True})]
_COMMENT = [Example(summary="A comment", value={"text": "Asked the supplier for a second quote"})]
_SEND_BACK = [
    Example(summary="Request changes", value={"comment": "Please add the Q3 figures to section 2"}),
    Example(
        summary="With an idempotency key",
        value={"comment": "The totals do not add up", "idempotency_key": "send-back-7f3a"},
    ),
]


class TaskOperationsController(Controller):
    """Claim, unclaim, reassign, delegate, take back and comment on a waiting task."""

    path = "/tasks"
    tags = ["tasks"]

    @get(
        "/{instance_id:str}/{step_name:str}/record",
        summary="The task's claim, escalation level, hand-overs, decisions and comments (ETag: the revision)",
        responses=problem_responses(
            "unauthorized",
            "validation-error",
            "engine-unavailable",
            "instance-not-found",
            "task-not-found",
            "step-not-waiting",
        ),
    )
    async def get_record(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
    ) -> Response[TaskRecordView]:
        """What happened to the task so far; the ``ETag`` is the revision to send as ``If-Match``."""
        iid, step = segment_value(instance_id), segment_value(step_name)
        instance = await engine.get_instance(iid, caller=identity)
        graph = engine.registry.get_graph(instance.workflow_name, instance.workflow_version)
        if not graph.has_step(step) or not graph.step(step).is_human:
            raise StepNotWaitingError(iid, step, "it is not a human step of this instance")
        return _answer(instance, step)

    @post(
        "/{instance_id:str}/{step_name:str}/claim",
        summary="Claim a task: only the claimer may complete it until it is unclaimed",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_PROBLEMS),
    )
    async def claim(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        data: Annotated[TaskOperationRequest | None, Body(examples=_REASON)] = None,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Claim the task (a candidate). Claiming a task someone else claimed is a 409 ``task-claimed``."""
        return await _operate(engine, identity, "claim", instance_id, step_name, data, if_match, idempotency_key)

    @post(
        "/{instance_id:str}/{step_name:str}/unclaim",
        summary="Give a claimed task back to its candidates (the claimer, an admin or a manager)",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_PROBLEMS),
    )
    async def unclaim(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Unclaim the task."""
        return await _operate(engine, identity, "unclaim", instance_id, step_name, None, if_match, idempotency_key)

    @post(
        "/{instance_id:str}/{step_name:str}/reassign",
        summary="Reassign a task to a user and/or groups (admins and the step's manager groups)",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_PROBLEMS),
    )
    async def reassign(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        data: Annotated[ReassignRequest, Body(examples=_REASSIGN)],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Hand the task over; recorded (who, when, from, to, why) and published as ``task.reassigned``."""
        return await _operate(engine, identity, "reassign", instance_id, step_name, data, if_match, idempotency_key)

    @post(
        "/{instance_id:str}/{step_name:str}/delegate",
        summary="Delegate a task you hold to another user, optionally keeping the right to take it back",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_PROBLEMS),
    )
    async def delegate(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        data: Annotated[DelegateRequest, Body(examples=_DELEGATE)],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Delegate the task (its holder: the claimer or the assignee)."""
        return await _operate(engine, identity, "delegate", instance_id, step_name, data, if_match, idempotency_key)

    @post(
        "/{instance_id:str}/{step_name:str}/take-back",
        summary="Take back a task you delegated while keeping the right",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_PROBLEMS),
    )
    async def take_back(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Take the task back; the delegator then holds it as a claim."""
        return await _operate(engine, identity, "take_back", instance_id, step_name, None, if_match, idempotency_key)

    @post(
        "/{instance_id:str}/{step_name:str}/comments",
        summary="Comment on a task without completing it",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_PROBLEMS),
    )
    async def comment(
        self,
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        data: Annotated[CommentRequest, Body(examples=_COMMENT)],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Add a comment (at most 2 KiB, 50 per task; participants only)."""
        body = TaskOperationRequest(text=data.text)
        return await _operate(engine, identity, "comment", instance_id, step_name, body, if_match, idempotency_key)

    @post(
        "/{instance_id:str}/{step_name:str}/send-back",
        summary="Send a task back along its step's send-back (request changes) edge, with a comment",
        status_code=HTTP_200_OK,
        responses={**ACCEPTED_RESPONSE, **problem_responses(*_PROBLEMS, "budget-exceeded")},
    )
    async def send_back(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        step_name: StepNameParam,
        data: Annotated[SendBackRequest, Body(examples=_SEND_BACK)],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[TaskRecordView]:
        """Close the task without form data and go on at the step's send-back edge(s); whoever may
        complete the task may send it back (claim and four-eyes rules apply). The decision record
        says ``sent back`` with the comment. 403 ``not-allowed`` when the step has no send-back
        edge; the answer is the task's record, once the instance has settled (202 if it takes
        longer than the settle timeout)."""
        iid, step = segment_value(instance_id), segment_value(step_name)
        if idempotency_key and data.idempotency_key and idempotency_key != data.idempotency_key:
            message = "the Idempotency-Key header and the body's idempotency_key differ; send one, or both equal"
            raise ValidationException(
                detail=message, extra=[{"message": message, "key": "idempotency_key", "source": "body"}]
            )
        op = TaskOperation(
            "send_back",
            step,
            identity.user_id,
            tuple(identity.groups),
            text=data.comment,
            expected_revision=expected_revision(if_match),
        )
        key = idempotency_key or data.idempotency_key
        try:
            instance = await gateway.settle(engine.operate_task(iid, op, idempotency_key=key))
        except SettleTimeout:
            raise Accepted(
                iid,
                gateway.prefix + instance_path(iid),
                "The send-back was accepted but the instance has not settled yet; it goes on in the background",
            ) from None
        return _answer(instance, step)
