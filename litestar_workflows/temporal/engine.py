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
``list_instances``             visibility query on the custom search attributes (rows from
                               visibility alone, no query per instance)
``list_pending_tasks``         visibility query on ``WaitingOn`` / ``PendingSteps``, then
                               the query on each listed instance
``cancel_workflow``            workflow cancellation, then wait for the run to end
=============================  ==========================================================

Errors coming back from Temporal are translated into the SDK's
:class:`~litestar_workflows.exceptions.WorkflowsError` subclasses (:mod:`.error_translation`).

This module holds the engine's settings, completions and cancellation; the other jobs are mixins,
one module each: starting (:mod:`.engine_start`), reading one instance (:mod:`.engine_reads`,
the base the others build on), listings (:mod:`.engine_listings`), webhooks and pausing
(:mod:`.engine_waits`), task operations (:mod:`.engine_tasks`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import weakref
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError, RPCStatusCode

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.engine.step_attempt import jsonable
from litestar_workflows.exceptions import (
    CancelNotAllowedError,
    FormValidationError,
    SettleTimeoutError,
    WorkflowAlreadyCompletedError,
)
from litestar_workflows.rules import access, idempotency
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.budgets import SizeBudgets, check_completion
from litestar_workflows.rules.forms import form_errors
from litestar_workflows.temporal.client import connect, ensure_search_attributes
from litestar_workflows.temporal.contracts import (
    SEARCH_ATTRIBUTES,
    SIGNAL_COMPLETE_HUMAN_TASK,
    UPDATE_COMPLETE_HUMAN_TASK,
    CompleteHumanTask,
)
from litestar_workflows.temporal.engine_listings import TemporalListings
from litestar_workflows.temporal.engine_start import TemporalStarts
from litestar_workflows.temporal.engine_tasks import TemporalTaskOperations
from litestar_workflows.temporal.engine_waits import TemporalWaits
from litestar_workflows.temporal.error_translation import translate_error

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


class TemporalExecutionEngine(TemporalStarts, TemporalListings, TemporalWaits, TemporalTaskOperations):
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
