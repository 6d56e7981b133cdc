"""The gateway's instance routes: start, list, get, cancel, pause, resume. Thin: parse, call the
engine, shape the answer; errors go to :mod:`api.problems`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, BodyKwarg, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth import Identity
from api.gateway import Gateway, SettleTimeout
from api.models import (
    CancelInstanceRequest,
    InstanceList,
    InstanceSummary,
    InstanceView,
    StartInstanceRequest,
)
from api.paths import instance_path, segment_value
from api.problems import Accepted, problem_responses
from api.route_support import (
    ACCEPTED_RESPONSE,
    AUTH_PROBLEMS,
    CursorParam,
    IdempotencyKey,
    InstanceIdParam,
    LimitParam,
    WorkflowFilter,
    cursor_errors,
    instance_view,
)
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.rules.idempotency import start_business_key

__all__ = ["InstancesController"]


_START_EXAMPLES = [
    Example(
        summary="An expense request with a business key",
        value={
            "workflow_name": "expense_approval",
            "initial_data": {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"},
            "business_key": "expense-2024-0042",
        },
    )
]


class InstancesController(Controller):
    """Workflow instances: start, inspect, list, cancel."""

    path = "/instances"
    tags = ["instances"]

    @post(
        "/",
        summary="Start an instance",
        status_code=HTTP_201_CREATED,
        responses={
            200: ResponseSpec(
                InstanceView,
                generate_examples=False,
                description="An instance with this business key (or Idempotency-Key) existed already: it is returned",
            ),
            **ACCEPTED_RESPONSE,
            **problem_responses(
                *AUTH_PROBLEMS,
                "malformed-request",
                "input-too-deep",
                "definition-not-found",
                "business-key-conflict",
                "payload-too-large",
                "budget-exceeded",
            ),
        },
    )
    async def start_instance(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[StartInstanceRequest, BodyKwarg(media_type=RequestEncodingType.JSON, examples=_START_EXAMPLES)],
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[InstanceView]:
        """Start an instance and answer once it has settled (waiting at a human step, completed or failed).

        With a ``business_key`` (or, when none is given, an ``Idempotency-Key`` header, used as the
        business key) a repeated request returns the existing instance with 200 instead of starting
        another; the same key with different data is a 409.
        """
        received_at = datetime.now(UTC)
        # An Idempotency-Key is the caller's own: scoped by user, so nobody else's key replays it.
        business_key = data.business_key or (
            start_business_key(identity.user_id, idempotency_key) if idempotency_key else None
        )
        try:
            instance = await gateway.settle(
                engine.start_workflow(
                    data.workflow_name,
                    data.initial_data,
                    data.version,
                    business_key=business_key,
                    user_id=identity.user_id,
                    groups=identity.groups,
                )
            )
        except SettleTimeout:
            raise await _start_accepted(engine, gateway, data.workflow_name, business_key, identity) from None
        # An instance that started before this request arrived was not created by it.
        status = HTTP_200_OK if instance.started_at < received_at else HTTP_201_CREATED
        return Response(
            instance_view(instance, gateway, engine, identity),
            status_code=status,
            headers={"Location": gateway.prefix + instance_path(instance.id)},
        )

    @get("/", summary="List instances", responses=problem_responses(*AUTH_PROBLEMS))
    async def list_instances(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        workflow_name: WorkflowFilter = None,
        status: Annotated[WorkflowStatus | None, QueryParameter(description="Only this status")] = None,
        limit: LimitParam = 50,
        cursor: CursorParam = None,
    ) -> InstanceList:
        """Instances, newest first, filtered by definition and status; follow ``next_cursor`` for more.

        Each item is a summary (no data, history or tasks: ``GET`` its ``links.self`` for those);
        on Temporal a page is one visibility query, no instance is asked.
        """
        # What a page holds depends on who asks: a cursor is only good for the same user and groups.
        scope = json.dumps(["instances", workflow_name, status, identity.user_id, sorted(identity.groups)])
        with cursor_errors(cursor):
            page = await engine.list_instances(
                workflow_name=workflow_name,
                status=status,
                limit=limit,
                cursor=gateway.cursors.unwrap(cursor, scope),
                caller=identity,
            )
        return InstanceList(
            items=[InstanceSummary.from_instance(i, prefix=gateway.prefix) for i in page.items],
            next_cursor=gateway.cursors.wrap(page.next_cursor, scope),
        )

    @get(
        "/{instance_id:str}",
        summary="Get an instance",
        responses=problem_responses(*AUTH_PROBLEMS, "instance-not-found"),
    )
    async def get_instance(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
    ) -> InstanceView:
        """State, data, step history (who completed what, when), pending tasks and error of an instance
        (404 for whoever may not read it, as if it did not exist)."""
        instance = await engine.get_instance(segment_value(instance_id), caller=identity)
        return instance_view(instance, gateway, engine, identity)

    @post(
        "/{instance_id:str}/cancel",
        summary="Cancel an instance",
        status_code=HTTP_200_OK,
        responses=problem_responses(
            *AUTH_PROBLEMS, "malformed-request", "forbidden", "instance-not-found", "instance-finished"
        ),
    )
    async def cancel_instance(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        data: Annotated[CancelInstanceRequest | None, Body(description="Optional reason")] = None,
    ) -> InstanceView:
        """Cancel a running instance; allowed to the user who started it and to ``WORKFLOWS_ADMIN_GROUPS``."""
        iid = segment_value(instance_id)
        reason = data.reason if data else ""
        canceled = await engine.cancel_workflow(
            iid, f"by {identity.user_id}" + (f": {reason}" if reason else ""), caller=identity
        )
        return instance_view(canceled, gateway, engine, identity)

    @post(
        "/{instance_id:str}/pause",
        summary="Pause an instance",
        status_code=HTTP_200_OK,
        responses=problem_responses(
            *AUTH_PROBLEMS,
            "malformed-request",
            "forbidden",
            "instance-not-found",
            "instance-finished",
            "instance-paused",
        ),
    )
    async def pause_instance(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
        data: Annotated[CancelInstanceRequest | None, Body(description="Optional reason")] = None,
    ) -> InstanceView:
        """Pause an instance: it starts no new step and refuses completions and webhook callbacks until
        resumed (running steps finish, timers keep counting). Allowed to the user who started it and to
        ``WORKFLOWS_ADMIN_GROUPS``."""
        paused = await engine.pause_workflow(segment_value(instance_id), data.reason if data else "", caller=identity)
        return instance_view(paused, gateway, engine, identity)

    @post(
        "/{instance_id:str}/resume",
        summary="Resume a paused instance",
        status_code=HTTP_200_OK,
        responses=problem_responses(
            *AUTH_PROBLEMS, "forbidden", "instance-not-found", "instance-finished", "instance-not-paused"
        ),
    )
    async def resume_instance(
        self,
        engine: NamedDependency[ExecutionEngine],
        gateway: NamedDependency[Gateway],
        identity: NamedDependency[Identity],
        instance_id: InstanceIdParam,
    ) -> InstanceView:
        """Resume a paused instance; answers once it has settled again. Allowed to the user who started
        it and to ``WORKFLOWS_ADMIN_GROUPS``."""
        resumed = await engine.resume_workflow(segment_value(instance_id), caller=identity)
        return instance_view(resumed, gateway, engine, identity)


async def _start_accepted(
    engine: NamedDependency[ExecutionEngine],
    gateway: NamedDependency[Gateway],
    workflow_name: str,
    business_key: str | None,
    identity: Identity,
) -> Accepted:
    detail = "The instance was started but has not settled yet; it goes on in the background"
    if business_key is not None:
        # The newest page holds the instance just started; its business key identifies it.
        page = await engine.list_instances(workflow_name=workflow_name, limit=50, caller=identity)
        for instance in page.items:
            if instance.business_key == business_key:
                return Accepted(instance.id, gateway.prefix + instance_path(instance.id), detail)
    query = urlencode({"workflow_name": workflow_name})
    return Accepted(None, f"{gateway.prefix}/instances?{query}", detail + " (give a business_key to get its link)")
