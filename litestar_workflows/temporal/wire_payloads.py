"""The dataclasses that cross the wire as update, signal, workflow and activity arguments.

Temporal's data converter writes them as plain JSON objects (field names only, never a class
path), so they live apart from the names they travel under and only ever gain optional fields:
renaming or retyping a field breaks running instances (the replay tests catch that).
Re-exported by :mod:`litestar_workflows.temporal.contracts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.rules.budgets import SizeBudgets
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState

__all__ = [
    "CompleteHumanTask",
    "DeliverWebhook",
    "EventBatch",
    "InterpreterInput",
    "NotifierRoute",
    "NotifyBatch",
    "PauseRequest",
    "StepTask",
    "WaitSettled",
]


@dataclass(frozen=True)
class InterpreterInput:
    """Input of the interpreter workflow.

    Attributes:
        graph: Immutable snapshot of the definition the instance runs.
        initial_data: Data the instance was started with.
        business_key: Caller-supplied business key.
        started_by: User who started the instance.
        state: State carried over continue-as-new (``None`` on a fresh start).
        budgets: The instance's size budgets, fixed at its start (``None``: the defaults).
        initial_data_digest: Digest of the initial data, carried over continue-as-new
            instead of the initial data itself (which the state's data already holds).
        started_by_groups: The starter's groups (from their token).
        emit_events: Whether the instance hands its lifecycle events to the workers' event bus
            (:data:`ACTIVITY_DELIVER_EVENTS`).
        completion_signals: Whether the completion signal is accepted (it bypasses the gateway's
            authentication; ``WORKFLOWS_COMPLETION_SIGNALS``); when off every one is rejected.
    """

    graph: GraphSpec
    initial_data: dict[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    started_by: str | None = None
    state: InstanceState | None = None
    budgets: SizeBudgets | None = None
    initial_data_digest: str | None = None
    started_by_groups: list[str] = field(default_factory=list)
    completion_signals: bool = True
    emit_events: bool = False


@dataclass(frozen=True)
class CompleteHumanTask:
    """Argument of the completion update and signal.

    Attributes:
        step_name: Waiting human step to complete.
        user_id: Who completes it.
        data: Form data.
        groups: Groups the user belongs to.
        comment: Optional comment recorded in the step history.
        idempotency_key: The caller's idempotency key, if any (the update id is derived from it).
        request_digest: :func:`~litestar_workflows.rules.idempotency.request_digest` of this request.
        admin_groups: The engine's admin groups (they may read every instance; anyone else who may
            not read it is refused as if it did not exist).
        expected_revision: Refuse (412) unless the instance is at this revision (``If-Match``).
    """

    step_name: str
    user_id: str
    data: dict[str, Any]
    groups: list[str] = field(default_factory=list)
    comment: str | None = None
    idempotency_key: str | None = None
    request_digest: str | None = None
    admin_groups: list[str] = field(default_factory=list)
    expected_revision: str | None = None


@dataclass(frozen=True)
class WaitSettled:
    """Argument of the wait-for-settle update sent with update-with-start.

    Attributes:
        initial_data_digest: Digest of the caller's initial data; a running instance
            with another digest rejects the update (business key reused).
        version: Version the caller asked for explicitly, if any.
    """

    initial_data_digest: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class DeliverWebhook:
    """Argument of the webhook delivery update.

    Attributes:
        step_name: The waiting webhook step.
        payload: What the external system sent (stored under the step's ``callback_key``).
        secret: The instance's callback secret as the caller presented it.
    """

    step_name: str
    payload: Any
    secret: str | None = None


@dataclass(frozen=True)
class PauseRequest:
    """Argument of the pause and resume updates.

    Attributes:
        user_id: Who pauses or resumes (recorded; who may is checked by the engine).
        reason: Why (shown in the Web UI).
    """

    user_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class EventBatch:
    """Input of the event delivery activity.

    Attributes:
        instance_id: The instance the events are about.
        events: The events, oldest first, each as :meth:`WorkflowEvent.to_dict` gives it.
    """

    instance_id: str
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class NotifierRoute:
    """One notifier of the worker, as :data:`ACTIVITY_NOTIFIER_ROUTES` reports it.

    Attributes:
        notifier: Its name.
        kinds: The event kinds (``"task.reminder"``) it has handlers for.
        max_attempts: Attempts per batch before its failure is recorded.
        initial_interval: Seconds before the first retry (doubling).
        maximum_interval: Longest wait between attempts, in seconds.
        timeout: Seconds one attempt may run.
    """

    notifier: str
    kinds: list[str] = field(default_factory=list)
    max_attempts: int = 10
    initial_interval: float = 1.0
    maximum_interval: float = 120.0
    timeout: float = 120.0


@dataclass(frozen=True)
class NotifyBatch:
    """Input of :data:`ACTIVITY_NOTIFY`: the events one notifier is to receive.

    Attributes:
        instance_id: The instance the events are about.
        notifier: The notifier whose handlers run.
        events: The events, oldest first, each as :meth:`WorkflowEvent.to_dict` gives it.
    """

    instance_id: str
    notifier: str
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class StepTask:
    """Input of every step activity.

    Attributes:
        workflow_name: Definition name.
        workflow_version: Definition version the instance runs.
        graph_fingerprint: Fingerprint of the instance's graph snapshot; a worker whose
            registered graph differs treats the version as not loaded.
        step_name: Step whose code runs.
        context: The step's own copy of the instance context; for :data:`ACTIVITY_CHECK_GUARD` and
            :data:`ACTIVITY_EVALUATE_CONDITIONS` without its ``step_history`` (they decide on the
            data; the history window would be most of the input). :data:`ACTIVITY_RUN_STEP` gets it
            all (steps may read the history): at most about 1.2 MiB with the default budgets.
        started_at: When the workflow scheduled the step (first attempt).
        output_limit: Largest output (bytes of JSON: data changes plus return value) the step
            may return; the activity fails the step non-retryably above it (``None``: no check).
    """

    workflow_name: str
    workflow_version: str
    graph_fingerprint: str
    step_name: str
    context: WorkflowContext
    started_at: datetime
    output_limit: int | None = None
