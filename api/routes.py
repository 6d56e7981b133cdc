"""The gateway's routes. Thin: parse, call the engine, shape the answer; errors go to :mod:`api.problems`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, BodyKwarg, HeaderParameter, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Identity
from api.gateway import Gateway, SettleTimeout
from api.inbox_filters import ShowParam, inbox_shows
from api.models import (
    BUSINESS_KEY_PATTERN,
    NO_CONTROL_CHARS_PATTERN,
    AcceptedView,
    CancelInstanceRequest,
    CompleteTaskRequest,
    DefinitionSummary,
    DefinitionView,
    DevToken,
    GraphEdge,
    GraphNode,
    GraphView,
    HealthView,
    InstanceList,
    InstanceView,
    ReadyView,
    StartInstanceRequest,
    TaskList,
    TaskView,
)
from api.paths import instance_path, segment_value
from api.problems import Accepted, ProblemError, problem_responses
from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.core.types import StepType, WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import TaskNotFoundError, WorkflowNotFoundError, WorkflowsError
from litestar_workflows.rules import access
from litestar_workflows.rules.idempotency import start_business_key
from litestar_workflows.rules.spec import to_mermaid

__all__ = [
    "DefinitionsController",
    "InstancesController",
    "SystemController",
    "TasksController",
    "dev_token",
]

NO_CONTROL_CHARS = NO_CONTROL_CHARS_PATTERN
_TRANSIENT = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED)
_AUTH = ("unauthorized", "validation-error", "engine-unavailable")
_ACCEPTED = {
    202: ResponseSpec(
        AcceptedView,
        generate_examples=False,
        description="Accepted, but the instance had not settled within WORKFLOWS_SETTLE_TIMEOUT; poll `Location`",
    )
}

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
_COMPLETE_EXAMPLES = [
    Example(summary="Approve", value={"data": {"approved": True, "comments": "Approved for Q4 budget"}}),
    Example(summary="Reject with a comment", value={"data": {"approved": False}, "comment": "over budget"}),
]

InstanceIdParam = Annotated[
    str,
    PathParameter(
        description="Instance id, percent-encoded as one path segment (`expense_approval%2Fexpense-2024-0042`)",
        max_length=1000,
        pattern=NO_CONTROL_CHARS,
        examples=[Example(summary="Started with a business key", value="expense_approval/expense-2024-0042")],
    ),
]
StepNameParam = Annotated[
    str,
    PathParameter(
        description="Human step name",
        max_length=200,
        pattern=NO_CONTROL_CHARS,
        examples=[Example(summary="A step", value="manager_approval")],
    ),
]
NameParam = Annotated[
    str,
    PathParameter(
        description="Definition name",
        max_length=200,
        pattern=NO_CONTROL_CHARS,
        examples=[Example(summary="A definition", value="expense_approval")],
    ),
]
VersionParam = Annotated[
    str | None,
    QueryParameter(description="Definition version (latest if omitted)", max_length=100, pattern=NO_CONTROL_CHARS),
]
LimitParam = Annotated[int, QueryParameter(ge=1, le=200, description="Page size")]
CursorParam = Annotated[
    str | None,
    QueryParameter(
        max_length=2000,
        pattern=r"^[A-Za-z0-9_.=-]*$",
        description="`next_cursor` of the previous page (an opaque token; a made-up one is a 400)",
    ),
]
WorkflowFilter = Annotated[
    str | None,
    QueryParameter(max_length=200, pattern=NO_CONTROL_CHARS, description="Only instances of this definition"),
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        pattern=BUSINESS_KEY_PATTERN,
        description="Makes a retried request return the first result instead of acting twice",
    ),
]


@contextmanager
def _cursor_errors(cursor: str | None) -> Iterator[None]:
    """A cursor the gateway did not sign, or the engine rejects, is the client's mistake: 400, not 500.

    Signed cursors (:mod:`api.cursors`) keep made-up ones away from the engine; should one get
    through anyway (the key is derived from a public key under RS256), Temporal's RPC error for
    it is still blamed on the cursor.
    """
    try:
        yield
    except ValueError as exc:
        if isinstance(exc, WorkflowsError):
            raise
        raise _bad_cursor(str(exc) or "invalid cursor") from exc
    except RPCError as exc:
        if not cursor or exc.status in _TRANSIENT:
            raise
        raise _bad_cursor(f"invalid cursor {cursor!r}: the engine rejected it") from exc


def _bad_cursor(message: str) -> ValidationException:
    return ValidationException(detail=message, extra=[{"message": message, "key": "cursor", "source": "query"}])


def _can_complete(
    engine: ExecutionEngine, task: PendingTask, identity: Identity, instance: WorkflowInstance | None
) -> bool | None:
    """A hint for clients (the engine decides on completion); ``None`` when it cannot be told here."""
    try:
        step = engine.registry.get_graph(task.workflow_name, task.workflow_version).step(task.step_name)
    except (WorkflowNotFoundError, KeyError):
        return None
    started_by = None if instance is None else instance.context.metadata.get("started_by")
    history = [] if instance is None else instance.context.step_history
    reason = access.completion_error(
        step, task, identity.user_id, identity.groups, started_by=started_by, history=history
    )
    return reason is None


def _instance_view(
    instance: WorkflowInstance, gateway: Gateway, engine: ExecutionEngine, identity: Identity
) -> InstanceView:
    view = InstanceView.from_instance(instance, prefix=gateway.prefix)
    for task_view, task in zip(view.pending_tasks, instance.pending_tasks, strict=True):
        task_view.can_complete = _can_complete(engine, task, identity, instance)
    return view


# --- definitions ------------------------------------------------------------------------------


class DefinitionsController(Controller):
    """Registered workflow definitions."""

    path = "/definitions"
    tags = ["definitions"]

    @get("/", summary="List definitions (latest version of each)", responses=problem_responses(*_AUTH))
    async def list_definitions(self, gateway: NamedDependency[Gateway]) -> list[DefinitionSummary]:
        """Every registered definition at its latest version, with all its versions."""
        registry = gateway.registry
        return [
            DefinitionSummary(
                name=d.name,
                version=d.version,
                versions=registry.get_versions(d.name),
                description=d.description,
                human_steps=[s.name for s in registry.get_graph(d.name, d.version).steps if s.is_human],
            )
            for d in registry.list_definitions(latest_only=True)
        ]

    @get(
        "/{name:str}",
        summary="Get a definition with its steps and form schemas",
        responses=problem_responses(*_AUTH, "definition-not-found"),
    )
    async def get_definition(
        self, gateway: NamedDependency[Gateway], name: NameParam, version: VersionParam = None
    ) -> DefinitionView:
        """The definition's steps (each human step with its ``form_schema`` and assignment) and edges."""
        graph = gateway.registry.get_graph(name, version)
        return DefinitionView.from_graph(graph, gateway.registry.get_versions(name))

    @get(
        "/{name:str}/graph",
        summary="Get a definition's graph (nodes, edges and Mermaid source)",
        responses=problem_responses(*_AUTH, "definition-not-found"),
    )
    async def get_graph(
        self, gateway: NamedDependency[Gateway], name: NameParam, version: VersionParam = None
    ) -> GraphView:
        """Nodes and edges (including deadline paths) plus the same graph as Mermaid ``flowchart`` source."""
        graph = gateway.registry.get_graph(name, version)
        edges = [GraphEdge(source=e.source, target=e.target, label=e.label) for e in graph.edges]
        edges += [
            GraphEdge(source=s.name, target=s.on_deadline, label=f"deadline {s.deadline_seconds:g}s", kind="deadline")
            for s in graph.steps
            if s.on_deadline
        ]
        return GraphView(
            name=graph.name,
            version=graph.version,
            nodes=[
                GraphNode(
                    id=s.name,
                    label=s.title or s.name,
                    kind=s.kind,
                    initial=s.name == graph.initial_step,
                    terminal=graph.is_terminal(s.name),
                )
                for s in graph.steps
            ],
            edges=edges,
            mermaid=to_mermaid(graph),
        )

    @get(
        "/{name:str}/graph/mermaid",
        summary="Get a definition's graph as Mermaid source",
        media_type=MediaType.TEXT,
        responses=problem_responses(*_AUTH, "definition-not-found"),
    )
    async def get_mermaid(
        self, gateway: NamedDependency[Gateway], name: NameParam, version: VersionParam = None
    ) -> str:
        """Mermaid ``flowchart`` source, ready to paste into a Markdown file or https://mermaid.live."""
        return to_mermaid(gateway.registry.get_graph(name, version))


