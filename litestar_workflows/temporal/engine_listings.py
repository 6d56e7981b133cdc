"""``TemporalExecutionEngine``'s listings (a mixin): instances and waiting tasks, one visibility
query per page over the custom search attributes, kept to what the caller may read in the query
itself; instance rows never query a run, the inbox queries one only where visibility cannot
describe its tasks (:mod:`.visibility`).

Separate from :mod:`.engine` because building visibility queries, paging with cursors and
querying many runs under a bound are a job of their own.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Collection
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.service import RPCError, RPCStatusCode

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import Page
from litestar_workflows.exceptions import EngineUnavailableError, InvalidQueryError, WorkflowInstanceNotFoundError
from litestar_workflows.rules import access
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.temporal.contracts import SA_DEFINITION_NAME, SA_PARTICIPANTS, WORKFLOW_TYPE
from litestar_workflows.temporal.engine_reads import TemporalInstanceReads
from litestar_workflows.temporal.error_translation import translate_error
from litestar_workflows.temporal.visibility import (
    VisibleRun,
    graph_of,
    instance_row,
    listed_tasks,
    status_clause,
    tasks_from_visibility,
    unavailable_state,
    visible_runs,
)

__all__ = ["TemporalListings"]

# The inbox asks a run it cannot describe for its state with this timeout at most: a run that cannot answer
# (its workflow task failing) delays the page by this much, and is shown as unavailable.
_LISTING_QUERY_TIMEOUT = timedelta(seconds=2)

# The engine's logger (records keep the name they had before this module was split off).
logger = logging.getLogger("litestar_workflows.temporal.engine")


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


class TemporalListings(TemporalInstanceReads):
    """Listing instances and tasks on Temporal."""

    if TYPE_CHECKING:
        task_queue: str
        _query_slots: asyncio.Semaphore

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

        Each row is built from the visibility store alone (:func:`~.visibility.instance_row`):
        no run is queried, so a page costs one visibility call however many runs it lists, and a
        run whose workflow task is failing is a row like the others. A row's context holds no
        data nor history (``get_instance`` reads them). Visibility is eventually consistent: an
        instance started or changed a moment ago may be missing or show its previous status.

        Raises:
            ValueError: ``cursor`` is not a cursor this engine returned.
            InvalidQueryError: The caller's identity cannot be matched in a visibility query.
        """
        clauses = [
            f"WorkflowType = {_quote(WORKFLOW_TYPE)}",
            f"TaskQueue = {_quote(self.task_queue)}",
            # A run that continued as new is listed once, by its newest run.
            "ExecutionStatus != 'ContinuedAsNew'",
        ]
        if workflow_name is not None:
            clauses.append(f"{SA_DEFINITION_NAME.name} = {_quote(workflow_name)}")
        if status is not None:
            clauses.append(status_clause(WorkflowStatus(status)))
        readers = self._reader_clause(caller)
        if readers is not None:
            clauses.append(readers)
        executions, token = await self._list(" AND ".join(clauses), limit, cursor)
        rows = [instance_row(e) for e in executions]
        # The Participants clause decided who sees what (participants only ever grow, so it is never
        # too generous); a row is left out only when its run closed otherwise than its status says.
        items = [r for r in rows if status is None or r.status == WorkflowStatus(status)]
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

    def _reader_clause(self, caller: Caller | None) -> str | None:
        """The visibility-query condition that keeps a listing to what ``caller`` may read."""
        if caller is None or set(caller.groups) & set(self.admin_groups):
            return None
        problem = access.identity_error(caller.user_id, caller.groups)
        if problem is not None:
            raise InvalidQueryError(f"This identity cannot be matched in a listing: {problem}")
        entries = access.caller_entries(caller.user_id, caller.groups)
        return f"{SA_PARTICIPANTS.name} IN ({', '.join(_quote(e) for e in entries)})"

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
