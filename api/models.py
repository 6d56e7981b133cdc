"""Request and response bodies of the gateway (pydantic models, rendered into the OpenAPI schema).

Responses are built from the SDK's records (:class:`~litestar_workflows.WorkflowInstance`,
:class:`~litestar_workflows.PendingTask`, :class:`~litestar_workflows.GraphSpec`) by the
``from_*`` constructors; nothing here talks to an engine.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.paths import instance_path, task_path
from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.models import PendingTask, RejectedInput, WorkflowInstance
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.rules.notifiers import NotifierFailure
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec

__all__ = [
    "AcceptedView",
    "CancelInstanceRequest",
    "CompleteTaskRequest",
    "DefinitionSummary",
    "DefinitionView",
    "DevToken",
    "EdgeView",
    "GraphEdge",
    "GraphNode",
    "GraphView",
    "HealthView",
    "InstanceLinks",
    "InstanceList",
    "InstanceView",
    "ReadyView",
    "RejectedInputView",
    "StartInstanceRequest",
    "StepExecutionView",
    "StepView",
    "TaskLinks",
    "TaskList",
    "TaskView",
]

# Business keys become part of Temporal workflow ids and of URLs: printable ASCII, no whitespace.
BUSINESS_KEY_PATTERN = r"^[!-~]{1,200}$"
# Names end up in Temporal ids and visibility queries, where control characters break things.
NO_CONTROL_CHARS_PATTERN = r"^[^\x00-\x1f\x7f]+$"

_EXPENSE_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "approved": {"type": "boolean", "title": "Approve?"},
        "comments": {"type": "string", "title": "Comments"},
    },
    "required": ["approved"],
    "additionalProperties": False,
}


class _Request(BaseModel):
    # Unknown fields are a client mistake worth reporting (400), not something to drop silently.
    model_config = ConfigDict(extra="forbid")


class StartInstanceRequest(_Request):
    """Start an instance of a registered definition.

    Attributes:
        workflow_name: Definition name.
        version: Definition version; the latest when omitted.
        initial_data: Instance data the first step sees.
        business_key: Caller's key; a repeated start with the same key returns the existing instance.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow_name": "expense_approval",
                    "initial_data": {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"},
                    "business_key": "expense-2024-0042",
                }
            ]
        },
    )

    workflow_name: str = Field(
        min_length=1, max_length=200, pattern=NO_CONTROL_CHARS_PATTERN, examples=["expense_approval"]
    )
    version: str | None = Field(
        None, min_length=1, max_length=100, pattern=NO_CONTROL_CHARS_PATTERN, examples=["1.0.0"]
    )
    initial_data: dict[str, Any] = Field(default_factory=dict, examples=[{"requester_id": "alice", "amount": 250.0}])
    business_key: str | None = Field(None, pattern=BUSINESS_KEY_PATTERN, examples=["expense-2024-0042"])


