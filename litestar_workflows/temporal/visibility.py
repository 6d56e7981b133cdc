"""Listings from Temporal's visibility store plus the registry, without asking each workflow.

An instance listing's row is the visibility row alone (:func:`instance_row`: status, times,
starter, business key, waiting steps); no run is asked.

A query is a round trip to a worker (and a replay when the run is not cached); one run whose
workflow task keeps failing never answers it. So the inbox is built from what every run
publishes as search attributes (``PendingSteps``; ``WaitingOn``: who the task is offered to
now; ``WaitingSince``; see :mod:`~litestar_workflows.temporal.contracts`) and from the
definition's graph in the gateway's registry (title, form, deadline). Only a run whose tasks cannot be told
apart that way (several waiting steps, a dynamic assignee among them, or a definition version
this process does not have) is asked; a run that cannot answer is shown as unavailable
(listings) or left out (inbox), never a failure of the whole page.

A row is read by :func:`visible_run`, which decodes only the attributes listings use: the SDK's
own decoding of a listed run (every search attribute, twice: untyped and typed) cost the gateway
~0.2 ms per row, a fifth of an inbox page of 50 (bench/results/inbox.md). Of the memo it reads
only the four-eyes facts (:data:`~litestar_workflows.temporal.contracts.MEMO_STARTED_BY`,
:data:`~litestar_workflows.temporal.contracts.MEMO_STEP_COMPLETERS`), which the tasks carry
(:class:`~litestar_workflows.rules.listing_facts.ListedTask`) so the inbox's ``can_complete``
needs no query per workflow either.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey, SearchAttributeValueType
from temporalio.converter import PayloadCodec

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import WorkflowsError
from litestar_workflows.rules.listing_facts import (
    FourEyesFacts,
    ListedTask,
    completers_record,
    known_completers,
    tasks_with_facts,
)
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.temporal.contracts import (
    MEMO_STARTED_BY,
    MEMO_STEP_COMPLETERS,
    SA_BUSINESS_KEY,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
)

__all__ = [
    "VisibleAttributes",
    "VisibleRun",
    "four_eyes_facts",
    "graph_of",
    "instance_row",
    "listed_tasks",
    "listing_memo",
    "status_clause",
    "tasks_from_visibility",
    "unavailable_state",
    "visible_run",
    "visible_runs",
]

_LISTED: dict[str, SearchAttributeKey[Any]] = {
    key.name: key
    for key in (
        SA_BUSINESS_KEY,
        SA_DEFINITION_NAME,
        SA_DEFINITION_VERSION,
        SA_INSTANCE_STATUS,
        SA_PENDING_STEPS,
        SA_WAITING_ON,
        SA_WAITING_SINCE,
    )
}
"""The search attributes a listing row is built from; the others of a row are not decoded."""


class VisibleAttributes:
    """The decoded search attributes of a row, read like ``TypedSearchAttributes.get``."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def get(self, key: SearchAttributeKey[SearchAttributeValueType]) -> SearchAttributeValueType | None:
        """The attribute's value, ``None`` if the run has none (or one of the wrong shape)."""
        value: SearchAttributeValueType | None = self._values.get(key.name)
        return value


@dataclass(frozen=True, slots=True)
class VisibleRun:
    """What a listing needs of one run, as visibility lists it."""

    id: str
    start_time: datetime
    typed_search_attributes: VisibleAttributes
    four_eyes: FourEyesFacts | None = None
    close_time: datetime | None = None
    execution_status: WorkflowExecutionStatus.ValueType = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING


def _decoded(data: bytes, kind: SearchAttributeIndexedValueType) -> Any:
    """One ``json/plain`` search-attribute payload of the expected kind, else ``None`` (then
    the row falls back to asking the run, or shows what it can)."""
    try:
        value = json.loads(data)
        if kind == SearchAttributeIndexedValueType.KEYWORD_LIST:
            return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None
        if kind == SearchAttributeIndexedValueType.DATETIME:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
            return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)
        return value if isinstance(value, str) else None
    except ValueError:  # json.JSONDecodeError, or a malformed time
        return None


def listing_memo(graph: GraphSpec, started_by: str | None) -> dict[str, Any]:
    """The memo entries a run starts with so its listing rows carry the four-eyes facts (a memo
    at start costs no history event): the starter, and the deciders of the watched steps (none
    yet) when the graph has any."""
    memo: dict[str, Any] = {MEMO_STARTED_BY: started_by}
    record = completers_record(graph, (), ())
    if record:
        memo[MEMO_STEP_COMPLETERS] = record
    return memo


_UNREADABLE = object()
_JSON = b"json/plain"
_NULL = b"binary/null"


