"""Which lifecycle events a transition produced, read off the state before and after it.

Both engines derive their events here: the Temporal interpreter calls :func:`events_since`
after every transition (it cannot run the handlers itself: they are user code with side effects,
so an activity hands the events to the worker's event bus), and the in-process engine after each
of its transitions (:mod:`litestar_workflows.engine.local_events`): one home for which event a
transition produces. Reading the events off the state, rather than emitting them inside each
rule, keeps the rules unchanged and makes the events follow from what is recorded: a step's
history record appearing or changing status, a step starting to run, the status changing.

Order: what finished comes before what it started (a step's completion, then its successors'
``step.started``), and a step is announced once (a human step whose guard ran was announced then,
not again when its task opens).

Pure: ``now`` comes in; the snapshot holds the history records themselves (not their ``id()``,
which could be reused once a record dropped from a bounded history is freed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.events import (
    HumanTaskCompleted,
    HumanTaskCreated,
    StepCompleted,
    StepFailed,
    StepSkipped,
    StepStarted,
    WorkflowCanceled,
    WorkflowCompleted,
    WorkflowEvent,
    WorkflowFailed,
    WorkflowPaused,
    WorkflowResumed,
    WorkflowStarted,
    task_id,
)
from litestar_workflows.core.types import StepStatus, StepType, WorkflowStatus
from litestar_workflows.rules import task_events
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, clone_data

__all__ = ["Snapshot", "events_since", "snapshot"]


@dataclass
class Snapshot:
    """What :func:`events_since` compares against.

    Attributes:
        status: The instance status.
        paused: Whether it was paused.
        running: Steps running.
        records: Each history record with the status it had.
        tasks: How far the task-operation events went (:mod:`.task_events`).
    """

    status: WorkflowStatus
    paused: bool
    running: frozenset[str]
    records: list[tuple[StepExecution, StepStatus]] = field(default_factory=list)
    tasks: task_events.TaskMarks = field(default_factory=task_events.TaskMarks)


def snapshot(state: InstanceState) -> Snapshot:
    """The state as :func:`events_since` needs to remember it."""
    return Snapshot(
        status=state.status,
        paused=state.paused_at is not None,
        running=frozenset(state.running),
        records=[(record, record.status) for record in state.history],
        tasks=task_events.marks(state),
    )


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def _step_events(
    graph: GraphSpec,
    state: InstanceState,
    record: StepExecution,
    old: StepStatus | None,
    now: datetime,
    *,
    announced: frozenset[str],
    with_data: bool,
) -> list[WorkflowEvent]:
    iid, name = state.instance_id, record.step_name
    kind = graph.step(name).kind if graph.has_step(name) else StepType.MACHINE
    status = record.status
    events: list[WorkflowEvent] = []
    if old is None and status == StepStatus.WAITING:
        if name not in announced:  # announced already while its guard (or its duration) was computed
            events.append(StepStarted(iid, record.started_at or now, name, kind.value))
        if kind == StepType.HUMAN:
            task = state.task(name)
            events.append(
                HumanTaskCreated(
                    iid,
                    record.started_at or now,
                    name,
                    task_id(iid, name),
                    assignee=(task.assignee or ",".join(task.candidate_groups) or None) if task else None,
                    title=task.title if task else None,
                    description=task.description if task else None,
                    due_at=task.deadline_at if task else None,
                )
            )
        return events
    if status == StepStatus.SUCCEEDED and old in (None, StepStatus.WAITING):
        when = record.completed_at or now
        if kind == StepType.HUMAN and old == StepStatus.WAITING:
            events.append(
                HumanTaskCompleted(
                    iid,
                    when,
                    name,
                    task_id(iid, name),
                    record.completed_by or "",
                    clone_data(record.data),
                    record.comment,
                )
            )
        duration = _seconds(record.started_at, record.completed_at)
        form = clone_data(record.data) if with_data and kind == StepType.HUMAN else None
        events.append(
            StepCompleted(
                iid, when, name, status.value, result=record.result, output_data=form, duration_seconds=duration
            )
        )
    elif status in (StepStatus.FAILED, StepStatus.TIMED_OUT) and old in (None, StepStatus.WAITING):
        events.append(
            StepFailed(
                iid,
                record.completed_at or now,
                name,
                record.error or status.value,
                retry_count=max(record.attempts - 1, 0),
            )
        )
    elif status == StepStatus.SKIPPED and old is None:
        events.append(StepSkipped(iid, record.completed_at or now, name, reason="can_execute returned False"))
    return events


def events_since(
    graph: GraphSpec, before: Snapshot | None, state: InstanceState, now: datetime, *, with_data: bool = False
) -> list[WorkflowEvent]:
    """The events of what happened between ``before`` (``None``: the instance has just started) and ``state``.

    ``with_data`` adds copies of the instance data where 0.3.3's events carried them (the initial
    data, a machine step's input, a human step's form as its output). The in-process engine asks
    for them (it diffs right after each transition, so the data is the data of that moment); the
    Temporal interpreter does not: its events travel in activity payloads (2 MiB at most).
    """
    events: list[WorkflowEvent] = []
    if before is None:
        events.append(
            WorkflowStarted(
                state.instance_id,
                state.started_at,
                state.workflow_name,
                state.workflow_version,
                initial_data=clone_data(state.data) if with_data else None,
                user_id=state.started_by,
            )
        )
        before = Snapshot(WorkflowStatus.PENDING, False, frozenset())
    if not before.paused and state.paused_at is not None:
        events.append(WorkflowPaused(state.instance_id, state.paused_at, paused_at_step=state.current_step))
    seen = {id(record): old for record, old in before.records}
    for record in state.history:
        old = seen.get(id(record))
        if old is None or old != record.status:
            events.extend(_step_events(graph, state, record, old, now, announced=before.running, with_data=with_data))
    for name in state.running:
        if name not in before.running:
            kind = graph.step(name).kind if graph.has_step(name) else StepType.MACHINE
            data = clone_data(state.data) if with_data and kind != StepType.HUMAN else None
            events.append(StepStarted(state.instance_id, now, name, kind.value, input_data=data))
    events.extend(task_events.task_events_since(state, before.tasks, now))
    if before.paused and state.paused_at is None and not state.status.is_finished:
        events.append(WorkflowResumed(state.instance_id, now, resuming_at_step=state.current_step))
    if state.status != before.status and state.status.is_finished:
        if state.status == WorkflowStatus.COMPLETED:
            duration = _seconds(state.started_at, state.completed_at)
            last = state.history[-1].step_name if state.history else None
            events.append(
                WorkflowCompleted(
                    state.instance_id,
                    state.completed_at or now,
                    state.status.value,
                    final_step=last,
                    duration_seconds=duration,
                )
            )
        elif state.status == WorkflowStatus.FAILED:
            events.append(
                WorkflowFailed(state.instance_id, state.completed_at or now, state.error or "failed", state.failed_step)
            )
        else:
            events.append(WorkflowCanceled(state.instance_id, state.completed_at or now, state.error or "canceled"))
    return events