class CompleteTaskRequest(_Request):
    """Submit a human step's form. The completing user is the authenticated caller.

    Attributes:
        data: Form data; must satisfy the step's ``form_schema`` (see the task, or the
            ``<definition>.<version>.<step>.Form`` component schemas).
        comment: Optional comment recorded with the decision.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"data": {"approved": True, "comments": "OK"}, "comment": "within budget"}]},
    )

    data: dict[str, Any] = Field(examples=[{"approved": True, "comments": "Approved for Q4 budget"}])
    comment: str | None = Field(None, max_length=2000)


class CancelInstanceRequest(_Request):
    """Cancel a running instance.

    Attributes:
        reason: Why; recorded as the instance's error.
    """

    reason: str = Field("", max_length=2000, examples=["duplicate request"])


class StepView(BaseModel):
    """One step of a definition.

    Attributes:
        name: Step name.
        kind: ``machine`` or ``human``.
        title: Task title (human steps).
        description: Description.
        form_schema: JSON Schema of the form (human steps).
        assignee: Fixed assignee (human steps).
        assignee_key: Instance-data key naming the assignee (human steps).
        candidate_groups: Groups whose members may complete it (human steps).
        deadline_seconds: Deadline of a human step.
        on_deadline: Step taken when the deadline passes.
    """

    name: str
    kind: StepType
    title: str = ""
    description: str = ""
    form_schema: dict[str, Any] | None = None
    assignee: str | None = None
    assignee_key: str | None = None
    candidate_groups: list[str] = Field(default_factory=list)
    deadline_seconds: float | None = None
    on_deadline: str | None = None

    @classmethod
    def from_spec(cls, step: StepSpec) -> StepView:
        """Build from a graph step."""
        return cls(
            name=step.name,
            kind=step.kind,
            title=step.title,
            description=step.description,
            form_schema=step.form_schema,
            assignee=step.assignee,
            assignee_key=step.assignee_key,
            candidate_groups=list(step.candidate_groups),
            deadline_seconds=step.deadline_seconds,
            on_deadline=step.on_deadline,
        )


class EdgeView(BaseModel):
    """One edge of a definition.

    Attributes:
        source: Source step.
        target: Target step.
        condition: String condition, or ``module.function()`` of a callable one; ``null`` if unconditional.
    """

    source: str
    target: str
    condition: str | None = None

    @classmethod
    def from_spec(cls, edge: EdgeSpec) -> EdgeView:
        """Build from a graph edge."""
        return cls(source=edge.source, target=edge.target, condition=edge.label or None)


class DefinitionSummary(BaseModel):
    """A registered definition in the listing.

    Attributes:
        name: Definition name.
        version: Latest version.
        versions: Every registered version, oldest first.
        description: Description.
        human_steps: Names of its human steps.
    """

    name: str
    version: str
    versions: list[str]
    description: str
    human_steps: list[str]


class DefinitionView(BaseModel):
    """A definition in full, with each human step's form schema.

    Attributes:
        name: Definition name.
        version: This version.
        versions: Every registered version, oldest first.
        description: Description.
        initial_step: First step.
        terminal_steps: Steps that end their branch.
        steps: Steps in definition order.
        edges: Edges in definition order.
        input_schema: JSON Schema ``initial_data`` must satisfy at start, if the definition has one.
        visible_to_groups: Groups that may read every instance besides its participants.
    """

    name: str
    version: str
    versions: list[str]
    description: str
    initial_step: str
    terminal_steps: list[str]
    steps: list[StepView]
    edges: list[EdgeView]
    input_schema: dict[str, Any] | None = None
    visible_to_groups: list[str] = Field(default_factory=list)

    @classmethod
    def from_graph(cls, graph: GraphSpec, versions: list[str]) -> DefinitionView:
        """Build from a graph snapshot."""
        return cls(
            name=graph.name,
            version=graph.version,
            versions=versions,
            description=graph.description,
            initial_step=graph.initial_step,
            terminal_steps=list(graph.terminal_steps),
            steps=[StepView.from_spec(s) for s in graph.steps],
            edges=[EdgeView.from_spec(e) for e in graph.edges],
            input_schema=graph.input_schema,
            visible_to_groups=list(graph.visible_to_groups),
        )


class GraphNode(BaseModel):
    """A node of the graph.

    Attributes:
        id: Step name.
        label: Title or name.
        kind: ``machine`` or ``human``.
        initial: Whether it is the initial step.
        terminal: Whether it ends its branch.
    """

    id: str
    label: str
    kind: StepType
    initial: bool
    terminal: bool


class GraphEdge(BaseModel):
    """An edge of the graph.

    Attributes:
        source: Source step.
        target: Target step.
        label: Condition text (empty when unconditional).
        kind: ``edge``, or ``deadline`` for the path taken when a human step's deadline passes.
    """

    source: str
    target: str
    label: str
    kind: Literal["edge", "deadline"] = "edge"


class GraphView(BaseModel):
    """The graph of a definition, as nodes and edges and as Mermaid source.

    Attributes:
        name: Definition name.
        version: Definition version.
        nodes: Steps.
        edges: Transitions.
        mermaid: Mermaid ``flowchart`` source of the same graph.
    """

    name: str
    version: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    mermaid: str


class TaskLinks(BaseModel):
    """Links of a task.

    Attributes:
        self: This task.
        complete: Where to submit the form (``POST``).
        instance: The instance.
    """

    self: str
    complete: str
    instance: str


class TaskView(BaseModel):
    """A human step waiting for input, with its form schema.

    Attributes:
        instance_id: Instance id.
        workflow_name: Definition name.
        workflow_version: Definition version.
        step_name: Step name.
        title: Task title.
        description: Task description.
        form_schema: JSON Schema the submitted ``data`` must satisfy.
        assignee: User it is assigned to, if any.
        candidate_groups: Groups whose members may complete it.
        since: When it began waiting.
        deadline_at: When its deadline passes, if it has one.
        on_deadline: Step taken when the deadline passes.
        can_complete: Whether the caller may complete it (``null`` when unknown).
        links: Related URLs (relative to the gateway root).
        claimed_by: Who claimed it (only they may complete it), if anyone.
        escalation_level: Escalation levels it reached.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "instance_id": "expense_approval/expense-2024-0042",
                    "workflow_name": "expense_approval",
                    "workflow_version": "1.0.0",
                    "step_name": "manager_approval",
                    "title": "Approve Expense Request",
                    "description": "Review and approve or reject this expense request",
                    "form_schema": _EXPENSE_FORM,
                    "assignee": None,
                    "candidate_groups": ["managers"],
                    "since": "2024-05-01T09:30:00Z",
                    "deadline_at": None,
                    "on_deadline": None,
                    "can_complete": True,
                    "links": {
                        "self": "/tasks/expense_approval%2Fexpense-2024-0042/manager_approval",
                        "complete": "/tasks/expense_approval%2Fexpense-2024-0042/manager_approval/complete",
                        "instance": "/instances/expense_approval%2Fexpense-2024-0042",
                    },
                }
            ]
        }
    )

    instance_id: str
    workflow_name: str
    workflow_version: str
    step_name: str
    title: str
    description: str
    form_schema: dict[str, Any] | None
    assignee: str | None
    candidate_groups: list[str]
    since: datetime
    deadline_at: datetime | None = None
    on_deadline: str | None = None
    can_complete: bool | None = None
    links: TaskLinks
    claimed_by: str | None = None
    escalation_level: int = 0

    @classmethod
    def from_task(cls, task: PendingTask, *, prefix: str = "", can_complete: bool | None = None) -> TaskView:
        """Build from a pending task; links are prefixed with ``prefix`` (the mount path)."""
        path = prefix + task_path(task.instance_id, task.step_name)
        return cls(
            instance_id=task.instance_id,
            workflow_name=task.workflow_name,
            workflow_version=task.workflow_version,
            step_name=task.step_name,
            title=task.title,
            description=task.description,
            form_schema=task.form_schema,
            assignee=task.assignee,
            candidate_groups=list(task.candidate_groups),
            since=task.since,
            deadline_at=task.deadline_at,
            on_deadline=task.on_deadline,
            can_complete=can_complete,
            claimed_by=task.claimed_by,
            escalation_level=task.escalation_level,
            links=TaskLinks(
                self=path,
                complete=path + "/complete",
                instance=prefix + instance_path(task.instance_id),
            ),
        )