def _memo_value(payload: Payload) -> Any:
    """A plain memo payload's value; :data:`_UNREADABLE` for any other encoding (an encrypted
    one: see :func:`four_eyes_facts`) or malformed JSON."""
    encoding = payload.metadata.get("encoding")
    if encoding == _NULL:
        return None
    if encoding != _JSON:
        return _UNREADABLE
    try:
        return json.loads(payload.data)
    except ValueError:
        return _UNREADABLE


def four_eyes_facts(memo: Mapping[str, Payload]) -> FourEyesFacts | None:
    """The four-eyes facts of a row's memo (plain payloads; the engine decrypts encrypted ones
    first), reading only their two keys; ``None`` when it tells none (a run started before)."""
    starter = _memo_value(memo[MEMO_STARTED_BY]) if MEMO_STARTED_BY in memo else _UNREADABLE
    completers = known_completers(_memo_value(memo[MEMO_STEP_COMPLETERS])) if MEMO_STEP_COMPLETERS in memo else {}
    known = starter is None or isinstance(starter, str)
    if not known and not completers:
        return None
    return FourEyesFacts(
        started_by_known=known, started_by=starter if isinstance(starter, str) else None, completers=completers
    )


def visible_run(info: WorkflowExecutionInfo, memo: Mapping[str, Payload] | None = None) -> VisibleRun:
    """A listed run, decoding only the search attributes listings use (:data:`_LISTED`) and the
    memo's four-eyes facts (of ``memo`` when given: the row's, decrypted)."""
    fields = info.search_attributes.indexed_fields
    values: dict[str, Any] = {}
    for name, key in _LISTED.items():
        if name in fields:
            value = _decoded(fields[name].data, key.indexed_value_type)
            if value is not None:
                values[name] = value
    return VisibleRun(
        id=info.execution.workflow_id,
        start_time=info.start_time.ToDatetime().replace(tzinfo=UTC),
        typed_search_attributes=VisibleAttributes(values),
        four_eyes=four_eyes_facts(info.memo.fields if memo is None else memo),
        close_time=info.close_time.ToDatetime().replace(tzinfo=UTC) if info.HasField("close_time") else None,
        execution_status=info.status,
    )


async def visible_runs(infos: Sequence[WorkflowExecutionInfo], codec: PayloadCodec | None) -> list[VisibleRun]:
    """:func:`visible_run` of each row, first decrypting (one ``codec`` call for the page) the
    four-eyes memo entries that are not plain; one that fails to decode stays unknown."""
    sealed = [
        (i, key, info.memo.fields[key])
        for i, info in enumerate(infos)
        for key in (MEMO_STARTED_BY, MEMO_STEP_COMPLETERS)
        if key in info.memo.fields and info.memo.fields[key].metadata.get("encoding") not in (_JSON, _NULL)
    ]
    memos: dict[int, dict[str, Payload]] = {}
    if sealed and codec is not None:
        try:
            opened = await codec.decode([payload for _, _, payload in sealed])
        except Exception:  # a key this gateway lacks, a corrupt payload: the hint is unknown
            opened = []
        for (i, key, _), payload in zip(sealed, opened, strict=False):
            memos.setdefault(i, dict(infos[i].memo.fields))[key] = payload
    return [visible_run(info, memos.get(i)) for i, info in enumerate(infos)]


def _attributes(execution: VisibleRun) -> Any:
    return execution.typed_search_attributes


def graph_of(execution: VisibleRun, registry: WorkflowRegistry) -> GraphSpec | None:
    """The graph of the run's definition version, if this process's registry has it."""
    attributes = _attributes(execution)
    name, version = attributes.get(SA_DEFINITION_NAME), attributes.get(SA_DEFINITION_VERSION)
    if not name or not version:
        return None
    try:
        return registry.get_graph(name, version)
    except (WorkflowsError, KeyError):
        return None


def _users(waiting_on: list[str]) -> list[str]:
    return [unquote(entry.removeprefix("user:")) for entry in waiting_on if entry.startswith("user:")]


def tasks_from_visibility(execution: VisibleRun, graph: GraphSpec) -> list[PendingTask] | None:
    """The run's waiting tasks as its search attributes describe them; ``None`` when they cannot
    be told exactly from them (then the run must be asked)."""
    attributes = _attributes(execution)
    pending: list[str] = list(attributes.get(SA_PENDING_STEPS) or [])
    if len(pending) != 1:
        return [] if not pending else None
    waiting_on: list[str] = list(attributes.get(SA_WAITING_ON) or [])
    since: datetime = attributes.get(SA_WAITING_SINCE) or execution.start_time
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    try:
        step = graph.step(pending[0])
    except (KeyError, ValueError, WorkflowsError):
        return None
    # Who it is offered to comes from the run (a task may have been reassigned or delegated since
    # it opened): WaitingOn lists ``user:``/``group:`` entries of the one waiting task, or ``anyone``.
    users = _users(waiting_on)
    if len(users) > 1:
        return None
    assignee = users[0] if users else None
    groups = tuple(unquote(e.removeprefix("group:")) for e in waiting_on if e.startswith("group:"))
    # Claim and escalation level (workflows/task_operations.py task_marks).
    claimed = next((unquote(e.removeprefix("claimed:")) for e in waiting_on if e.startswith("claimed:")), None)
    level = next((int(e.removeprefix("level:")) for e in waiting_on if e.startswith("level:")), 0)
    return [
        ListedTask.opened(
            step,
            execution.id,
            graph.name,
            graph.version,
            assignee=assignee,
            candidate_groups=groups,
            since=since,
            claimed_by=claimed,
            escalation_level=level,
            four_eyes=execution.four_eyes,
        )
    ]


