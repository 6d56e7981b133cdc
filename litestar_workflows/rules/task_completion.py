"""A human step's task closing or opening: a guarded task opens once its guard allowed it, a
completion is checked (change nothing) and then applied, a task is sent back, or its deadline
passes and the instance takes the ``on_deadline`` step.

Separate from :mod:`.machine` (machine-step results) because these are the human side of the
token rules, driven by users' requests and deadlines; :mod:`.machine` re-exports the names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from litestar_workflows.core.types import StepStatus, StepType
from litestar_workflows.exceptions import (
    FormValidationError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    UnauthorizedTaskError,
)
from litestar_workflows.rules import access, budgets
from litestar_workflows.rules.forms import form_errors
from litestar_workflows.rules.instance_ending import _close_waiting
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.rules.step_outcomes import CallableEvaluator
from litestar_workflows.rules.task_ledger import step_and_task
from litestar_workflows.rules.token_routing import Activation, _fire, _open, _route, _settle

__all__ = [
    "apply_completion",
    "apply_deadline",
    "apply_send_back",
    "authorization_error",
    "open_human_task",
    "validate_completion",
]


def open_human_task(graph: GraphSpec, state: InstanceState, step_name: str, now: datetime) -> Activation:
    """Open a guarded human step whose ``can_execute`` returned ``True``."""
    if step_name not in state.running:
        raise StepNotWaitingError(state.instance_id, step_name, "it is not being activated")
    state.running.remove(step_name)
    step = graph.step(step_name)
    _open(step, state, now)
    _settle(state, now)
    return Activation(step_name, StepType.HUMAN, deadline_seconds=step.deadline_seconds)


def authorization_error(task: PendingTask, step: StepSpec, user_id: str | None, groups: Collection[str]) -> str | None:
    """Why ``user_id`` may not complete ``task`` by its assignment (see :func:`access.assignment_error`)."""
    return access.assignment_error(task, step, user_id, groups)


def validate_completion(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    user_id: str | None,
    groups: Collection[str],
    data: Any,
) -> None:
    """Check that ``user_id`` may complete ``step_name`` with ``data``; change nothing.

    (The engines first check that the user may read the instance at all:
    :func:`access.check_reader`.)

    Raises:
        WorkflowAlreadyCompletedError: The instance has finished.
        TaskNotFoundError: The definition has no such step.
        TaskAlreadyCompletedError: The step was completed already.
        StepNotWaitingError: The step is not waiting.
        UnauthorizedTaskError: The user may not complete it.
        FormValidationError: The data fails the form schema (every failing field listed).
        WorkflowPausedError: The instance is paused.
    """
    step, task = step_and_task(graph, state, step_name, "completing")
    if task is None:
        if not step.is_human:
            raise StepNotWaitingError(state.instance_id, step_name, "it is a machine step")
        done = next(
            (h for h in reversed(state.history) if h.step_name == step_name and h.status == StepStatus.SUCCEEDED),
            None,
        )
        if done is not None:
            raise TaskAlreadyCompletedError(state.instance_id, step_name, done.completed_by)
        waiting = ", ".join(repr(s) for s in state.pending_steps)
        raise StepNotWaitingError(
            state.instance_id,
            step_name,
            f"the instance is waiting at {waiting}" if waiting else "the instance is not waiting at it",
        )
    reason = access.completion_error(step, task, user_id, groups, started_by=state.started_by, history=state.history)
    if reason is not None:
        raise UnauthorizedTaskError(state.instance_id, step_name, user_id, reason)
    errors = form_errors(step.form_schema, data)
    if errors:
        raise FormValidationError(step_name, errors)


def apply_completion(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    user_id: str,
    data: Mapping[str, Any],
    now: datetime,
    *,
    comment: str | None = None,
    evaluate_callable: CallableEvaluator | None = None,
    groups: Collection[str] | None = None,
) -> list[Activation]:
    """Apply a validated human decision and move the instance on.

    The task is claimed first, synchronously, so a concurrent second completion
    of the same step finds it no longer waiting.
    """
    _close_task(state, step_name, user_id, data, now, comment=comment, groups=groups, record_empty=True)
    return _route(graph, state, step_name, now, evaluate_callable)


def _close_task(
    state: InstanceState,
    step_name: str,
    user_id: str,
    data: Mapping[str, Any],
    now: datetime,
    *,
    comment: str | None,
    groups: Collection[str] | None,
    record_empty: bool,
) -> None:
    """Take the task of ``step_name`` off the waiting list, close its record as decided by
    ``user_id`` and merge ``data`` into the instance data (a completion and a send-back alike).
    ``record_empty``: whether empty ``data`` is still copied into the record."""
    task = state.task(step_name)
    if task is None:
        raise StepNotWaitingError(state.instance_id, step_name)
    state.pending.remove(task)
    _close_waiting(
        state,
        step_name,
        status=StepStatus.SUCCEEDED,
        completed_at=now,
        completed_by=user_id,
        # The decision's data is kept once, merged into the instance data (the update that
        # carried it stays in Temporal's history); the record copies it only when small.
        data=budgets.recorded_data(data) if data or record_empty else None,
        comment=comment,
        completed_by_groups=None if groups is None else sorted(set(groups)),
    )
    state.data.update(data)
    state.user_id = user_id


def apply_send_back(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    user_id: str,
    targets: Collection[str],
    data: Mapping[str, Any],
    now: datetime,
    *,
    comment: str,
    groups: Collection[str],
) -> list[Activation]:
    """Close the task of ``step_name`` as sent back by ``user_id`` and go on at ``targets`` only
    (its send-back edges; :mod:`~litestar_workflows.rules.send_back` decides who may)."""
    _close_task(state, step_name, user_id, data, now, comment=comment, groups=groups, record_empty=False)
    for target in targets:
        state.arrivals[target] = state.arrivals.get(target, 0) + 1
    activations = _fire(graph, state, now)
    _settle(state, now)
    return activations


def apply_deadline(graph: GraphSpec, state: InstanceState, step_name: str, now: datetime) -> list[Activation]:
    """The deadline of ``step_name`` passed: take its ``on_deadline`` step.

    Does nothing when the step is no longer waiting (completed just before).
    """
    task = state.task(step_name)
    step = graph.step(step_name)
    if task is None or state.status.is_finished or not step.on_deadline:
        return []
    state.pending.remove(task)
    _close_waiting(
        state,
        step_name,
        status=StepStatus.TIMED_OUT,
        completed_at=now,
        error=f"deadline of {step.deadline_seconds:g}s passed; continuing with {step.on_deadline!r}",
    )
    state.arrivals[step.on_deadline] = state.arrivals.get(step.on_deadline, 0) + 1
    activations = _fire(graph, state, now)
    _settle(state, now)
    return activations
