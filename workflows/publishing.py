"""The interpreter's published view of an instance: search attributes, memo and Web UI
details (a mixin of :class:`~workflows.interpreter.InterpreterWorkflow`).

Separate from the workflow class because it only mirrors the state outward, after every
transition: the search attributes the inbox and listings filter on (upserted only when they
change; ``Participants`` behind its patch), the memo's deciders for the inbox's four-eyes
``can_complete`` (behind its patch), the current details shown in the Web UI, the lifecycle
events and the domain metrics.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.types import WorkflowStatus
    from litestar_workflows.rules import access, listing_facts
    from litestar_workflows.rules.state import PendingTask
    from litestar_workflows.temporal.contracts import (
        MEMO_STEP_COMPLETERS,
        PATCH_COMPLETERS_MEMO,
        PATCH_LEAN_PUBLISH,
        PATCH_PARTICIPANTS,
        SA_BUSINESS_KEY,
        SA_DEFINITION_NAME,
        SA_DEFINITION_VERSION,
        SA_INSTANCE_STATUS,
        SA_PARTICIPANTS,
        SA_PENDING_STEPS,
        SA_WAITING_ON,
        SA_WAITING_SINCE,
        candidate_entries,
    )
    from workflows.task_operations import task_marks

if TYPE_CHECKING:
    from litestar_workflows.rules.spec import GraphSpec
    from litestar_workflows.rules.state import InstanceState
    from litestar_workflows.temporal.metrics import InstanceMetrics

__all__ = ["InterpreterPublishing"]


def _fmt_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _task_assignment(task: PendingTask) -> str:
    parts = []
    if task.assignee is not None:
        parts.append(f"assignee {task.assignee}")
    if task.candidate_groups:
        parts.append("groups " + ", ".join(task.candidate_groups))
    return " / ".join(parts) or "anyone"


class InterpreterPublishing:
    """Search attributes, memo and current details of the interpreter workflow."""

    if TYPE_CHECKING:
        _graph: GraphSpec
        _state: InstanceState
        _claims: dict[str, str]
        _missing_worker: dict[str, str]
        _published: dict[str, Any]
        _completers_memo: Any
        _metrics: InstanceMetrics

        def _patched(self, patch_id: str) -> bool: ...
        def _wait_details(self) -> list[str]: ...
        def _task_details(self, task: PendingTask) -> str: ...
        def _notifier_details(self) -> str: ...
        def _emit_events(self) -> None: ...

    def _publish(self) -> None:
        """Bring the search attributes and the current details in line with the state."""
        state = self._state
        waiting_on: list[str] = []
        for task in state.pending:
            for entry in [*candidate_entries(task.assignee, task.candidate_groups), *task_marks(task)]:
                if entry not in waiting_on:
                    waiting_on.append(entry)
        wanted: list[tuple[SearchAttributeKey[Any], Any]] = [
            (SA_DEFINITION_NAME, state.workflow_name),
            (SA_DEFINITION_VERSION, state.workflow_version),
            (SA_BUSINESS_KEY, state.business_key),
            (SA_INSTANCE_STATUS, state.status.value),
            (SA_PENDING_STEPS, state.pending_steps),
            (SA_WAITING_ON, waiting_on),
            (SA_WAITING_SINCE, min((t.since for t in state.pending), default=None)),
        ]
        if self._patched(PATCH_PARTICIPANTS):
            wanted.append((SA_PARTICIPANTS, access.participant_entries(state, self._graph)))
        changed: list[tuple[SearchAttributeKey[Any], Any]] = []
        for key, value in wanted:
            empty = value is None or value == []
            current = self._published.get(key.name)
            if not ((empty and current in (None, [])) or current == value):
                changed.append((key, None if empty else value))
        if (
            [key for key, _ in changed] == [SA_INSTANCE_STATUS]
            and state.status == WorkflowStatus.COMPLETED
            and self._patched(PATCH_LEAN_PUBLISH)
        ):
            changed = []  # only the status: the run's execution status says it (PATCH_LEAN_PUBLISH)
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in changed:
            updates.append(key.value_unset() if value is None else key.value_set(value))
            self._published[key.name] = value
        if updates:
            workflow.upsert_search_attributes(updates)
        self._publish_completers()
        workflow.set_current_details(self._details() + self._notifier_details())
        self._emit_events()
        self._metrics.observe(state)

    def _publish_completers(self) -> None:
        """Keep the memo's deciders of the steps some ``exclude_completers_of`` names in line with
        the state, only when they change: the inbox tells ``can_complete`` from the listing row
        (:mod:`~litestar_workflows.rules.listing_facts`), without querying the run."""
        state = self._state
        record = listing_facts.completers_record(self._graph, state.history, state.tasks.decisions)
        if not record or record == self._completers_memo:
            return
        if not listing_facts.completers_read(self._graph, state.pending) and self._patched(PATCH_LEAN_PUBLISH):
            return  # published once a step that reads them waits (see PATCH_LEAN_PUBLISH)
        if self._patched(PATCH_COMPLETERS_MEMO):
            workflow.upsert_memo({MEMO_STEP_COMPLETERS: record})
            self._completers_memo = record

    def _details(self) -> str:
        state = self._state
        if state.status == WorkflowStatus.COMPLETED:
            return f"completed at {_fmt_time(state.completed_at or workflow.now())}"
        if state.status == WorkflowStatus.FAILED:
            where = f" at step {state.failed_step}" if state.failed_step else ""
            return f"failed{where}: {state.error}"
        if state.status == WorkflowStatus.CANCELED:
            return state.error or "canceled"
        lines = self._wait_details()
        for task in state.pending:
            line = f"waiting for {task.step_name} — {_task_assignment(task)} — since {_fmt_time(task.since)}"
            if task.deadline_at is not None:
                line += f" — deadline {_fmt_time(task.deadline_at)} then {task.on_deadline or 'the default decision'}"
            line += self._task_details(task)
            claimed = self._claims.get(task.step_name)
            if claimed is not None:
                line += f" — being completed by {claimed}"
            lines.append(line)
        for name in state.running:
            step = self._graph.step(name)
            line = f"running {name}" + (f" — {step.description}" if step.description else "")
            missing = self._missing_worker.get(name)
            if missing is not None:
                line += f" — waiting for a worker that has {state.workflow_name} {state.workflow_version}: {missing}"
            lines.append(line)
        return "\n\n".join(lines) or state.status.value
