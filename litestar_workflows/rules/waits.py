"""Transitions of the waits that are not human tasks, and of pausing: shared by both engines.

* A timer step waits for its time (:func:`apply_timer_fired` when it has passed).
* A webhook step waits for an external system's callback (:func:`validate_webhook`, then
  :func:`apply_webhook`); the payload is taken exactly once, and only with the instance's
  callback secret.
* :func:`pause_instance` / :func:`resume_instance`: a paused instance starts no new step and
  refuses completions and callbacks, while running steps finish and timers and deadlines keep
  counting; what became ready meanwhile starts when it is resumed.

Pure like :mod:`litestar_workflows.rules.machine`: time comes in as ``now``.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection
from datetime import datetime
from typing import Any

from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.exceptions import (
    FormValidationError,
    StepNotWaitingError,
    TaskNotFoundError,
    WebhookAlreadyDeliveredError,
    WebhookSecretError,
    WorkflowAlreadyCompletedError,
    WorkflowNotPausedError,
    WorkflowPausedError,
)
from litestar_workflows.rules import access
from litestar_workflows.rules.budgets import SizeBudgets, check_completion
from litestar_workflows.rules.forms import form_errors
from litestar_workflows.rules.machine import Activation, _close_waiting, _fire, _route, _settle
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, WaitingStep

__all__ = [
    "apply_timer_fired",
    "apply_webhook",
    "pause_instance",
    "pause_permission_error",
    "resume_instance",
    "timer_activations",
    "validate_pause",
    "validate_resume",
    "validate_webhook",
]


def _waiting(state: InstanceState, step_name: str, kind: StepType) -> WaitingStep | None:
    return next((w for w in state.waiting if w.step_name == step_name and w.kind == kind), None)


def timer_activations(state: InstanceState, now: datetime) -> list[Activation]:
    """The timers to arm again for a state carried over (continue-as-new): a passed one fires at once."""
    return [
        Activation(w.step_name, StepType.TIMER, timer_seconds=max((w.until - now).total_seconds(), 0.001))
        for w in state.waiting
        if w.kind == StepType.TIMER and w.until is not None
    ]


def apply_timer_fired(graph: GraphSpec, state: InstanceState, step_name: str, now: datetime) -> list[Activation]:
    """The time of timer step ``step_name`` has come: it succeeds and the instance moves on (if
    paused, its successors wait for the resume). Does nothing if it is no longer waiting."""
    wait = _waiting(state, step_name, StepType.TIMER)
    if wait is None or state.status.is_finished:
        return []
    state.waiting.remove(wait)
    _close_waiting(state, step_name, status=StepStatus.SUCCEEDED, completed_at=now)
    return _route(graph, state, step_name, now, None)


def validate_webhook(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    secret: str | None,
    payload: Any,
    budgets: SizeBudgets | None = None,
) -> None:
    """Check a webhook callback; change nothing.

    The secret is checked before anything about the instance's progress is told.

    Raises:
        TaskNotFoundError: The definition has no such step.
        StepNotWaitingError: The step is not a webhook step, or is not waiting (yet).
        WebhookSecretError: The secret is missing or is not the instance's.
        WorkflowAlreadyCompletedError: The instance has finished.
        WorkflowPausedError: The instance is paused.
        WebhookAlreadyDeliveredError: The step took its callback already.
        FormValidationError: The payload fails the step's schema.
        BudgetExceededError: The payload, or the instance data with it, is over ``budgets``
            (the limits of a completion's form data).
    """
    if not graph.has_step(step_name):
        raise TaskNotFoundError(state.instance_id, step_name)
    step = graph.step(step_name)
    if step.kind != StepType.WEBHOOK:
        raise StepNotWaitingError(state.instance_id, step_name, "it is not a webhook step")
    expected = state.webhook_secret
    if not expected or secret is None or not hmac.compare_digest(expected.encode(), str(secret).encode()):
        raise WebhookSecretError(state.instance_id, step_name)
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    if state.paused_at is not None:
        raise WorkflowPausedError(state.instance_id, f"the webhook callback of step {step_name!r}")
    if _waiting(state, step_name, StepType.WEBHOOK) is None:
        delivered = any(h.step_name == step_name and h.status == StepStatus.SUCCEEDED for h in state.history)
        if delivered:
            raise WebhookAlreadyDeliveredError(state.instance_id, step_name)
        raise StepNotWaitingError(state.instance_id, step_name, "the instance has not reached it")
    if budgets is not None:
        check_completion(budgets, {step.callback_key or "webhook_data": payload}, None, state.data)
    errors = form_errors(step.form_schema, payload)
    if errors:
        raise FormValidationError(step_name, errors)


def apply_webhook(
    graph: GraphSpec, state: InstanceState, step_name: str, payload: Any, now: datetime
) -> list[Activation]:
    """Take a validated callback: store ``payload`` under the step's ``callback_key`` and move on."""
    wait = _waiting(state, step_name, StepType.WEBHOOK)
    if wait is None:
        raise StepNotWaitingError(state.instance_id, step_name)
    state.waiting.remove(wait)
    _close_waiting(state, step_name, status=StepStatus.SUCCEEDED, completed_at=now)
    state.data[wait.callback_key or "webhook_data"] = payload
    return _route(graph, state, step_name, now, None)


def pause_permission_error(
    state: InstanceState, caller: access.Caller | None, admin_groups: Collection[str], action: str
) -> str | None:
    """Why ``caller`` may not pause or resume the instance; ``None`` if they may. The same people as
    may cancel it (its starter and the admin groups; :func:`access.cancel_error`)."""
    if access.cancel_error(state, caller, admin_groups) is None:
        return None
    admins = ", ".join(map(repr, admin_groups)) or "the admin groups"
    return f"only the user who started it ({state.started_by!r}) or members of {admins} may {action} it"


def validate_pause(state: InstanceState) -> None:
    """Check that the instance can be paused; change nothing.

    Raises:
        WorkflowAlreadyCompletedError: It has finished.
        WorkflowPausedError: It is paused already.
    """
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    if state.paused_at is not None:
        raise WorkflowPausedError(state.instance_id, "pausing it again")


def pause_instance(state: InstanceState, user_id: str | None, now: datetime) -> None:
    """Pause the instance (validated by :func:`validate_pause`)."""
    validate_pause(state)
    state.paused_at = now
    state.paused_by = user_id
    _settle(state, now)


def validate_resume(state: InstanceState) -> None:
    """Check that the instance can be resumed; change nothing.

    Raises:
        WorkflowAlreadyCompletedError: It has finished.
        WorkflowNotPausedError: It is not paused.
    """
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    if state.paused_at is None:
        raise WorkflowNotPausedError(state.instance_id, state.status.value)


def resume_instance(graph: GraphSpec, state: InstanceState, now: datetime) -> list[Activation]:
    """Resume a paused instance: start what became ready while it was paused."""
    validate_resume(state)
    state.paused_at = None
    state.paused_by = None
    if state.status == WorkflowStatus.PAUSED:
        state.status = WorkflowStatus.RUNNING
    activations = _fire(graph, state, now)
    _settle(state, now)
    return activations
