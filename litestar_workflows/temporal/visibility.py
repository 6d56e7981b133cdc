"""Listings from Temporal's visibility store plus the registry, without asking each workflow.

A query is a round trip to a worker (and a replay when the run is not cached); one run whose
workflow task keeps failing never answers it. So the inbox is built from what every run
publishes as search attributes (``PendingSteps``; ``WaitingOn``: who the task is offered to
now; ``WaitingSince``; see :mod:`~litestar_workflows.temporal.contracts`) and from the
definition's graph in the gateway's registry (title, form, deadline). Only a run whose tasks cannot be told
apart that way (several waiting steps, a dynamic assignee among them, or a definition version
this process does not have) is asked; a run that cannot answer is shown as unavailable
(listings) or left out (inbox), never a failure of the whole page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from temporalio.client import WorkflowExecution

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import WorkflowsError
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.temporal.contracts import (
    SA_BUSINESS_KEY,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
)

__all__ = ["graph_of", "tasks_from_visibility", "unavailable_state"]


def _attributes(execution: WorkflowExecution) -> Any:
    return execution.typed_search_attributes


def graph_of(execution: WorkflowExecution, registry: WorkflowRegistry) -> GraphSpec | None:
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


def tasks_from_visibility(execution: WorkflowExecution, graph: GraphSpec) -> list[PendingTask] | None:
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
    deadline_at = since + timedelta(seconds=step.deadline_seconds) if step.deadline_seconds else None
    # Claim and escalation level (workflows/task_operations.py task_marks).
    claimed = next((unquote(e.removeprefix("claimed:")) for e in waiting_on if e.startswith("claimed:")), None)
    level = next((int(e.removeprefix("level:")) for e in waiting_on if e.startswith("level:")), 0)
    return [
        PendingTask(
            instance_id=execution.id,
            workflow_name=graph.name,
            workflow_version=graph.version,
            step_name=step.name,
            title=step.title or step.name,
            description=step.description,
            form_schema=step.form_schema,
            assignee=assignee,
            candidate_groups=groups,
            since=since,
            deadline_at=deadline_at,
            on_deadline=step.on_deadline,
            claimed_by=claimed,
            escalation_level=level,
        )
    ]


def unavailable_state(execution: WorkflowExecution, reason: str) -> InstanceState:
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
