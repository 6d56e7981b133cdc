"""The interface every execution engine implements, and its paging record."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.rules.access import Caller, is_offered_to
from litestar_workflows.rules.tasks import TaskOperation

__all__ = ["ExecutionEngine", "Page", "task_visible_to"]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing.

    Attributes:
        items: The entries of this page.
        next_cursor: Opaque cursor of the next page; ``None`` on the last page.
    """

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


def task_visible_to(task: PendingTask, user: str | None, groups: Collection[str]) -> bool:
    """Inbox rule: with no filter every task; else :func:`~litestar_workflows.rules.access.is_offered_to`."""
    return (user is None and not groups) or is_offered_to(task, user, groups)


@runtime_checkable
class ExecutionEngine(Protocol):
    """What the gateway and users need from an engine (in-process or Temporal)."""

    registry: WorkflowRegistry

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
        """Start an instance and return it once it has settled (waiting, completed or failed).

        ``user_id`` and ``groups`` identify the starter and must come from a verified token.

        ``workflow_name`` may be a registered workflow class (0.3.3's style): its definition's
        name and version are started.

        With a ``business_key`` a second start returns the existing instance; different
        initial data raises :class:`~litestar_workflows.exceptions.WorkflowAlreadyExistsError`.
        """
        ...

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

        With ``expected_revision`` (the instance's ``revision`` the decider saw) a decision on an
        instance that changed since is refused with nothing changed.

        A repeated call with the same ``idempotency_key`` returns the first call's result
        and applies nothing.
        """
        ...

    async def operate_task(
        self, instance_id: str, operation: TaskOperation, *, idempotency_key: str | None = None
    ) -> WorkflowInstance:
        """Claim, unclaim, reassign, delegate, take back or comment on a waiting task
        (:mod:`litestar_workflows.rules.tasks` decides who may); a refusal changes nothing.
        Convenience methods: :class:`~litestar_workflows.engine.task_api.TaskOperationsAPI`."""
        ...

    async def get_instance(self, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Return the current state of an instance; not found for a ``caller`` who may not read it.

        ``caller=None`` is trusted code (no token involved); every request on behalf of a person
        must pass their identity.
        """
        ...

    async def list_instances(
        self,
        *,
        workflow_name: str | None = None,
        status: WorkflowStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
        caller: Caller | None = None,
    ) -> Page[WorkflowInstance]:
        """List instances ``caller`` may read, newest first (``None``: every instance).

        A row may be a summary: id, definition, status, times, business key, ``pending_steps``
        and ``context.metadata["started_by"]`` are set; data, history, ``pending_tasks`` and
        ``revision`` may be empty (the Temporal engine builds rows from its visibility store,
        without asking each instance). Read one instance in full with :meth:`get_instance`.
        """
        ...

    async def list_pending_tasks(
        self,
        user: str | None = None,
        group: str | Collection[str] | None = None,
        *,
        workflow_name: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[PendingTask]:
        """List waiting human tasks; see :func:`task_visible_to` for the filter rule."""
        ...

    async def cancel_workflow(
        self, instance_id: str, reason: str = "", *, caller: Caller | None = None
    ) -> WorkflowInstance:
        """Cancel a running instance (with a ``caller``: only its starter or an admin may)."""
        ...

    async def pause_workflow(
        self, instance_id: str, reason: str = "", *, caller: Caller | None = None
    ) -> WorkflowInstance:
        """Pause an instance: it starts no new step and refuses completions and webhook callbacks
        until resumed; running steps finish and timers keep counting (with a ``caller``: only its
        starter or an admin may)."""
        ...

    async def resume_workflow(self, instance_id: str, *, caller: Caller | None = None) -> WorkflowInstance:
        """Resume a paused instance; what became ready meanwhile starts."""
        ...

    async def deliver_webhook(
        self, instance_id: str, step_name: str, payload: Any, *, secret: str | None
    ) -> WorkflowInstance:
        """Deliver an external system's callback to a waiting webhook step, exactly once, with the
        instance's callback secret (``context.metadata["webhook_secret"]``)."""
        ...