# --- instances -----------------------------------------------------------------------------


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
            **_ACCEPTED,
            **problem_responses(
                *_AUTH,
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
            _instance_view(instance, gateway, engine, identity),
            status_code=status,
            headers={"Location": gateway.prefix + instance_path(instance.id)},
        )

    @get("/", summary="List instances", responses=problem_responses(*_AUTH))
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
        """Instances, newest first, filtered by definition and status; follow ``next_cursor`` for more."""
        # What a page holds depends on who asks: a cursor is only good for the same user and groups.
        scope = json.dumps(["instances", workflow_name, status, identity.user_id, sorted(identity.groups)])
        with _cursor_errors(cursor):
            page = await engine.list_instances(
                workflow_name=workflow_name,
                status=status,
                limit=limit,
                cursor=gateway.cursors.unwrap(cursor, scope),
                caller=identity,
            )
        return InstanceList(
            items=[_instance_view(i, gateway, engine, identity) for i in page.items],
            next_cursor=gateway.cursors.wrap(page.next_cursor, scope),
        )

    @get(
        "/{instance_id:str}",
        summary="Get an instance",
        responses=problem_responses(*_AUTH, "instance-not-found"),
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
        return _instance_view(instance, gateway, engine, identity)

    @post(
        "/{instance_id:str}/cancel",
        summary="Cancel an instance",
        status_code=HTTP_200_OK,
        responses=problem_responses(
            *_AUTH, "malformed-request", "forbidden", "instance-not-found", "instance-finished"
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
        return _instance_view(canceled, gateway, engine, identity)

    @post(
        "/{instance_id:str}/pause",
        summary="Pause an instance",
        status_code=HTTP_200_OK,
        responses=problem_responses(
            *_AUTH, "malformed-request", "forbidden", "instance-not-found", "instance-finished", "instance-paused"
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
        return _instance_view(paused, gateway, engine, identity)

    @post(
        "/{instance_id:str}/resume",
        summary="Resume a paused instance",
        status_code=HTTP_200_OK,
        responses=problem_responses(
            *_AUTH, "forbidden", "instance-not-found", "instance-finished", "instance-not-paused"
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
        return _instance_view(resumed, gateway, engine, identity)


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


# --- tasks ---------------------------------------------------------------------------------


class TasksController(Controller):
    """Human tasks: the caller's inbox, one task, completing it."""

    path = "/tasks"
    tags = ["tasks"]

    @get("/", summary="The caller's inbox", responses=problem_responses(*_AUTH))
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
        with _cursor_errors(cursor):
            page = await engine.list_pending_tasks(
                identity.user_id,
                identity.groups,
                workflow_name=workflow_name,
                limit=limit,
                cursor=gateway.cursors.unwrap(cursor, scope),
            )
        return TaskList(
            items=[
                TaskView.from_task(t, prefix=gateway.prefix, can_complete=_can_complete(engine, t, identity, None))
                for t in page.items
                if inbox_shows(t, identity, show, datetime.now(UTC))
            ],
            next_cursor=gateway.cursors.wrap(page.next_cursor, scope),
        )

    @get(
        "/{instance_id:str}/{step_name:str}",
        summary="Get one task with its form schema",
        responses=problem_responses(*_AUTH, "instance-not-found", "task-not-found"),
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
            task, prefix=gateway.prefix, can_complete=_can_complete(engine, task, identity, instance)
        )

    @post(
        "/{instance_id:str}/{step_name:str}/complete",
        summary="Complete a task and get the instance at its next settle point",
        status_code=HTTP_200_OK,
        responses={
            **_ACCEPTED,
            **problem_responses(
                *_AUTH,
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
                    expected_revision=None if if_match is None else if_match.strip().removeprefix("W/").strip('"'),
                )
            )
        except SettleTimeout:
            raise Accepted(
                iid,
                gateway.prefix + instance_path(iid),
                "The completion was accepted but the instance has not settled yet; it goes on in the background",
            ) from None
        return _instance_view(instance, gateway, engine, identity)


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


# --- system --------------------------------------------------------------------------------


class SystemController(Controller):
    """Liveness and readiness (no token needed)."""

    path = "/"
    tags = ["system"]

    @get("/health", summary="Liveness: the process is up")
    async def health(self) -> HealthView:
        """Always 200 while the process serves requests."""
        return HealthView()

    @get(
        "/ready", summary="Readiness: Temporal reachable and a worker polling", responses=problem_responses("not-ready")
    )
    async def ready(self, gateway: NamedDependency[Gateway]) -> ReadyView:
        """200 when the engine is connected, Temporal answers and a worker polls the task queue; else 503."""
        reason = await gateway.not_ready_reason()
        if reason is not None:
            raise ProblemError("not-ready", reason, headers={"Retry-After": str(gateway.settings.retry_after)})
        engine = gateway.engine
        checks = {"engine": type(engine).__name__}
        if gateway.client is not None:
            checks["temporal"] = "reachable"
            checks["worker"] = f"polling {gateway.settings.task_queue!r}"
        return ReadyView(engine=type(engine).__name__, checks=checks)


@get(
    "/dev/token",
    summary="Mint a demo token (development mode only)",
    tags=["development"],
    responses=problem_responses("validation-error", "forbidden"),
)
async def dev_token(
    request: Request[Any, Any, Any],
    gateway: NamedDependency[Gateway],
    user: Annotated[str, QueryParameter(min_length=1, max_length=100, pattern=r"^[\w.@+-]+$")] = "alice",
    groups: Annotated[
        str | None,
        QueryParameter(
            max_length=500,
            pattern=r"^[\w.@+-]*(,[\w.@+-]+)*$",
            description="Comma-separated groups; the demo user's groups when omitted",
        ),
    ] = None,
) -> DevToken:
    """A bearer token for any user and groups. Development mode only, and only to a client on this
    machine that does not come through a proxy."""
    from api.auth import DEMO_USERS, DEV_TOKEN_TTL, dev_token_refusal

    refusal = dev_token_refusal(request.scope, request.headers)
    if refusal is not None:
        raise ProblemError("forbidden", refusal[0].upper() + refusal[1:])
    chosen = tuple(g for g in groups.split(",") if g) if groups is not None else DEMO_USERS.get(user, ())
    token = gateway.auth.mint(user, chosen)
    return DevToken(access_token=token, expires_in=int(DEV_TOKEN_TTL.total_seconds()), user=user, groups=list(chosen))