class StepExecutionView(BaseModel):
    """One entry of an instance's step history.

    Attributes:
        step_name: Step name.
        status: Outcome.
        started_at: Start (for human steps: when it began waiting).
        completed_at: End, once finished.
        result: Return value of a machine step.
        error: Error message if it failed (or why it timed out).
        completed_by: User who completed a human step.
        data: Form data submitted for a human step.
        comment: Comment given with a human decision.
        attempts: Attempts a machine step took.
    """

    step_name: str
    status: StepStatus
    started_at: datetime
    completed_at: datetime | None = None
    result: Any = None
    error: str | None = None
    completed_by: str | None = None
    data: dict[str, Any] | None = None
    comment: str | None = None
    attempts: int = 1

    @classmethod
    def from_record(cls, record: StepExecution) -> StepExecutionView:
        """Build from a history record."""
        return cls(
            step_name=record.step_name,
            status=record.status,
            started_at=record.started_at,
            completed_at=record.completed_at,
            result=record.result,
            error=record.error,
            completed_by=record.completed_by,
            data=record.data,
            comment=record.comment,
            attempts=record.attempts,
        )


class RejectedInputView(BaseModel):
    """A completion sent as a Temporal signal and rejected.

    Attributes:
        step_name: Step it targeted.
        user_id: Who sent it.
        reason: Why it was rejected.
        at: When it arrived.
    """

    step_name: str
    user_id: str | None
    reason: str
    at: datetime

    @classmethod
    def from_record(cls, record: RejectedInput) -> RejectedInputView:
        """Build from the SDK record."""
        return cls(step_name=record.step_name, user_id=record.user_id, reason=record.reason, at=record.at)


