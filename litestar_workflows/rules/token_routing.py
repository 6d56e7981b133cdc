"""The token rules (see :mod:`.machine` for their semantics): which edges a finished step takes,
when a step with a token fires, what activating each kind of step does (a human step's task
opens, a timer or webhook starts waiting, a gateway routes at once), and the instance status
that follows.

Separate from :mod:`.machine` (which records step results and starts instances) and
:mod:`.task_completion` (human decisions) because all of them, and :mod:`.waits`, move tokens
through these same functions; :mod:`.machine` re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.exceptions import ConditionError, InvalidTransitionError
from litestar_workflows.rules import access, budgets
from litestar_workflows.rules.conditions import evaluate_condition
from litestar_workflows.rules.instance_ending import fail_instance
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState, PendingTask, WaitingStep
from litestar_workflows.rules.step_outcomes import CallableEvaluator

__all__ = ["Activation", "select_targets"]


@dataclass(frozen=True)
class Activation:
    """A step the engine must now act on.

    Attributes:
        step_name: The step.
        kind: Machine steps must be run; human steps are waiting (or need their guard).
        needs_guard: A human step whose ``can_execute`` the engine must evaluate, then
            call :func:`~.task_completion.open_human_task` or record a ``SKIPPED`` outcome.
        deadline_seconds: For an opened human task with a deadline: when to call
            :func:`~.task_completion.apply_deadline`.
        timer_seconds: For a timer step (kind ``TIMER``): when to call
            :func:`~litestar_workflows.rules.waits.apply_timer_fired`.
    """

    step_name: str
    kind: StepType
    needs_guard: bool = False
    deadline_seconds: float | None = None
    timer_seconds: float | None = None


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
    state.pending.append(
        PendingTask.opened(
            step,
            state.instance_id,
            state.workflow_name,
            state.workflow_version,
            assignee=assignee,
            candidate_groups=step.candidate_groups,
            since=now,
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
