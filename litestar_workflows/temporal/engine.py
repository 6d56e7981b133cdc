"""Durable execution engine: every instance is one run of the interpreter workflow on Temporal.

Same semantics as :class:`~litestar_workflows.engine.local.LocalExecutionEngine` (both
drive :mod:`litestar_workflows.rules.machine`); the mapping onto Temporal:

=============================  ==========================================================
Engine call                    Temporal
=============================  ==========================================================
``start_workflow``             update-with-start: start the workflow (id
                               ``<definition>/<business key>`` or a UUID, conflict policy
                               USE_EXISTING) and wait in the same call for the update
                               ``wait_settled`` to return the settled state
``complete_human_task``        update ``complete_human_task`` (update id = idempotency key)
``get_instance``               query ``get_state``
``list_instances``             visibility query on the custom search attributes, then the
                               query on each listed instance
``list_pending_tasks``         visibility query on ``WaitingOn`` / ``PendingSteps``, then
                               the query on each listed instance
``cancel_workflow``            workflow cancellation, then wait for the run to end
=============================  ==========================================================

Errors coming back from Temporal are translated into the SDK's
:class:`~litestar_workflows.exceptions.WorkflowsError` subclasses.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import logging
import uuid
import weakref
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.client import (
    WorkflowExecutionStatus as ExecutionStatus,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import Page
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.engine.step_attempt import jsonable
from litestar_workflows.exceptions import (
    CancelNotAllowedError,
    EngineUnavailableError,
    FormValidationError,
    InitialDataError,
    InvalidQueryError,
    SettleTimeoutError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
    WorkflowsError,
)
from litestar_workflows.rules import access, idempotency
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.budgets import SizeBudgets, check_completion, check_initial_data
from litestar_workflows.rules.forms import form_errors
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.temporal.client import connect, ensure_search_attributes
from litestar_workflows.temporal.contracts import (
    MEMO_INITIAL_DATA_DIGEST,
    QUERY_STATE,
    SA_BUSINESS_KEY,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PARTICIPANTS,
    SEARCH_ATTRIBUTES,
    SIGNAL_COMPLETE_HUMAN_TASK,
    UPDATE_COMPLETE_HUMAN_TASK,
    UPDATE_WAIT_SETTLED,
    WORKFLOW_TYPE,
    CompleteHumanTask,
    InterpreterInput,
    WaitSettled,
    data_digest,
    decode_update_result,
    error_from_details,
)
from litestar_workflows.temporal.engine_tasks import TemporalTaskOperations
from litestar_workflows.temporal.engine_waits import TemporalWaits
from litestar_workflows.temporal.visibility import (
    VisibleRun,
    graph_of,
    listed_tasks,
    listing_memo,
    tasks_from_visibility,
    unavailable_state,
    visible_runs,
)

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "SEARCH_ATTRIBUTES",
    "TemporalExecutionEngine",
    "connect",
    "ensure_search_attributes",
    "translate_error",
]

DEFAULT_TASK_QUEUE = "litestar-workflows"
"""Task queue used when none is given (the default of ``TEMPORAL_TASK_QUEUE``)."""

T = TypeVar("T")

# A listing asks each run for its state with this timeout at most: a run that cannot answer
# (its workflow task failing) delays the page by this much, and is shown as unavailable.
_LISTING_QUERY_TIMEOUT = timedelta(seconds=2)

logger = logging.getLogger(__name__)

_UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _quote(value: str) -> str:
    """A visibility-query string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _encode_cursor(token: bytes | None) -> str | None:
    return base64.urlsafe_b64encode(token).decode() if token else None


def _decode_cursor(cursor: str | None) -> bytes | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode())
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