class NotifierFailureView(BaseModel):
    """A notifier that failed on the instance's events after its last attempt (the instance went on).

    Attributes:
        notifier: The notifier's name.
        events: The events it failed on, e.g. ``HumanTaskReminder \u00d71`` (a count).
        error: The last attempt's error.
        at: When it was given up.
        attempts: Attempts made (0 when unknown).
    """

    notifier: str
    events: str
    error: str
    at: datetime
    attempts: int = 0

    @classmethod
    def from_record(cls, record: NotifierFailure) -> NotifierFailureView:
        """Build from the SDK record."""
        return cls(**dataclasses.asdict(record))


class InstanceLinks(BaseModel):
    """Links of an instance.

    Attributes:
        self: This instance.
        cancel: Where to cancel it (``POST``); absent once finished.
    """

    self: str
    cancel: str | None = None


class InstanceView(BaseModel):
    """A workflow instance: state, data, step history, pending tasks, error.

    Attributes:
        id: Instance id (contains ``/`` when started with a business key; percent-encode it in URLs).
        workflow_name: Definition name.
        workflow_version: Definition version it runs.
        status: ``running``, ``waiting``, ``completed``, ``failed`` or ``canceled``.
        current_step: First waiting step, else the step most recently started; ``null`` once finished.
        pending_tasks: Human steps waiting for input.
        running_steps: Machine steps in flight.
        data: Instance data.
        history: Step executions, oldest first.
        started_at: Start time.
        completed_at: End time, once finished.
        started_by: User who started it.
        business_key: Caller's business key.
        error: Why it failed or was canceled.
        failed_step: Step whose failure failed it.
        rejected: Completions sent as signals and rejected.
        notifier_failures: Notifiers (event handlers on the worker) that failed on its events after
            their last attempt, the newest 20; the instance went on.
        links: Related URLs (relative to the gateway root).
        revision: The instance revision: send it as ``If-Match`` with a decision or task operation.
        decisions: Decision records of its human steps (who, when, outcome, data and form digests,
            the revision seen), the newest 100.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "expense_approval/expense-2024-0042",
                    "workflow_name": "expense_approval",
                    "workflow_version": "1.0.0",
                    "status": "waiting",
                    "current_step": "manager_approval",
                    "pending_tasks": [],
                    "running_steps": [],
                    "data": {"requester_id": "alice", "amount": 250.0, "submitted": True},
                    "history": [
                        {
                            "step_name": "submit_request",
                            "status": "succeeded",
                            "started_at": "2024-05-01T09:30:00Z",
                            "completed_at": "2024-05-01T09:30:00Z",
                            "attempts": 1,
                        }
                    ],
                    "started_at": "2024-05-01T09:30:00Z",
                    "started_by": "alice",
                    "business_key": "expense-2024-0042",
                    "links": {
                        "self": "/instances/expense_approval%2Fexpense-2024-0042",
                        "cancel": "/instances/expense_approval%2Fexpense-2024-0042/cancel",
                    },
                }
            ]
        }
    )

    id: str
    workflow_name: str
    workflow_version: str
    status: WorkflowStatus
    current_step: str | None
    pending_tasks: list[TaskView]
    running_steps: list[str]
    data: dict[str, Any]
    history: list[StepExecutionView]
    started_at: datetime
    completed_at: datetime | None = None
    started_by: str | None = None
    business_key: str | None = None
    error: str | None = None
    failed_step: str | None = None
    rejected: list[RejectedInputView] = Field(default_factory=list)
    notifier_failures: list[NotifierFailureView] = Field(default_factory=list)
    links: InstanceLinks
    revision: str = ""
    decisions: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def from_instance(cls, instance: WorkflowInstance, *, prefix: str = "") -> InstanceView:
        """Build from an engine's instance view; links are prefixed with ``prefix``."""
        path = prefix + instance_path(instance.id)
        started_by = instance.context.metadata.get("started_by")
        return cls(
            id=instance.id,
            workflow_name=instance.workflow_name,
            workflow_version=instance.workflow_version,
            status=instance.status,
            current_step=instance.current_step,
            pending_tasks=[TaskView.from_task(t, prefix=prefix) for t in instance.pending_tasks],
            running_steps=list(instance.running_steps),
            data=dict(instance.context.data),
            history=[StepExecutionView.from_record(r) for r in instance.context.step_history],
            started_at=instance.started_at,
            completed_at=instance.completed_at,
            started_by=None if started_by is None else str(started_by),
            business_key=instance.business_key,
            error=instance.error,
            failed_step=instance.failed_step,
            rejected=[RejectedInputView.from_record(r) for r in instance.rejected],
            notifier_failures=[NotifierFailureView.from_record(f) for f in instance.notifier_failures],
            links=InstanceLinks(self=path, cancel=None if instance.status.is_finished else path + "/cancel"),
            revision=instance.revision,
            decisions=[dataclasses.asdict(d) for d in instance.tasks.decisions],
        )


