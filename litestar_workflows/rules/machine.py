"""The functional core: how an instance moves through its graph.

Both engines drive an :class:`~litestar_workflows.rules.state.InstanceState` with
these functions and only do the I/O themselves (running machine steps, waiting,
persisting). Every function is deterministic: time comes in as ``now``, callable
conditions are evaluated by a callback the engine supplies, nothing touches the
outside world. That is what lets the Temporal workflow call them directly.

Token semantics (BPMN-style inclusive join):

* Finishing a step puts one token on the target of every outgoing edge whose
  condition holds; two or more targets are parallel branches.
* A step fires when it has a token, is not already active, and no other live token
  (running or waiting step, or token at another step) can still reach it. A join
  therefore waits for exactly the branches that were started towards it; branches
  whose condition was false never had a token and do not count.
* A terminal step ends its branch; the instance completes when no token is left.
* A non-terminal step from which no edge can be taken fails the instance.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.exceptions import (
    ConditionError,
    FormValidationError,
    InvalidTransitionError,
    StepNotWaitingError,
    TaskAlreadyCompletedError,
    TaskNotFoundError,
    UnauthorizedTaskError,
    WorkflowAlreadyCompletedError,
    WorkflowPausedError,
)
from litestar_workflows.rules import access, budgets
from litestar_workflows.rules.conditions import evaluate_condition
from litestar_workflows.rules.forms import form_errors
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState, PendingTask, WaitingStep

__all__ = [
    "Activation",
    "CallableEvaluator",
    "DataChanges",
    "StepOutcome",
    "apply_changes",
    "apply_completion",
    "apply_deadline",
    "apply_send_back",
    "authorization_error",
    "cancel_instance",
    "diff_data",
    "fail_instance",
    "open_human_task",
    "record_step_result",
    "select_targets",
    "start_instance",
    "validate_completion",
]

CallableEvaluator = Callable[[EdgeSpec, Mapping[str, Any]], bool]
"""Evaluates a callable edge condition; supplied by the engine that holds the Python code."""


@dataclass(frozen=True)
class DataChanges:
    """What a machine step changed in the instance data.

    Attributes:
        set: Keys added or modified, with their new values.
        removed: Keys deleted.
    """

    set: dict[str, Any] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepOutcome:
    """Result of running a machine step (or a human step's guard).

    Attributes:
        status: ``SUCCEEDED``, ``SKIPPED`` or ``FAILED``.
        changes: Data changes (applied only on success).
        result: JSON-compatible return value of ``execute``.
        error: Error message on failure.
        error_type: Exception class name on failure.
        attempts: Attempts made.
        started_at: When the first attempt started.
        callable_results: Results of the step's callable outgoing conditions, keyed by
            edge index as a string, evaluated next to the step's code.
        callable_errors: Errors raised by those callables, keyed the same way.
    """

    status: StepStatus
    changes: DataChanges = field(default_factory=DataChanges)
    result: Any = None
    error: str | None = None
    error_type: str | None = None
    attempts: int = 1
    started_at: datetime | None = None
    callable_results: dict[str, bool] = field(default_factory=dict)
    callable_errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Activation:
    """A step the engine must now act on.

    Attributes:
        step_name: The step.
        kind: Machine steps must be run; human steps are waiting (or need their guard).
        needs_guard: A human step whose ``can_execute`` the engine must evaluate, then
            call :func:`open_human_task` or record a ``SKIPPED`` outcome.
        deadline_seconds: For an opened human task with a deadline: when to call
            :func:`apply_deadline`.
        timer_seconds: For a timer step (kind ``TIMER``): when to call
            :func:`~litestar_workflows.rules.waits.apply_timer_fired`.
    """

    step_name: str
    kind: StepType
    needs_guard: bool = False
    deadline_seconds: float | None = None
    timer_seconds: float | None = None


# --- data -------------------------------------------------------------------------


def diff_data(before: Mapping[str, Any], after: Mapping[str, Any]) -> DataChanges:
    """Changes that turn ``before`` into ``after`` (top-level keys)."""
    return DataChanges(
        set={k: v for k, v in after.items() if k not in before or before[k] != v},
        removed=[k for k in before if k not in after],
    )


def apply_changes(data: dict[str, Any], changes: DataChanges) -> None:
    """Apply ``changes`` to ``data`` in place."""
    for key in changes.removed:
        data.pop(key, None)
    data.update(changes.set)


# --- routing ----------------------------------------------------------------------


def _no_callables(edge: EdgeSpec, data: Mapping[str, Any]) -> bool:
    raise ValueError(f"callable condition {edge.callable_name} cannot be evaluated here")


def select_targets(
    graph: GraphSpec,
    step_name: str,
    data: Mapping[str, Any],
    evaluate_callable: CallableEvaluator | None = None,
) -> list[str]:
    """Targets of the outgoing edges of ``step_name`` whose condition holds.

    Raises:
        ConditionError: A condition could not be evaluated.
    """
    evaluate = evaluate_callable or _no_callables
    targets: list[str] = []
    for edge in graph.outgoing(step_name):
        try:
            if edge.expression is not None:
                holds = evaluate_condition(edge.expression, data)
            elif edge.callable_name is not None:
                holds = bool(evaluate(edge, data))
            else:
                holds = True
        except Exception as exc:  # a user's callable may raise anything; it is reported, not raised
            raise ConditionError(edge.source, edge.target, edge.label, str(exc)) from exc
        if holds and edge.target not in targets:
            targets.append(edge.target)
    return targets


def _active(state: InstanceState) -> set[str]:
    return set(state.running) | set(state.pending_steps) | {w.step_name for w in state.waiting}


def _fire(graph: GraphSpec, state: InstanceState, now: datetime) -> list[Activation]:
    activations: list[Activation] = []
    if state.paused_at is not None:
        return activations  # a paused instance starts no step; resume_instance fires what arrived
    progressed = True
    while progressed and state.arrivals:
        progressed = False
        for name in sorted(state.arrivals, key=graph.order):
            if state.status.is_finished:
                return activations  # a gateway that could not route failed the instance
            active = _active(state)
            if name in active:
                continue
            live = active | {other for other in state.arrivals if other != name}
            if any(name in graph.reachable_from(token) for token in live):
                continue
            activation = _activate(graph, state, name, now)
            if activation is not None:
                activations.append(activation)
            progressed = True
        if not progressed and state.arrivals and not _active(state):
            # Joins inside a loop can each wait for a token the other holds; nothing else
            # can move, so fire the first in definition order rather than hang forever.
            first = min(state.arrivals, key=graph.order)
            activation = _activate(graph, state, first, now)
            if activation is not None:
                activations.append(activation)
            progressed = True
    return activations


def _activate(graph: GraphSpec, state: InstanceState, name: str, now: datetime) -> Activation | None:
    del state.arrivals[name]
    step = graph.step(name)
    state.current_step = name
    if step.kind in (StepType.TIMER, StepType.WEBHOOK, StepType.GATEWAY) and not step.runs_code:
        return _activate_wait_or_gateway(graph, state, step, now)
    if step.is_human and not step.has_guard:
        _open(step, state, now)
        return Activation(name, StepType.HUMAN, deadline_seconds=step.deadline_seconds)
    state.running.append(name)
    return Activation(name, StepType.MACHINE if step.runs_code else step.kind, needs_guard=step.is_human)


def _open(step: StepSpec, state: InstanceState, now: datetime) -> None:
    assignee = access.resolve_assignee(step, state.data)
    for entry in access.offered_entries(assignee, step.candidate_groups):
        if entry not in state.participants:
            state.participants.append(entry)  # an offer keeps the instance readable after it closes
    deadline_at = now + timedelta(seconds=step.deadline_seconds) if step.deadline_seconds else None
    state.pending.append(
        PendingTask(
            instance_id=state.instance_id,
            workflow_name=state.workflow_name,
            workflow_version=state.workflow_version,
            step_name=step.name,
            title=step.title or step.name,
            description=step.description,
            form_schema=step.form_schema,
            assignee=assignee,
            candidate_groups=step.candidate_groups,
            since=now,
            deadline_at=deadline_at,
            on_deadline=step.on_deadline,
        )
    )
    budgets.remember(state, StepExecution(step_name=step.name, status=StepStatus.WAITING, started_at=now))


def _settle(state: InstanceState, now: datetime) -> None:
    if state.status.is_finished:
        return
    if state.paused_at is not None and (state.running or state.pending or state.waiting or state.arrivals):
        state.status = WorkflowStatus.PAUSED
    elif state.running:
        state.status = WorkflowStatus.RUNNING
    elif state.pending or state.waiting:
        state.status = WorkflowStatus.WAITING
    elif not state.arrivals:
        state.status = WorkflowStatus.COMPLETED
        state.completed_at = now


def _route(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    now: datetime,
    evaluate_callable: CallableEvaluator | None,
) -> list[Activation]:
    if not graph.is_terminal(step_name) and not _add_targets(graph, state, step_name, now, evaluate_callable):
        return []
    activations = _fire(graph, state, now)
    _settle(state, now)
    return activations


# --- timer, webhook and gateway steps ----------------------------------------------


def _activate_wait_or_gateway(
    graph: GraphSpec, state: InstanceState, step: StepSpec, now: datetime
) -> Activation | None:
    """Activate a step that runs no code: a fixed timer or a webhook starts waiting; a parallel
    gateway routes at once (its edges fan out; joins follow the token rule)."""
    if step.kind == StepType.GATEWAY:
        budgets.remember(
            state, StepExecution(step_name=step.name, status=StepStatus.SUCCEEDED, started_at=now, completed_at=now)
        )
        if not graph.is_terminal(step.name):
            _add_targets(graph, state, step.name, now, None)
        return None
    if step.kind == StepType.TIMER:
        return _open_timer(state, step, step.timer_seconds or 0.0, now)
    state.waiting.append(WaitingStep(step.name, StepType.WEBHOOK, since=now, callback_key=step.callback_key))
    budgets.remember(state, StepExecution(step_name=step.name, status=StepStatus.WAITING, started_at=now))
    return Activation(step.name, StepType.WEBHOOK)


def _open_timer(state: InstanceState, step: StepSpec, seconds: float, now: datetime) -> Activation:
    # A timer must be positive on Temporal; a zero or negative duration fires at once.
    seconds = max(seconds, 0.001)
    until = now + timedelta(seconds=seconds)
    state.waiting.append(WaitingStep(step.name, StepType.TIMER, since=now, until=until))
    budgets.remember(state, StepExecution(step_name=step.name, status=StepStatus.WAITING, started_at=now))
    return Activation(step.name, StepType.TIMER, timer_seconds=seconds)


def _start_computed_timer(
    graph: GraphSpec, state: InstanceState, step: StepSpec, outcome: StepOutcome, now: datetime
) -> list[Activation]:
    seconds = outcome.result
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds != seconds:
        fail_instance(
            state,
            f"Timer step {step.name!r}: its duration is not a number of seconds ({seconds!r})",
            now,
            step_name=step.name,
        )
        return []
    activation = _open_timer(state, step, float(seconds), now)
    _settle(state, now)
    return [activation]


def _route_chosen(
    graph: GraphSpec, state: InstanceState, step_name: str, chosen: Any, now: datetime
) -> list[Activation]:
    """Route an exclusive gateway to the one target its code named."""
    targets = [e.target for e in graph.outgoing(step_name)]
    if chosen not in targets:
        listed = ", ".join(repr(t) for t in targets)
        error = InvalidTransitionError(
            step_name, reason=f"the gateway chose {chosen!r}, which is not one of its targets ({listed})"
        )
        fail_instance(state, str(error), now, step_name=step_name)
        return []
    state.arrivals[chosen] = state.arrivals.get(chosen, 0) + 1
    activations = _fire(graph, state, now)
    _settle(state, now)
    return activations


def _add_targets(
    graph: GraphSpec, state: InstanceState, step_name: str, now: datetime, evaluate_callable: CallableEvaluator | None
) -> bool:
    """Put a token on every target of ``step_name`` whose condition holds; fail the instance
    (and return ``False``) when a condition breaks or none holds."""
    try:
        targets = select_targets(graph, step_name, state.data, evaluate_callable)
    except ConditionError as exc:
        fail_instance(state, str(exc), now, step_name=step_name)
        return False
    if not targets:
        conditions = ", ".join(f"{e.target!r} if {e.label}" for e in graph.outgoing(step_name))
        error = InvalidTransitionError(step_name, reason=f"no outgoing condition holds ({conditions})")
        fail_instance(state, str(error), now, step_name=step_name)
        return False
    for target in targets:
        state.arrivals[target] = state.arrivals.get(target, 0) + 1
    return True


# --- transitions ------------------------------------------------------------------


def start_instance(
    graph: GraphSpec,
    instance_id: str,
    data: Mapping[str, Any],
    now: datetime,
    *,
    business_key: str | None = None,
    started_by: str | None = None,
    started_by_groups: Collection[str] = (),
) -> tuple[InstanceState, list[Activation]]:
    """Create the state of a new instance and activate its initial step."""
    state = InstanceState(
        started_by_groups=sorted(set(started_by_groups)),
        instance_id=instance_id,
        workflow_name=graph.name,
        workflow_version=graph.version,
        started_at=now,
        data=dict(data),
        business_key=business_key,
        started_by=started_by,
        arrivals={graph.initial_step: 1},
    )
    activations = _fire(graph, state, now)
    _settle(state, now)
    return state, activations


def record_step_result(
    graph: GraphSpec,
    state: InstanceState,
    step_name: str,
    outcome: StepOutcome,
    now: datetime,
    evaluate_callable: CallableEvaluator | None = None,
) -> list[Activation]:
    """Record the outcome of a running step and move the instance on.

    A result for an instance that has already finished (a branch still running when
    another failed or the instance was canceled) is ignored.
    """
    if state.status.is_finished or step_name not in state.running:
        return []
    state.running.remove(step_name)
    if outcome.status == StepStatus.SUCCEEDED and graph.step(step_name).kind == StepType.TIMER:
        return _start_computed_timer(graph, state, graph.step(step_name), outcome, now)
    budgets.remember(
        state,
        StepExecution(
            step_name=step_name,
            status=outcome.status,
            started_at=outcome.started_at or now,
            completed_at=now,
            result=budgets.recorded_result(outcome.result),
            error=outcome.error,
            attempts=outcome.attempts,
        ),
    )
    if outcome.status == StepStatus.FAILED:
        attempts = f" after {outcome.attempts} attempts" if outcome.attempts > 1 else ""
        kind = f"{outcome.error_type}: " if outcome.error_type else ""
        fail_instance(state, f"Step {step_name!r} failed{attempts}: {kind}{outcome.error}", now, step_name=step_name)
        return []
    if outcome.status == StepStatus.SUCCEEDED:
        apply_changes(state.data, outcome.changes)
        if graph.step(step_name).gateway == "exclusive":
            return _route_chosen(graph, state, step_name, outcome.result, now)
    results, errors = outcome.callable_results, outcome.callable_errors

    def from_outcome(edge: EdgeSpec, data: Mapping[str, Any]) -> bool:
        key = str(edge.index)
        if key in errors:
            raise ValueError(errors[key])
        if key in results:
            return results[key]
        if evaluate_callable is None:
            return _no_callables(edge, data)
        return evaluate_callable(edge, data)

    return _route(graph, state, step_name, now, from_outcome)


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
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    if state.paused_at is not None:
        raise WorkflowPausedError(state.instance_id, f"completing step {step_name!r}")
    if not graph.has_step(step_name):
        raise TaskNotFoundError(state.instance_id, step_name)
    step = graph.step(step_name)
    task = state.task(step_name)
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


def _close_waiting(state: InstanceState, step_name: str, **changes: Any) -> None:
    for record in reversed(state.history):
        if record.step_name == step_name and record.status == StepStatus.WAITING:
            for key, value in changes.items():
                setattr(record, key, value)
            return


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
        data=budgets.recorded_data(data),
        comment=comment,
        completed_by_groups=None if groups is None else sorted(set(groups)),
    )
    state.data.update(data)
    state.user_id = user_id
    return _route(graph, state, step_name, now, evaluate_callable)


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
        data=budgets.recorded_data(data) if data else None,
        comment=comment,
        completed_by_groups=sorted(set(groups)),
    )
    state.data.update(data)
    state.user_id = user_id
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


def _end(state: InstanceState, status: WorkflowStatus, now: datetime) -> None:
    for name in [*state.pending_steps, *(w.step_name for w in state.waiting)]:
        _close_waiting(state, name, status=StepStatus.CANCELED, completed_at=now)
    state.waiting = []
    state.paused_at = None
    state.status = status
    state.completed_at = now
    state.current_step = None
    state.pending = []
    state.running = []
    state.arrivals = {}


def fail_instance(state: InstanceState, error: str, now: datetime, *, step_name: str | None = None) -> None:
    """Fail the instance with ``error``; waiting steps are canceled."""
    state.error = error
    state.failed_step = step_name
    _end(state, WorkflowStatus.FAILED, now)


def cancel_instance(state: InstanceState, reason: str, now: datetime) -> None:
    """Cancel the instance.

    Raises:
        WorkflowAlreadyCompletedError: It has already finished.
    """
    if state.status.is_finished:
        raise WorkflowAlreadyCompletedError(state.instance_id, state.status.value)
    state.error = f"canceled: {reason}" if reason else "canceled"
    _end(state, WorkflowStatus.CANCELED, now)
