"""``TemporalExecutionEngine``'s starts (a mixin): one update-with-start per instance, and the
answers to a start whose business key is already taken (the same instance, or a conflict).

Separate from :mod:`.engine` because building a start (search attributes, memo, the
interpreter's input, the conflict and reuse policies) is a job of its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.starting import check_start, instance_id_for
from litestar_workflows.engine.step_attempt import jsonable
from litestar_workflows.exceptions import SettleTimeoutError, WorkflowAlreadyExistsError
from litestar_workflows.rules import access
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.budgets import SizeBudgets
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.temporal.contracts import (
    MEMO_INITIAL_DATA_DIGEST,
    SA_BUSINESS_KEY,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PARTICIPANTS,
    UPDATE_WAIT_SETTLED,
    WORKFLOW_TYPE,
    InterpreterInput,
    WaitSettled,
    data_digest,
)
from litestar_workflows.temporal.engine_reads import TemporalInstanceReads
from litestar_workflows.temporal.error_translation import translate_error
from litestar_workflows.temporal.visibility import listing_memo

__all__ = ["TemporalStarts"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TemporalStarts(TemporalInstanceReads):
    """Starting instances on Temporal."""

    if TYPE_CHECKING:
        budgets: SizeBudgets
        task_queue: str
        settle_timeout: timedelta
        completion_signals: bool
        emit_events: bool

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
        workflow_name, version, _, graph = check_start(
            self.registry, self.budgets, workflow_name, version, initial_data, user_id
        )
        data: dict[str, Any] = jsonable(dict(initial_data or {}))
        digest = data_digest(data)
        instance_id = instance_id_for(workflow_name, business_key)
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

    def _caller(self, user_id: str | None, groups: Collection[str]) -> Caller | None:
        return None if user_id is None else Caller(user_id, tuple(groups))

    def _own_start(self, state: InstanceState, user_id: str | None, groups: Collection[str]) -> InstanceState:
        """``state`` if the starter may read it (a business key someone else used is a plain conflict)."""
        if not self._readable(state, self._caller(user_id, groups)):
            raise WorkflowAlreadyExistsError(state.instance_id, "the business key is already in use")
        return state

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
