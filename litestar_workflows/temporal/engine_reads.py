"""``TemporalExecutionEngine``'s reads of one instance (a base of its mixins): its state by query,
who may read it, the update results decoded into state, and the ``WorkflowInstance`` objects handed
out (refreshed in place).

Separate from :mod:`.engine` because starting, listing, completing, pausing and cancelling all
read instances this one way; each of those mixins builds on this class.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from temporalio.client import WorkflowExecutionStatus as ExecutionStatus
from temporalio.client import WorkflowHandle

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.exceptions import (
    SettleTimeoutError,
    WorkflowAlreadyCompletedError,
    WorkflowInstanceNotFoundError,
    WorkflowsError,
)
from litestar_workflows.rules import access
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.temporal.contracts import QUERY_STATE, decode_update_result
from litestar_workflows.temporal.error_translation import translate_error

if TYPE_CHECKING:
    from temporalio.client import Client

    from litestar_workflows.engine.registry import WorkflowRegistry

__all__ = ["TemporalInstanceReads"]

T = TypeVar("T")

# The engine's logger (records keep the name they had before this module was split off).
logger = logging.getLogger("litestar_workflows.temporal.engine")


class TemporalInstanceReads:
    """Reading instances on Temporal (set up by ``TemporalExecutionEngine.__init__``)."""

    if TYPE_CHECKING:
        registry: WorkflowRegistry
        client: Client
        admin_groups: tuple[str, ...]
        query_timeout: timedelta
        _views: weakref.WeakValueDictionary[str, WorkflowInstance]

    async def get_instance(self, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Return the current state of an instance (an object handed out earlier is refreshed in place).

        With a ``caller`` (an identity from a token), an instance they may not read is not found.

        Raises:
            WorkflowInstanceNotFoundError: Unknown instance, or not readable by ``caller``.
            EngineUnavailableError: Temporal (or a worker to answer) cannot be reached.
        """
        return self._view(await self._readable_state(instance_id, caller))

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