def listed_tasks(state: InstanceState, registry: WorkflowRegistry) -> list[ListedTask]:
    """The waiting tasks of a run that was asked, with the facts of its state."""
    try:
        graph: GraphSpec | None = registry.get_graph(state.workflow_name, state.workflow_version)
    except (WorkflowsError, KeyError):
        graph = None
    return tasks_with_facts(state, graph)


def unavailable_state(execution: VisibleRun, reason: str) -> InstanceState:
    """A listing row for a run that could not be asked: what visibility knows, and why."""
    attributes = _attributes(execution)
    try:
        status = WorkflowStatus(attributes.get(SA_INSTANCE_STATUS) or WorkflowStatus.RUNNING.value)
    except ValueError:
        status = WorkflowStatus.RUNNING
    return InstanceState(
        instance_id=execution.id,
        workflow_name=attributes.get(SA_DEFINITION_NAME) or "",
        workflow_version=attributes.get(SA_DEFINITION_VERSION) or "",
        started_at=execution.start_time,
        status=status,
        business_key=attributes.get(SA_BUSINESS_KEY),
        error=f"this instance cannot be read right now: {reason}",
    )


_CLOSED_AS: dict[WorkflowExecutionStatus.ValueType, WorkflowStatus] = {
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED: WorkflowStatus.COMPLETED,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED: WorkflowStatus.FAILED,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT: WorkflowStatus.FAILED,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED: WorkflowStatus.CANCELED,
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED: WorkflowStatus.CANCELED,
}
"""What a closed run whose ``InstanceStatus`` does not say it finished (terminated, timed out,
failed by Temporal) is listed as."""

_EXECUTION_STATUS_NAMES: dict[WorkflowExecutionStatus.ValueType, str] = {
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED: "Completed",
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED: "Failed",
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT: "TimedOut",
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED: "Canceled",
    WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED: "Terminated",
}


def status_clause(status: WorkflowStatus) -> str:
    """The visibility query clause of the runs listed with ``status`` (:func:`instance_row`
    tells each row's status the same way): a finished status by ``InstanceStatus`` or by the
    closed run's execution status (a run with ``PATCH_LEAN_PUBLISH`` that completes after a
    machine step leaves ``InstanceStatus`` at ``running``; terminated and timed-out runs never set
    it), any other status only on a running run."""
    if not status.is_finished:
        return f"{SA_INSTANCE_STATUS.name} = '{status.value}' AND ExecutionStatus = 'Running'"
    closed = ", ".join(f"'{_EXECUTION_STATUS_NAMES[e]}'" for e, s in _CLOSED_AS.items() if s == status)
    return f"({SA_INSTANCE_STATUS.name} = '{status.value}' OR ExecutionStatus IN ({closed}))"


def instance_row(execution: VisibleRun) -> WorkflowInstance:
    """A listing row from visibility alone (no query, so a run whose workflow task fails is a row
    like any other): name, version, status, times, starter (memo; ``None`` for runs started
    before it was set), business key and waiting steps. Its context holds no data nor history,
    its ``pending_tasks`` is empty and its ``revision`` blank: ``get_instance`` reads those."""
    attributes = _attributes(execution)
    try:
        status: WorkflowStatus | None = WorkflowStatus(attributes.get(SA_INSTANCE_STATUS) or "")
    except ValueError:
        status = None
    closed = _CLOSED_AS.get(execution.execution_status)
    if closed is not None and (status is None or not status.is_finished):
        status = closed
    status = status or WorkflowStatus.RUNNING
    facts = execution.four_eyes
    state = InstanceState(
        instance_id=execution.id,
        workflow_name=attributes.get(SA_DEFINITION_NAME) or "",
        workflow_version=attributes.get(SA_DEFINITION_VERSION) or "",
        started_at=execution.start_time,
        status=status,
        business_key=attributes.get(SA_BUSINESS_KEY),
        started_by=facts.started_by if facts is not None else None,
        completed_at=execution.close_time if status.is_finished else None,
    )
    row = WorkflowInstance.from_state(state)
    pending = [] if status.is_finished else list(attributes.get(SA_PENDING_STEPS) or [])
    row.pending_steps = pending
    row.current_step = row.context.current_step = pending[0] if pending else None
    row.revision = ""
    return row
