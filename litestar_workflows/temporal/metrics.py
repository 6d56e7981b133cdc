"""Domain metrics of instances and human tasks, recorded from inside the interpreter workflow.

They go through ``temporalio.workflow.metric_meter()``: the SDK does not record them while a
workflow replays, so a worker restart or a cache eviction counts nothing twice, and they leave the
worker on the same Prometheus endpoint as the SDK's own metrics (``WORKER_METRICS_BIND``).
Recording never issues a command, so it does not touch determinism.

The observer compares what it saw at the previous settle point with the state now: a step that
appears in ``pending`` was opened; one that left it was completed or timed out, as its latest
step-history entry says. Names (all labelled by ``definition``, task metrics also by ``step``):

* ``workflows_instances_started``, ``workflows_instances_completed``, ``workflows_instances_failed``,
  ``workflows_instances_canceled``
* ``workflows_tasks_opened``, ``workflows_tasks_completed``, ``workflows_tasks_timed_out``,
  ``workflows_tasks_escalated`` (also ``to_step``: where the deadline sent the instance)
* ``workflows_task_decision_seconds`` — histogram, from a task opening to its completion

The gateway's gauges of waiting and overdue tasks (visibility counts) are in ``api/metrics.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from temporalio import workflow

from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState

__all__ = [
    "DECISION_BUCKETS",
    "DOMAIN_METRICS",
    "INSTANCES_CANCELED",
    "INSTANCES_COMPLETED",
    "INSTANCES_FAILED",
    "INSTANCES_STARTED",
    "TASKS_COMPLETED",
    "TASKS_ESCALATED",
    "TASKS_OPENED",
    "TASKS_TIMED_OUT",
    "TASK_DECISION_SECONDS",
    "InstanceMetrics",
]

INSTANCES_STARTED: Final = "workflows_instances_started"
INSTANCES_COMPLETED: Final = "workflows_instances_completed"
INSTANCES_FAILED: Final = "workflows_instances_failed"
INSTANCES_CANCELED: Final = "workflows_instances_canceled"
TASKS_OPENED: Final = "workflows_tasks_opened"
TASKS_COMPLETED: Final = "workflows_tasks_completed"
TASKS_TIMED_OUT: Final = "workflows_tasks_timed_out"
TASKS_ESCALATED: Final = "workflows_tasks_escalated"
TASK_DECISION_SECONDS: Final = "workflows_task_decision_seconds"

DOMAIN_METRICS: Final = (
    INSTANCES_STARTED,
    INSTANCES_COMPLETED,
    INSTANCES_FAILED,
    INSTANCES_CANCELED,
    TASKS_OPENED,
    TASKS_COMPLETED,
    TASKS_TIMED_OUT,
    TASKS_ESCALATED,
    TASK_DECISION_SECONDS,
)
"""Every domain metric the workflow records (exported under these names, counters without ``_total``)."""

DECISION_BUCKETS: Final = (60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 8 * 3600.0, 86_400.0, 3 * 86_400.0, 7 * 86_400.0)
"""Histogram buckets of the time to decision, in seconds (a minute to a week)."""

_FINISHED = {
    WorkflowStatus.COMPLETED: INSTANCES_COMPLETED,
    WorkflowStatus.FAILED: INSTANCES_FAILED,
    WorkflowStatus.CANCELED: INSTANCES_CANCELED,
}


class InstanceMetrics:
    """Records the domain metrics of one instance at each settle point (see the module docstring).

    Args:
        graph: The graph the instance runs (where each step's deadline leads).
        state: The state at the start of this run.
        fresh: A new instance (not a continuation after continue-as-new): count it as started.
    """

    def __init__(self, graph: GraphSpec, state: InstanceState, *, fresh: bool) -> None:
        self._graph = graph
        self._definition = state.workflow_name
        self._new_instance = fresh
        # A continued run inherits its open tasks: they were counted as opened by the run before.
        self._open: dict[str, datetime] = {} if fresh else {t.step_name: t.since for t in state.pending}
        self._status = state.status

    def _count(self, name: str, step: str | None = None, **extra: str) -> None:
        attributes = {"definition": self._definition, **({"step": step} if step else {}), **extra}
        workflow.metric_meter().create_counter(name, unit="1").add(1, attributes)

    def observe(self, state: InstanceState) -> None:
        """Record what changed since the previous call."""
        if self._new_instance:
            self._new_instance = False
            self._count(INSTANCES_STARTED)
        now_open = {t.step_name: t.since for t in state.pending}
        for step, since in self._open.items():
            if now_open.get(step) != since:
                self._closed(state, step)
        for step, since in now_open.items():
            if self._open.get(step) != since:
                self._count(TASKS_OPENED, step)
        self._open = now_open
        if state.status != self._status:
            self._status = state.status
            finished = _FINISHED.get(state.status)
            if finished is not None:
                self._count(finished)

    def _closed(self, state: InstanceState, step: str) -> None:
        entry = next((e for e in reversed(state.history) if e.step_name == step), None)
        if entry is None:
            return
        if entry.status == StepStatus.SUCCEEDED:
            self._count(TASKS_COMPLETED, step)
            if entry.completed_at is not None:
                seconds = max((entry.completed_at - entry.started_at).total_seconds(), 0.0)
                workflow.metric_meter().create_histogram_float(TASK_DECISION_SECONDS, unit="s").record(
                    seconds, {"definition": self._definition, "step": step}
                )
        elif entry.status == StepStatus.TIMED_OUT:
            self._count(TASKS_TIMED_OUT, step)
            target = self._graph.step(step).on_deadline
            if target:
                self._count(TASKS_ESCALATED, step, to_step=target)