class InstanceList(BaseModel):
    """A page of instances, newest first.

    Attributes:
        items: Instances of this page.
        next_cursor: Pass as ``cursor`` to get the next page; ``null`` on the last page.
    """

    items: list[InstanceView]
    next_cursor: str | None = None


class TaskList(BaseModel):
    """A page of the caller's inbox, oldest first.

    Attributes:
        items: Tasks of this page.
        next_cursor: Pass as ``cursor`` to get the next page; ``null`` on the last page.
    """

    items: list[TaskView]
    next_cursor: str | None = None


class AcceptedView(BaseModel):
    """The request was accepted but the instance had not settled in time; follow ``Location``.

    Attributes:
        status: Always ``accepted``.
        instance_id: The instance, when known.
        detail: Explanation.
        location: Where to poll (also in the ``Location`` header).
    """

    status: Literal["accepted"] = "accepted"
    instance_id: str | None = None
    detail: str
    location: str


class HealthView(BaseModel):
    """Liveness.

    Attributes:
        status: Always ``ok``.
    """

    status: Literal["ok"] = "ok"


class ReadyView(BaseModel):
    """Readiness: the engine is reachable and a worker polls the task queue.

    Attributes:
        status: Always ``ready``.
        engine: Engine class.
        checks: What was checked, with the result.
    """

    status: Literal["ready"] = "ready"
    engine: str
    checks: dict[str, str]


class DevToken(BaseModel):
    """A demo bearer token (development mode only).

    Attributes:
        access_token: The JWT; send it as ``Authorization: Bearer <token>``.
        token_type: Always ``Bearer``.
        expires_in: Lifetime in seconds.
        user: Its ``sub`` claim.
        groups: Its groups claim.
    """

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    user: str
    groups: list[str]
