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
import uuid
import weakref
from collections.abc import Awaitable, Callable, Collection, Mapping
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecution,
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
from litestar_workflows.engine.base import Page, task_visible_to
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.engine.step_attempt import jsonable
from litestar_workflows.exceptions import (
    EngineUnavailableError,
    FormValidationError,
    SettleTimeoutError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowInstanceNotFoundError,
    WorkflowsError,
)
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
    SEARCH_ATTRIBUTES,
    SIGNAL_COMPLETE_HUMAN_TASK,
    UPDATE_COMPLETE_HUMAN_TASK,
    UPDATE_WAIT_SETTLED,
    WORKFLOW_TYPE,
    CompleteHumanTask,
    InterpreterInput,
    WaitSettled,
    data_digest,
    error_from_details,
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

_UNAVAILABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}


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


class TemporalExecutionEngine:
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
    ) -> None:
        self.registry = registry
        self.client = client
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
    ) -> WorkflowInstance:
        """Start an instance and return it once it has settled (one round trip: update-with-start).

        Raises:
            WorkflowNotFoundError: No such definition (version) in the registry.
            WorkflowAlreadyExistsError: ``business_key`` reused with different data or version.
            SettleTimeoutError: Started, but not settled within ``settle_timeout``.
            EngineUnavailableError: Temporal cannot be reached.
        """
        workflow_name, version = self.registry.resolve(workflow_name, version)  # a workflow class: its name
        definition = self.registry.get_definition(workflow_name, version)
        graph = self.registry.get_graph(workflow_name, definition.version)
        check_initial_data(self.budgets, dict(initial_data or {}))
        data: dict[str, Any] = jsonable(dict(initial_data or {}))
        digest = data_digest(data)
        instance_id = f"{workflow_name}/{business_key}" if business_key else str(uuid.uuid4())
        attributes = [
            SearchAttributePair(SA_DEFINITION_NAME, graph.name),
            SearchAttributePair(SA_DEFINITION_VERSION, graph.version),
            SearchAttributePair(SA_INSTANCE_STATUS, WorkflowStatus.RUNNING.value),
        ]
        if business_key:
            attributes.append(SearchAttributePair(SA_BUSINESS_KEY, business_key))
        summary = f"{graph.name} {graph.version}" + (f" — {business_key}" if business_key else "")
        operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            WORKFLOW_TYPE,
            InterpreterInput(
                graph=graph, initial_data=data, business_key=business_key, started_by=user_id, budgets=self.budgets
            ),
            id=instance_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A business key names one instance forever, even after it has finished.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            result_type=InstanceState,
            memo={MEMO_INITIAL_DATA_DIGEST: digest},
            search_attributes=TypedSearchAttributes(attributes),
            static_summary=summary,
            static_details=graph.description or None,
        )
        try:
            state: InstanceState = await self.client.execute_update_with_start_workflow(
                UPDATE_WAIT_SETTLED,
                WaitSettled(initial_data_digest=digest, version=version),
                start_workflow_operation=operation,
                result_type=InstanceState,
                rpc_timeout=self.settle_timeout,
            )
        except WorkflowAlreadyStartedError:
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await operation.workflow_handle()  # retrieve the operation's own copy of the error
            return await self._finished_duplicate(instance_id, digest, version)
        except RPCError as exc:
            if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                # The start is durable once accepted; only the wait for the settle point ran out.
                raise SettleTimeoutError(instance_id) from exc
            raise translate_error(exc, instance_id) from exc
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        return self._view(state)

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
    ) -> WorkflowInstance:
        """Complete a waiting human step and return the instance once it has settled again.

        The workflow validates before anything is written to its history, so a rejected
        request changes nothing. A repeat with the same ``idempotency_key`` (the Temporal
        update id) returns the first call's result.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance.
            TaskNotFoundError: No such step.
            StepNotWaitingError: The step is not waiting (``TaskAlreadyCompletedError`` if done).
            UnauthorizedTaskError: The user may not complete it.
            FormValidationError: The data fails the form schema (every failing field listed).
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
        )
        handle = self._handle(instance_id)
        try:
            state: InstanceState = await handle.execute_update(
                UPDATE_COMPLETE_HUMAN_TASK,
                request,
                id=idempotency_key,
                result_type=InstanceState,
                rpc_timeout=self.settle_timeout,
            )
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                await self._raise_closed_or_missing(instance_id)
            raise translate_error(exc, instance_id) from exc
        except Exception as exc:
            raise translate_error(exc, instance_id) from exc
        return self._view(state)

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
        request = CompleteHumanTask(step_name, user_id, jsonable(dict(data)), sorted(set(groups)), comment)
        await self._call(instance_id, lambda: self._handle(instance_id).signal(SIGNAL_COMPLETE_HUMAN_TASK, request))

    async def get_instance(self, instance_id: str) -> WorkflowInstance:
        """Return the current state of an instance (an object handed out earlier is refreshed in place).

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance.
            EngineUnavailableError: Temporal (or a worker to answer) cannot be reached.
        """
        return self._view(await self._state(instance_id))

    async def list_instances(
        self,
        *,
        workflow_name: str | None = None,
        status: WorkflowStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[WorkflowInstance]:
        """List this engine's instances (those on its task queue), newest first, filtered by
        definition and status.

        Visibility is eventually consistent: an instance started a moment ago may be
        missing, and its status is re-read from the instance itself.

        Raises:
            ValueError: ``cursor`` is not a cursor this engine returned.
        """
        clauses = [f"WorkflowType = {_quote(WORKFLOW_TYPE)}", f"TaskQueue = {_quote(self.task_queue)}"]
        if workflow_name is not None:
            clauses.append(f"{SA_DEFINITION_NAME.name} = {_quote(workflow_name)}")
        if status is not None:
            clauses.append(f"{SA_INSTANCE_STATUS.name} = {_quote(WorkflowStatus(status).value)}")
        executions, token = await self._list(" AND ".join(clauses), limit, cursor)
        states = await self._states(executions)
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
        """List waiting human tasks (of instances on this engine's task queue) visible to ``user`` /
        ``group`` (see :func:`task_visible_to`).

        A page holds the tasks of up to ``limit`` instances (newest instances first,
        tasks oldest first within the page).

        Raises:
            ValueError: ``cursor`` is not a cursor this engine returned.
        """
        groups = {group} if isinstance(group, str) else set(group or ())
        clauses = [
            f"WorkflowType = {_quote(WORKFLOW_TYPE)}",
            f"TaskQueue = {_quote(self.task_queue)}",
            "ExecutionStatus = 'Running'",
        ]
        if user is None and not groups:
            clauses.append("PendingSteps IS NOT NULL")
        else:
            entries = ["anyone"]
            if user is not None:
                entries.append(f"user:{user}")
            entries.extend(f"group:{g}" for g in sorted(groups))
            clauses.append(f"WaitingOn IN ({', '.join(_quote(e) for e in entries)})")
        if workflow_name is not None:
            clauses.append(f"{SA_DEFINITION_NAME.name} = {_quote(workflow_name)}")
        executions, token = await self._list(" AND ".join(clauses), limit, cursor)
        tasks = [
            task
            for state in await self._states(executions)
            if state is not None
            for task in state.pending
            if task_visible_to(task, user, groups)
        ]
        tasks.sort(key=lambda t: (t.since, t.instance_id, t.step_name))
        return Page(tasks, _encode_cursor(token))

    async def cancel_workflow(self, instance_id: str, reason: str = "") -> WorkflowInstance:
        """Cancel an instance and return it once its run has ended (running steps are canceled).

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance.
            WorkflowAlreadyCompletedError: It has already finished.
            SettleTimeoutError: The cancellation was requested but the run has not ended in time.
        """
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
        return await self.get_instance(instance_id)

    # --- internals ------------------------------------------------------------------------------

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

    async def _state(self, instance_id: str) -> InstanceState:
        handle = self._handle(instance_id)
        state: InstanceState = await self._call(
            instance_id,
            lambda: handle.query(QUERY_STATE, result_type=InstanceState, rpc_timeout=self.query_timeout),
        )
        return state

    async def _states(self, executions: list[WorkflowExecution]) -> list[InstanceState | None]:
        async def one(execution: WorkflowExecution) -> InstanceState | None:
            async with self._query_slots:
                try:
                    return await self._state(execution.id)
                except WorkflowInstanceNotFoundError:
                    return None  # deleted (retention) between listing and query

        return list(await asyncio.gather(*(one(e) for e in executions)))

    async def _list(self, query: str, limit: int, cursor: str | None) -> tuple[list[WorkflowExecution], bytes | None]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        iterator = self.client.list_workflows(query, page_size=limit, next_page_token=_decode_cursor(cursor))
        try:
            await iterator.fetch_next_page()
        except RPCError as exc:
            if exc.status == RPCStatusCode.INVALID_ARGUMENT and cursor:
                raise ValueError(f"invalid cursor {cursor!r}") from exc
            raise translate_error(exc) from exc
        except Exception as exc:
            raise translate_error(exc) from exc
        return list(iterator.current_page or []), iterator.next_page_token

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