def translate_error(error: BaseException, instance_id: str = "") -> BaseException:
    """The SDK error for an error raised by the Temporal client (other errors unchanged)."""
    if isinstance(error, WorkflowsError):
        return error
    if isinstance(error, WorkflowUpdateFailedError | WorkflowFailureError) and isinstance(
        error.cause, ApplicationError
    ):
        cause = error.cause
        details = cause.details[0] if cause.details and isinstance(cause.details[0], Mapping) else None
        return error_from_details(cause.type, cause.message, details)
    if isinstance(error, WorkflowUpdateRPCTimeoutOrCancelledError):
        return SettleTimeoutError(instance_id)
    if isinstance(error, WorkflowQueryFailedError) and any(
        sign in str(error).lower() for sign in ("unknown querytype", "expected but not found")
    ):
        # Another kind of workflow under that id (a shared namespace): not one of our instances.
        return WorkflowInstanceNotFoundError(instance_id)
    if isinstance(error, WorkflowQueryFailedError | WorkflowQueryRejectedError):
        return WorkflowsError(f"Workflow instance {instance_id!r} could not be queried: {error}")
    if isinstance(error, RPCError):
        if error.status == RPCStatusCode.NOT_FOUND:
            return WorkflowInstanceNotFoundError(instance_id)
        if error.status in _UNAVAILABLE:
            return EngineUnavailableError(f"Temporal did not answer: {error.message}")
        if error.status == RPCStatusCode.FAILED_PRECONDITION and "poller" in error.message:
            return EngineUnavailableError(f"No worker is running for instance {instance_id!r}: {error.message}")
    if isinstance(error, RuntimeError) and "client connect" in str(error).lower():
        return EngineUnavailableError(f"Temporal cannot be reached: {error}")
    return error


