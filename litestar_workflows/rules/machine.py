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

The rules live by job: :mod:`.token_routing` (edges, firing, activation, status),
:mod:`.step_outcomes` (what a machine step produced), :mod:`.task_completion` (a human task
opens, completes, is sent back or times out), :mod:`.instance_ending` (fail, cancel). This
module starts instances and records step results, and re-exports the others' names so
``machine.X`` keeps working for the engines, the Temporal workflow and user code.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus, StepType
from litestar_workflows.rules import budgets
from litestar_workflows.rules.instance_ending import _close_waiting as _close_waiting
from litestar_workflows.rules.instance_ending import cancel_instance, fail_instance
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.rules.step_outcomes import (
    CallableEvaluator,
    DataChanges,
    StepOutcome,
    apply_changes,
    diff_data,
)
from litestar_workflows.rules.task_completion import (
    apply_completion,
    apply_deadline,
    apply_send_back,
    authorization_error,
    open_human_task,
    validate_completion,
)
from litestar_workflows.rules.token_routing import Activation, _no_callables, _open_timer, _route_chosen, select_targets

# Re-exported for :mod:`.waits`, which moves tokens with the same private helpers.
from litestar_workflows.rules.token_routing import _fire as _fire
from litestar_workflows.rules.token_routing import _route as _route
from litestar_workflows.rules.token_routing import _settle as _settle

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
