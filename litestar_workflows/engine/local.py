"""In-process, in-memory execution engine: for tests, notebooks and the quickstart.

Nothing here is durable; use :class:`~litestar_workflows.temporal.engine.TemporalExecutionEngine`
for that. Semantics are the same because both drive the same functional core
(:mod:`litestar_workflows.rules.machine`).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from litestar_workflows.core.events import WorkflowEvent
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import Page
from litestar_workflows.engine.events import EventBus, SupportsEmit, as_event_bus
from litestar_workflows.engine.local_events import EventRecorder
from litestar_workflows.engine.local_published import PublishedLocalEngineAPI, refuse_persistence
from litestar_workflows.engine.local_run import LocalInstance, LocalStepRunner
from litestar_workflows.engine.local_tasks import LocalTaskOperations
from litestar_workflows.engine.local_waits import LocalWaits
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.engine.starting import check_start, instance_id_for
from litestar_workflows.engine.step_attempt import callable_evaluator
from litestar_workflows.exceptions import (
    CancelNotAllowedError,
    IdempotencyKeyConflictError,
    InvalidQueryError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
)
from litestar_workflows.rules import access, decisions, idempotency, machine, tasks
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.budgets import SizeBudgets, check_completion
from litestar_workflows.rules.listing_facts import tasks_with_facts
from litestar_workflows.rules.notifiers import describe_events, record_notifier_failure
from litestar_workflows.rules.state import PendingTask, clone_data

__all__ = ["LocalExecutionEngine"]


def _now() -> datetime:
    return datetime.now(UTC)


def _offset(cursor: str | None) -> int:
    return int(cursor) if cursor and cursor.isdigit() else 0


class LocalExecutionEngine(LocalStepRunner, LocalWaits, LocalTaskOperations, PublishedLocalEngineAPI):
    """Runs instances in this process's event loop.

    Args:
        registry: Where definitions are looked up.
        persistence: Must be ``None``: instances live in memory (0.3.3's parameter; see
            :func:`~litestar_workflows.engine.local_published.refuse_persistence`).
        event_bus: Where the instances' events are published: an :class:`EventBus` (a new one if
            ``None``) or, as in 0.3.3, any object with ``emit(name, **fields)``.
        budgets: Size budgets of the instances (defaults: :class:`SizeBudgets`).
        admin_groups: Groups that may read and cancel every instance (see
            :mod:`~litestar_workflows.rules.access`).
    """

    def __init__(
        self,
        registry: WorkflowRegistry,
        persistence: Any = None,
        event_bus: EventBus | SupportsEmit | None = None,
        *,
        budgets: SizeBudgets | None = None,
        admin_groups: Collection[str] = (),
    ) -> None:
        refuse_persistence(persistence)
        self.event_bus = as_event_bus(event_bus)
        self._events = EventRecorder(self.event_bus, on_failure=self._notifier_failed)
        self.registry = registry
        self.admin_groups = tuple(admin_groups)
        self.budgets = budgets or SizeBudgets()
        self._instances: dict[str, LocalInstance] = {}
        self._background: set[asyncio.Task[Any]] = set()

    # --- public API -------------------------------------------------------------------

    async def start_workflow(
        self,
        workflow_name: str | type[Any],
        initial_data: Mapping[str, Any] | None = None,
        version: str | None = None,
        *,
        business_key: str | None = None,
        user_id: str | None = None,
        groups: Collection[str] = (),
    ) -> WorkflowInstance:
        """Start an instance and return it once it has settled.

        ``user_id`` and ``groups`` are the starter's identity (from their token).

        Raises:
            WorkflowNotFoundError: No such definition (version).
            WorkflowAlreadyExistsError: ``business_key`` reused with different data, or used by
                an instance the starter may not read.
            InitialDataError: The data fails the definition's ``input_schema`` or four-eyes options.
        """
        workflow_name, version, definition, graph = check_start(
            self.registry, self.budgets, workflow_name, version, initial_data, user_id
        )
        data = clone_data(dict(initial_data or {}))
        instance_id = instance_id_for(workflow_name, business_key)
        existing = self._instances.get(instance_id)
        if existing is not None:
            if existing.initial_data != data or (version is not None and version != existing.graph.version):
                raise WorkflowAlreadyExistsError(instance_id, "the business key was used with different data")
            if not self._readable(existing, None if user_id is None else Caller(user_id, tuple(groups))):
                raise WorkflowAlreadyExistsError(instance_id, "the business key is already in use")
            return existing.view
        state, activations = machine.start_instance(
            graph, instance_id, data, _now(), business_key=business_key, started_by=user_id, started_by_groups=groups
        )
        record = LocalInstance(definition, graph, state, WorkflowInstance.from_state(state), data)
        self._instances[instance_id] = record
        self._events.publish(graph, state)
        self._arm_secret(record)
        async with record.lock:
            await self._drive(record, activations)
        await self._events.flush()
        return record.view

    async def complete_human_task(
        self,
        instance_id: str,
        step_name: str,
        user_id: str,
        data: Mapping[str, Any],
        *,
        groups: Collection[str] = (),
        comment: str | None = None,
        idempotency_key: str | None = None,
        expected_revision: str | None = None,
    ) -> WorkflowInstance:
        """Complete a waiting human step; nothing changes if the request is rejected.

        With ``expected_revision`` (the instance's ``revision`` the decider saw) a decision on an
        instance that changed since is refused (:class:`StaleRevisionError`). On a step with
        several approvers the decision is recorded and the step completes at the last one needed.

        A repeat with the same ``idempotency_key`` by the same user, step and data returns a
        snapshot of the first result; the same key with another step or data is refused. A
        refusal for a user who may not read the instance is a not-found.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or refused and not readable by the user).
            TaskNotFoundError: No such step.
            StepNotWaitingError: The step is not waiting (``TaskAlreadyCompletedError`` if done).
            UnauthorizedTaskError: The user may not complete it.
            FormValidationError: The data fails the form schema.
            IdempotencyKeyConflictError: The key was used for another request.
            WorkflowAlreadyCompletedError: The instance has finished.
        """
        record = self._get(instance_id)
        async with record.lock:
            scoped = digest = ""
            if idempotency_key is not None:
                scoped = idempotency.scoped_key(user_id, idempotency_key)
                digest = idempotency.request_digest(step_name, dict(data) if isinstance(data, Mapping) else {}, comment)
                first = record.completions.get(scoped)
                if first is not None and first[0] == digest:
                    return first[1]
            # Why a completion was refused tells that the instance exists: only to its readers.
            self._readable_record(instance_id, Caller(user_id, tuple(groups)))
            if idempotency_key is not None and idempotency.key_conflicts(record.state, scoped, digest):
                raise IdempotencyKeyConflictError(instance_id, step_name, idempotency_key)
            check_completion(self.budgets, data, comment, record.state.data)
            machine.validate_completion(record.graph, record.state, step_name, user_id, groups, data)
            decisions.validate_decision(
                record.graph,
                record.state,
                step_name,
                user_id,
                groups,
                data,
                expected_revision=expected_revision,
                budgets=self.budgets,
            )
            if idempotency_key is not None:
                idempotency.remember_key(record.state, scoped, digest)
            seen = expected_revision or tasks.revision(record.state)
            decided = decisions.decide(
                record.graph,
                record.state,
                step_name,
                user_id,
                groups,
                clone_data(dict(data)),
                _now(),
                comment=comment,
                revision_seen=seen,
            )
            if decided is None:  # one more approval recorded; the step still waits for others
                self._events.publish(record.graph, record.state)
                record.view.refresh(record.state)
                if idempotency_key is not None:
                    record.completions[scoped] = (digest, WorkflowInstance.from_state(copy.deepcopy(record.state)))
                return record.view
            submitted = decided
            activations = machine.apply_completion(
                record.graph,
                record.state,
                step_name,
                user_id,
                submitted,
                _now(),
                comment=comment,
                evaluate_callable=callable_evaluator(record.definition, lambda: record.state.context(step_name)),
                groups=groups,
            )
            self._events.publish(record.graph, record.state)
            # Only once the completion is applied: a rejected request leaves the deadline armed.
            self._cancel_timer(record, step_name)
            await self._drive(record, activations)
            if idempotency_key is not None:
                snapshot = WorkflowInstance.from_state(copy.deepcopy(record.state))
                record.completions[scoped] = (digest, snapshot)
        await self._events.flush()
        return record.view

    async def get_instance(self, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Return the instance (the same object every call returns).

        With a ``caller`` (an identity from a token), an instance they may not read is not found.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance, or not readable by ``caller``.
        """
        return self._readable_record(instance_id, caller).view

    async def list_instances(
        self,
        *,
        workflow_name: str | None = None,
        status: WorkflowStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
        caller: Caller | None = None,
    ) -> Page[WorkflowInstance]:
        """List instances ``caller`` may read, newest first.

        Raises:
            InvalidQueryError: The caller's identity could not be matched on Temporal either.
        """
        self._check_identity(caller)
        found = [
            r.view
            for r in self._instances.values()
            if (workflow_name is None or r.state.workflow_name == workflow_name)
            and (status is None or r.state.status == status)
            and self._readable(r, caller)
        ]
        found.sort(key=lambda v: (v.started_at, v.id), reverse=True)
        start = _offset(cursor)
        end = start + limit
        return Page(found[start:end], str(end) if end < len(found) else None)

    async def list_pending_tasks(
        self,
        user: str | None = None,
        group: str | Collection[str] | None = None,
        *,
        workflow_name: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[PendingTask]:
        """List waiting human tasks offered to ``user`` / ``group`` (both ``None``: all), oldest first.

        Raises:
            InvalidQueryError: The identity could not be matched on Temporal either.
        """
        groups = {group} if isinstance(group, str) else set(group or ())
        if user is not None:
            self._check_identity(Caller(user, tuple(groups)))
        tasks: list[PendingTask] = [
            task
            for r in self._instances.values()
            if workflow_name is None or r.state.workflow_name == workflow_name
            for task in tasks_with_facts(r.state, r.graph)  # with the four-eyes facts of the listing's hints
            if (user is None and not groups) or access.is_offered_to(task, user, groups)
        ]
        tasks.sort(key=lambda t: (t.since, t.instance_id, t.step_name))
        start = _offset(cursor)
        end = start + limit
        return Page(tasks[start:end], str(end) if end < len(tasks) else None)

    async def cancel_workflow(
        self, instance_id: str, reason: str = "", *, caller: Caller | None = None
    ) -> WorkflowInstance:
        """Cancel an instance; running steps are interrupted.

        With a ``caller``: only the starter and the admin groups may.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or not readable by ``caller``).
            CancelNotAllowedError: ``caller`` may read it but not cancel it.
            WorkflowAlreadyCompletedError: It has already finished.
        """
        record = self._readable_record(instance_id, caller)
        refusal = access.cancel_error(record.state, caller, self.admin_groups)
        if refusal is not None and caller is not None:
            raise CancelNotAllowedError(instance_id, caller.user_id, refusal)
        machine.cancel_instance(record.state, reason, _now())
        self._stop(record)
        record.view.refresh(record.state)
        self._events.publish(record.graph, record.state, canceled_by=None if caller is None else caller.user_id)
        await self._events.flush()
        return record.view

    # --- internals ----------------------------------------------------------------------

    def _notifier_failed(self, event: WorkflowEvent, notifier: str, error: str) -> None:
        """A handler raised: recorded on the instance as on Temporal (one attempt here), not fatal."""
        record = self._instances.get(event.instance_id)
        if record is not None:
            record_notifier_failure(record.state, notifier, describe_events([type(event).__name__]), error, _now(), 1)
            record.view.notifier_failures = list(record.state.notifier_failures)

    def _readable(self, record: LocalInstance, caller: Caller | None) -> bool:
        return access.may_read(record.state, record.graph, caller, self.admin_groups)

    def _readable_record(self, instance_id: str, caller: Caller | None) -> LocalInstance:
        record = self._get(instance_id)
        if not self._readable(record, caller):
            raise WorkflowInstanceNotFoundError(str(instance_id))
        return record

    @staticmethod
    def _check_identity(caller: Caller | None) -> None:
        # The same identities as TemporalExecutionEngine accepts, so code moves between them.
        if caller is not None:
            problem = access.identity_error(caller.user_id, caller.groups)
            if problem is not None:
                raise InvalidQueryError(f"This identity cannot be matched in a listing: {problem}")

    def _get(self, instance_id: str) -> LocalInstance:
        record = self._instances.get(str(instance_id))
        if record is None:
            raise WorkflowInstanceNotFoundError(str(instance_id))
        return record