class TemporalExecutionEngine(TemporalWaits, TemporalTaskOperations):
    """Runs instances durably on Temporal; a worker (``worker.py``) must poll ``task_queue``.

    Args:
        registry: Definitions this process may start (graph snapshots come from here;
            the step code runs on the workers).
        client: Connected Temporal client (see :func:`connect`).
        task_queue: Task queue the workers poll.
        settle_timeout: Seconds a start or completion waits for the instance to settle
            before raising :class:`~litestar_workflows.exceptions.SettleTimeoutError`
            (nothing is lost; the instance runs on).
        query_timeout: Seconds to wait for a worker to answer a state query.
        max_concurrent_queries: Parallel state queries when listing.
        admin_groups: Groups that may read and cancel every instance (see
            :mod:`~litestar_workflows.rules.access`).
        completion_signals: Whether instances started here accept the completion signal (it
            bypasses the gateway; off: every such signal is rejected).
        emit_events: Whether instances started here hand their lifecycle events to the workers'
            event bus (``build_worker(..., event_bus=...)``; docs/temporal.md).
    """

    def __init__(
        self,
        registry: WorkflowRegistry,
        client: Client,
        task_queue: str = DEFAULT_TASK_QUEUE,
        *,
        settle_timeout: float = 60.0,
        query_timeout: float = 10.0,
        max_concurrent_queries: int = 32,
        budgets: SizeBudgets | None = None,
        admin_groups: Collection[str] = (),
        completion_signals: bool = True,
        emit_events: bool = False,
    ) -> None:
        self.registry = registry
        self.client = client
        self.admin_groups = tuple(admin_groups)
        self.completion_signals = completion_signals
        self.emit_events = emit_events
        # Fixed into each instance at its start (the workflow checks completions against them).
        self.budgets = budgets or SizeBudgets()
        self.task_queue = task_queue
        self.settle_timeout = timedelta(seconds=settle_timeout)
        self.query_timeout = timedelta(seconds=query_timeout)
        self._query_slots = asyncio.Semaphore(max_concurrent_queries)
        # Instances handed out earlier are refreshed in place, as LocalExecutionEngine does.
        self._views: weakref.WeakValueDictionary[str, WorkflowInstance] = weakref.WeakValueDictionary()

    # --- public API ---------------------------------------------------------------------------

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
        """Start an instance and return it once it has settled (one round trip: update-with-start).

        ``user_id`` and ``groups`` are the starter's identity (from their token); with a
        ``user_id``, a business key already used by an instance the starter may not read is a
        conflict that reveals nothing of that instance.

        Raises:
            WorkflowNotFoundError: No such definition (version) in the registry.
            WorkflowAlreadyExistsError: ``business_key`` reused with different data or version.
            InitialDataError: The data fails the definition's ``input_schema`` or four-eyes options.
            SettleTimeoutError: Started, but not settled within ``settle_timeout``.
            EngineUnavailableError: Temporal cannot be reached.
        """
        workflow_name, version = self.registry.resolve(workflow_name, version)  # a workflow class: its name
        definition = self.registry.get_definition(workflow_name, version)
        graph = self.registry.get_graph(workflow_name, definition.version)
        # Size and depth first: the schema checks below recurse into the data.
        check_initial_data(self.budgets, dict(initial_data or {}))
        problems = access.start_errors(graph, dict(initial_data or {}), user_id)
        if problems:
            raise InitialDataError(workflow_name, problems)
        data: dict[str, Any] = jsonable(dict(initial_data or {}))
        digest = data_digest(data)
        instance_id = f"{workflow_name}/{business_key}" if business_key else str(uuid.uuid4())
        attributes: list[SearchAttributePair[Any]] = [
            SearchAttributePair(SA_DEFINITION_NAME, graph.name),
            SearchAttributePair(SA_DEFINITION_VERSION, graph.version),
            SearchAttributePair(SA_INSTANCE_STATUS, WorkflowStatus.RUNNING.value),
        ]
        if business_key:
            attributes.append(SearchAttributePair(SA_BUSINESS_KEY, business_key))
        starter_view = InstanceState(instance_id, graph.name, graph.version, started_at=_EPOCH, started_by=user_id)
        readers = access.participant_entries(starter_view, graph)
        if readers:
            attributes.append(SearchAttributePair(SA_PARTICIPANTS, readers))
        summary = f"{graph.name} {graph.version}" + (f" — {business_key}" if business_key else "")
        operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            WORKFLOW_TYPE,
            InterpreterInput(
                graph=graph,
                initial_data=data,
                business_key=business_key,
                started_by=user_id,
                budgets=self.budgets,
                started_by_groups=sorted(set(groups)),
                completion_signals=self.completion_signals,
                emit_events=self.emit_events,
            ),
            id=instance_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A business key names one instance forever, even after it has finished.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            result_type=InstanceState,
            memo={MEMO_INITIAL_DATA_DIGEST: digest, **listing_memo(graph, user_id)},
            search_attributes=TypedSearchAttributes(attributes),
            static_summary=summary,
            static_details=graph.description or None,
        )
        try:
            settled: Any = await self.client.execute_update_with_start_workflow(
                UPDATE_WAIT_SETTLED,
                WaitSettled(initial_data_digest=digest, version=version),
                start_workflow_operation=operation,
                rpc_timeout=self.settle_timeout,
            )
        except WorkflowAlreadyStartedError:
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await operation.workflow_handle()  # retrieve the operation's own copy of the error
            existing = await self._finished_duplicate(instance_id, digest, version)
            return self._view(self._own_start(await self._state(existing.id), user_id, groups))
        except RPCError as exc:
            if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                # The start is durable once accepted; only the wait for the settle point ran out.
                raise SettleTimeoutError(instance_id) from exc
            raise translate_error(exc, instance_id) from exc
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        state = await self._settled_state(instance_id, settled)
        return self._view(self._own_start(state, user_id, groups))

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
        """Complete a waiting human step and return the instance once it has settled again.

        With ``expected_revision`` a decision on an instance that changed since is refused
        (:class:`StaleRevisionError`, nothing written).

        The workflow validates before anything is written to its history, so a rejected
        request changes nothing. A repeat with the same ``idempotency_key`` by the same user,
        step and data (the Temporal update id is derived from all four) returns the first call's
        result; the same key with another step or data is refused. A refusal for a user who
        may not read the instance is a not-found, as if it did not exist.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance.
            TaskNotFoundError: No such step.
            StepNotWaitingError: The step is not waiting (``TaskAlreadyCompletedError`` if done).
            UnauthorizedTaskError: The user may not complete it.
            FormValidationError: The data fails the form schema (every failing field listed).
            IdempotencyKeyConflictError: The key was used for another request.
            WorkflowAlreadyCompletedError: The instance has finished.
            SettleTimeoutError: Accepted, but not settled within ``settle_timeout``.
            EngineUnavailableError: Temporal cannot be reached.
        """
        if not isinstance(data, Mapping):
            raise FormValidationError(step_name, form_errors(None, data))
        # Sizes the instance could not hold are refused here already (the workflow checks again).
        check_completion(self.budgets, dict(data), comment, {})
        request = CompleteHumanTask(
            step_name=step_name,
            user_id=user_id,
            data=jsonable(dict(data)),
            groups=sorted({str(g) for g in groups}),
            comment=comment,
            admin_groups=list(self.admin_groups),
            expected_revision=expected_revision,
        )
        update_id = None
        if idempotency_key is not None:
            digest = idempotency.request_digest(step_name, request.data, comment)
            request = dataclasses.replace(request, idempotency_key=idempotency_key, request_digest=digest)
            update_id = f"{idempotency.scoped_key(user_id, idempotency_key)}.{digest}"
        handle = self._handle(instance_id)
        try:
            # The workflow's validator refuses a user who may not read the instance as not-found.
            settled: Any = await handle.execute_update(
                UPDATE_COMPLETE_HUMAN_TASK, request, id=update_id, rpc_timeout=self.settle_timeout
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                await self._raise_closed_or_missing(instance_id)
            raise translate_error(exc, instance_id) from exc
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        return self._view(await self._settled_state(instance_id, settled))

    async def signal_human_task(
        self,
        instance_id: str,
        step_name: str,
        user_id: str,
        data: Mapping[str, Any],
        *,
        groups: Collection[str] = (),
        comment: str | None = None,
    ) -> None:
        """Send the completion as a signal (fire and forget).

        The workflow applies the same validation; a rejected signal is recorded in the
        instance's ``rejected`` list and changes nothing else.

        Raises:
            WorkflowInstanceNotFoundError: Unknown or finished instance.
            EngineUnavailableError: Temporal cannot be reached.
        """
        check_completion(self.budgets, dict(data), comment, {})  # the workflow would only record a rejection
        request = CompleteHumanTask(step_name, user_id, jsonable(dict(data)), sorted(set(groups)), comment)
        await self._call(instance_id, lambda: self._handle(instance_id).signal(SIGNAL_COMPLETE_HUMAN_TASK, request))

    async def get_instance(self, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Return the current state of an instance (an object handed out earlier is refreshed in place).

        With a ``caller`` (an identity from a token), an instance they may not read is not found.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance, or not readable by ``caller``.
            EngineUnavailableError: Temporal (or a worker to answer) cannot be reached.
        """
        return self._view(await self._readable_state(instance_id, caller))

    async def list_instances(
        self,
        *,
        workflow_name: str | None = None,
        status: WorkflowStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
        caller: Caller | None = None,
    ) -> Page[WorkflowInstance]:
        """List this engine's instances (those on its task queue), newest first, filtered by
        definition and status, and to those ``caller`` may read (in the visibility query itself,
        on the ``Participants`` search attribute, so every page is complete).

        Visibility is eventually consistent: an instance started a moment ago may be
        missing, and its status is re-read from the instance itself.

        Raises:
            ValueError: ``cursor`` is not a cursor this engine returned.
            InvalidQueryError: The caller's identity cannot be matched in a visibility query.
        """
        clauses = [f"WorkflowType = {_quote(WORKFLOW_TYPE)}", f"TaskQueue = {_quote(self.task_queue)}"]
        if workflow_name is not None:
            clauses.append(f"{SA_DEFINITION_NAME.name} = {_quote(workflow_name)}")
        if status is not None:
            clauses.append(f"{SA_INSTANCE_STATUS.name} = {_quote(WorkflowStatus(status).value)}")
        readers = self._reader_clause(caller)
        if readers is not None:
            clauses.append(readers)
        executions, token = await self._list(" AND ".join(clauses), limit, cursor)
        states = await self._states(executions)
        # The Participants clause decided who sees what (participants only ever grow, so it is never
        # too generous); rows are not filtered again, so a page is exactly what the query returned.
        items = [
            self._view(s) for s in states if s is not None and (status is None or s.status == WorkflowStatus(status))
        ]
        return Page(items, _encode_cursor(token))

    async def list_pending_tasks(
        self,
        user: str | None = None,
        group: str | Collection[str] | None = None,
        *,
        workflow_name: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[PendingTask]:
        """List waiting human tasks (of instances on this engine's task queue) offered to ``user`` /
        ``group`` (see :func:`~litestar_workflows.rules.access.is_offered_to`); both ``None``: all.

        A page holds the tasks of up to ``limit`` instances (newest instances first,
        tasks oldest first within the page).

        Raises:
            ValueError: ``cursor`` is not a cursor this engine returned.
            InvalidQueryError: The user or a group cannot be matched in a visibility query.
        """
        groups = {group} if isinstance(group, str) else set(group or ())
        if user is not None or groups:
            problem = access.identity_error("-" if user is None else user, groups)
            if problem is not None:
                raise InvalidQueryError(f"This identity cannot be matched in a listing: {problem}")
        clauses = [
            f"WorkflowType = {_quote(WORKFLOW_TYPE)}",
            f"TaskQueue = {_quote(self.task_queue)}",
            "ExecutionStatus = 'Running'",
        ]
        if user is None and not groups:
            clauses.append("PendingSteps IS NOT NULL")
        else:
            entries = access.caller_entries(user, groups)
            clauses.append(f"WaitingOn IN ({', '.join(_quote(e) for e in entries)})")
        if workflow_name is not None:
            clauses.append(f"{SA_DEFINITION_NAME.name} = {_quote(workflow_name)}")
        executions, token = await self._list(" AND ".join(clauses), limit, cursor)
        tasks = [
            task
            for task in await self._visible_tasks(executions)
            if (user is None and not groups) or access.is_offered_to(task, user, groups)
        ]
        tasks.sort(key=lambda t: (t.since, t.instance_id, t.step_name))
        return Page(tasks, _encode_cursor(token))

    async def cancel_workflow(
        self, instance_id: str, reason: str = "", *, caller: Caller | None = None
    ) -> WorkflowInstance:
        """Cancel an instance and return it once its run has ended (running steps are canceled).

        With a ``caller``: only the starter and the admin groups may; others who may read it are
        refused, the rest are told it does not exist.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance (or not readable by ``caller``).
            CancelNotAllowedError: ``caller`` may read it but not cancel it.
            WorkflowAlreadyCompletedError: It has already finished.
            SettleTimeoutError: The cancellation was requested but the run has not ended in time.
        """
        if caller is not None:
            state = await self._readable_state(instance_id, caller)
            refusal = access.cancel_error(state, caller, self.admin_groups)
            if refusal is not None:
                raise CancelNotAllowedError(instance_id, caller.user_id, refusal)
        handle = self._handle(instance_id)
        # The server accepts a cancel request for a closed run silently: look first.
        await self._raise_closed_or_missing(instance_id)
        await self._call(instance_id, lambda: handle.cancel(reason=reason))
        try:
            await asyncio.wait_for(handle.result(), self.settle_timeout.total_seconds())
        except WorkflowFailureError:
            pass  # the expected outcome: the run ended canceled (or failed just before)
        except TimeoutError:
            raise SettleTimeoutError(instance_id) from None
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        instance = await self.get_instance(instance_id)
        if instance.status != WorkflowStatus.CANCELED:
            # A completion (or failure) won the race between our look and the cancellation.
            raise WorkflowAlreadyCompletedError(instance_id, WorkflowStatus(instance.status).value)
        return instance

    # --- internals ------------------------------------------------------------------------------

    def _caller(self, user_id: str | None, groups: Collection[str]) -> Caller | None:
        return None if user_id is None else Caller(user_id, tuple(groups))

    def _own_start(self, state: InstanceState, user_id: str | None, groups: Collection[str]) -> InstanceState:
        """``state`` if the starter may read it (a business key someone else used is a plain conflict)."""
        if not self._readable(state, self._caller(user_id, groups)):
            raise WorkflowAlreadyExistsError(state.instance_id, "the business key is already in use")
        return state

    def _readable(self, state: InstanceState, caller: Caller | None) -> bool:
        try:
            graph = self.registry.get_graph(state.workflow_name, state.workflow_version)
        except WorkflowsError:
            graph = None  # a version this process does not serve: the instance's own participants only
        return access.may_read(state, graph, caller, self.admin_groups)

    async def _readable_state(self, instance_id: str, caller: Caller | None) -> InstanceState:
        """The state, or not-found for a caller who may not read it (as if it did not exist)."""
        state = await self._state(instance_id)
        if not self._readable(state, caller):
            raise WorkflowInstanceNotFoundError(instance_id)
        return state

    def _reader_clause(self, caller: Caller | None) -> str | None:
        """The visibility-query condition that keeps a listing to what ``caller`` may read."""
        if caller is None or set(caller.groups) & set(self.admin_groups):
            return None
        problem = access.identity_error(caller.user_id, caller.groups)
        if problem is not None:
            raise InvalidQueryError(f"This identity cannot be matched in a listing: {problem}")
        entries = access.caller_entries(caller.user_id, caller.groups)
        return f"{SA_PARTICIPANTS.name} IN ({', '.join(_quote(e) for e in entries)})"

    def _handle(self, instance_id: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(str(instance_id))

    def _view(self, state: InstanceState) -> WorkflowInstance:
        view = self._views.get(state.instance_id)
        if view is None:
            view = WorkflowInstance.from_state(state)
            self._views[state.instance_id] = view
        else:
            view.refresh(state)
        return view

    async def _call(self, instance_id: str, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc

    async def _settled_state(self, instance_id: str, result: Any) -> InstanceState:
        """The state an update returned (its JSON, decoded here); a result that is only a summary
        (:class:`~litestar_workflows.temporal.contracts.SettledInstance`, the state was large) is
        followed by a query for the whole state, which is at or past the update's settle point.

        The update has been applied by then: should the query fail, the caller is told so
        (:class:`SettleTimeoutError`, a 202 at the gateway), never that the request failed.
        """
        settled = decode_update_result(result)
        if isinstance(settled, InstanceState):
            return settled
        try:
            return await self._state(instance_id)
        except WorkflowsError as exc:
            logger.warning("instance %s took an update but its state could not be read: %s", instance_id, exc)
            raise SettleTimeoutError(instance_id) from exc

    async def _state(self, instance_id: str, rpc_timeout: timedelta | None = None) -> InstanceState:
        handle = self._handle(instance_id)
        state: InstanceState = await self._call(
            instance_id,
            lambda: handle.query(QUERY_STATE, result_type=InstanceState, rpc_timeout=rpc_timeout or self.query_timeout),
        )
        return state

    async def _states(self, executions: list[VisibleRun]) -> list[InstanceState | None]:
        """The state of each listed run; one that cannot answer (its workflow task failing, no
        worker) within the listing's short timeout is a row saying so, never the page's failure."""
        timeout = min(self.query_timeout, _LISTING_QUERY_TIMEOUT)

        async def one(execution: VisibleRun) -> InstanceState | None:
            async with self._query_slots:
                try:
                    return await self._state(execution.id, timeout)
                except WorkflowInstanceNotFoundError:
                    return None  # deleted (retention) between listing and query
                except Exception as exc:  # any failure of one run stays that run's
                    logger.warning("instance %s could not be queried for a listing: %s", execution.id, exc)
                    return unavailable_state(execution, str(exc) or type(exc).__name__)

        return list(await asyncio.gather(*(one(e) for e in executions)))

    async def _visible_tasks(self, executions: list[VisibleRun]) -> list[PendingTask]:
        """Waiting tasks of the listed runs, from visibility and the registry; only runs whose
        tasks visibility cannot describe exactly are asked (see :mod:`.visibility`)."""
        tasks: list[PendingTask] = []
        ask: list[VisibleRun] = []
        for execution in executions:
            graph = graph_of(execution, self.registry)
            found = None if graph is None else tasks_from_visibility(execution, graph)
            if found is None:
                ask.append(execution)
            else:
                tasks.extend(found)
        for state in await self._states(ask):
            if state is not None:
                tasks.extend(listed_tasks(state, self.registry))
        return tasks

    async def _list(self, query: str, limit: int, cursor: str | None) -> tuple[list[VisibleRun], bytes | None]:
        """One page of visibility; each row decoded only as far as listings read it
        (:func:`~litestar_workflows.temporal.visibility.visible_run`, not the SDK's full decoding)."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        request = ListWorkflowExecutionsRequest(
            namespace=self.client.namespace, query=query, page_size=limit, next_page_token=_decode_cursor(cursor) or b""
        )
        try:
            response = await self.client.workflow_service.list_workflow_executions(request, retry=True)
        except RPCError as exc:
            if exc.status == RPCStatusCode.INVALID_ARGUMENT and cursor:
                raise ValueError(f"invalid cursor {cursor!r}") from exc
            if exc.status == RPCStatusCode.INVALID_ARGUMENT:
                # The query is built here from checked values; should Temporal still refuse it, it
                # is this request's filter or identity, never a reason to retry (not a 503).
                raise InvalidQueryError(f"Temporal rejected the listing query: {exc.message}") from exc
            translated = translate_error(exc)
            if isinstance(translated, RPCError):
                # Not the cursor's fault (the gateway blames a bare RPCError on the cursor): say what failed.
                raise EngineUnavailableError(f"Temporal could not list instances: {exc.message}") from exc
            raise translated from exc
        except Exception as exc:
            raise translate_error(exc) from exc
        rows = await visible_runs(response.executions, self.client.data_converter.payload_codec)
        return rows, response.next_page_token or None

    async def _raise_closed_or_missing(self, instance_id: str) -> None:
        """Raise unless the instance's run is open: not found, or already finished."""
        try:
            description = await self._handle(instance_id).describe()
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        if description.status not in (None, ExecutionStatus.RUNNING):
            state = await self._state(instance_id)
            self._view(state)
            raise WorkflowAlreadyCompletedError(instance_id, state.status.value)

    async def _finished_duplicate(self, instance_id: str, digest: str, version: str | None) -> WorkflowInstance:
        """A start with a business key whose instance has already finished: return it, or refuse."""
        try:
            description = await self._handle(instance_id).describe()
            recorded = await description.memo_value(MEMO_INITIAL_DATA_DIGEST, None, type_hint=str)
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        if recorded != digest:
            raise WorkflowAlreadyExistsError(instance_id, "the business key was used with different data")
        existing_version = description.typed_search_attributes.get(SA_DEFINITION_VERSION)
        if version is not None and existing_version is not None and existing_version != version:
            raise WorkflowAlreadyExistsError(
                instance_id, f"the business key is used by version {existing_version!r}, not {version!r}"
            )
        return await self.get_instance(instance_id)
