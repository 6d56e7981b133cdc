"""Wire contracts between the Temporal workflow, its activities and the engine.

Everything here crosses a process boundary and is recorded in Temporal histories:
the names are stable constants and the payload dataclasses only ever gain optional
fields. Renaming any of them breaks running instances (the replay tests catch that).

Search attributes (custom, registered by ``worker.py`` and the dev-server fixtures):

========================  ============  ==============================================
Name                      Type          Value
========================  ============  ==============================================
``DefinitionName``        Keyword       definition name, e.g. ``expense_approval``
``DefinitionVersion``     Keyword       definition version the instance runs
``InstanceStatus``        Keyword       :class:`~litestar_workflows.core.types.WorkflowStatus`
``BusinessKey``           Keyword       caller-supplied business key
``PendingSteps``          KeywordList   waiting human steps
``WaitingOn``             KeywordList   who may complete them: ``user:<id>``,
                                        ``group:<name>``, ``anyone``
``WaitingSince``          Datetime      when the oldest waiting step began waiting
``Participants``          KeywordList   who may read the instance: the starter, every
                                        offer of a task, the completers, the
                                        definition's ``visible_to_groups``
                                        (:func:`~litestar_workflows.rules.access.participant_entries`)
========================  ============  ==============================================

User and group names in ``WaitingOn`` and ``Participants`` are percent-encoded outside
``[A-Za-z0-9_.@+-]`` (:func:`~litestar_workflows.rules.access.encode_identity`).

Search attributes are never encrypted, even with payload encryption on: Temporal indexes them
in plain text (so do the workflow id, step and group names). Business keys and user ids must
therefore carry no secret or personal data you would not store unencrypted (docs/operations.md).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from temporalio.common import SearchAttributeKey
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    JSONTypeConverterUnhandled,
    value_to_type,
)

import litestar_workflows.exceptions as _errors
from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.exceptions import FieldError, FormValidationError, WorkflowsError
from litestar_workflows.rules.access import offered_entries
from litestar_workflows.rules.budgets import SizeBudgets
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.rules.tasks import revision

__all__ = [
    "ACTIVITY_CHECK_GUARD",
    "ACTIVITY_DELIVER_EVENTS",
    "ACTIVITY_EVALUATE_CONDITIONS",
    "ACTIVITY_NOTIFIER_ROUTES",
    "ACTIVITY_NOTIFY",
    "ACTIVITY_RUN_STEP",
    "DATA_CONVERTER",
    "ERROR_DEFINITION_NOT_LOADED",
    "ERROR_INSTANCE_FAILED",
    "ERROR_OUTPUT_OVER_BUDGET",
    "MEMO_INITIAL_DATA_DIGEST",
    "MEMO_STARTED_BY",
    "MEMO_STEP_COMPLETERS",
    "PATCH_BASELINE",
    "PATCH_COMPLETERS_MEMO",
    "PATCH_EVENTS",
    "PATCH_FOUR_EYES_DECIDERS",
    "PATCH_NOTIFIERS",
    "PATCH_PARTICIPANTS",
    "PATCH_PAUSE",
    "PATCH_REMINDERS_BEFORE_DEADLINE",
    "PATCH_SEND_BACK",
    "PATCH_STEP_KINDS",
    "PATCH_TASK_ALARMS",
    "PATCH_TASK_MARKS",
    "PATCH_TASK_OPERATIONS",
    "QUERY_STATE",
    "SA_BUSINESS_KEY",
    "SA_DEFINITION_NAME",
    "SA_DEFINITION_VERSION",
    "SA_INSTANCE_STATUS",
    "SA_PARTICIPANTS",
    "SA_PENDING_STEPS",
    "SA_WAITING_ON",
    "SA_WAITING_SINCE",
    "SEARCH_ATTRIBUTES",
    "SIGNAL_COMPLETE_HUMAN_TASK",
    "UPDATE_COMPLETE_HUMAN_TASK",
    "UPDATE_DELIVER_WEBHOOK",
    "UPDATE_OPERATE_TASK",
    "UPDATE_PAUSE",
    "UPDATE_RESULT_INLINE_BYTES",
    "UPDATE_RESUME",
    "UPDATE_WAIT_SETTLED",
    "WORKFLOW_TYPE",
    "CompleteHumanTask",
    "DeliverWebhook",
    "EventBatch",
    "InterpreterInput",
    "NotifierRoute",
    "NotifyBatch",
    "PauseRequest",
    "PayloadConverter",
    "SettledInstance",
    "StepTask",
    "WaitSettled",
    "candidate_entries",
    "data_digest",
    "decode_update_result",
    "error_details",
    "error_from_details",
    "update_result",
]

WORKFLOW_TYPE: Final = "litestar_workflows.Interpreter"
"""Temporal workflow type of the generic interpreter workflow."""

UPDATE_COMPLETE_HUMAN_TASK: Final = "complete_human_task"
"""Update: complete a waiting human step; returns the settled :class:`InstanceState`."""

SIGNAL_COMPLETE_HUMAN_TASK: Final = "complete_human_task_signal"
"""Signal with the same purpose and validation; invalid ones land in ``InstanceState.rejected``."""

UPDATE_WAIT_SETTLED: Final = "wait_settled"
"""Update (used with update-with-start): returns the state at the next settle point."""

UPDATE_RESULT_INLINE_BYTES: Final = 32 * 1024
"""Every update returns the whole :class:`InstanceState` while its JSON is at most this many bytes,
else a :class:`SettledInstance` and the caller reads the state with :data:`QUERY_STATE`
(:func:`update_result`). An update's result is written into the history (its
``WorkflowExecutionUpdateCompleted`` event), so this bounds what each update adds to it."""

QUERY_STATE: Final = "get_state"
"""Query: the full :class:`InstanceState`."""

ACTIVITY_RUN_STEP: Final = "litestar_workflows.run_step"
"""Activity: one attempt of a machine step's ``execute`` (and its callable conditions)."""

ACTIVITY_CHECK_GUARD: Final = "litestar_workflows.check_guard"
"""Activity: a human step's overridden ``can_execute``."""

ACTIVITY_EVALUATE_CONDITIONS: Final = "litestar_workflows.evaluate_conditions"
"""Activity: the callable conditions leaving a completed human step."""

UPDATE_DELIVER_WEBHOOK: Final = "deliver_webhook"
"""Update: a webhook step's callback (:class:`DeliverWebhook`); returns the settled state. Its
validator refuses (writing nothing) a wrong secret, a second delivery and an invalid payload."""

UPDATE_PAUSE: Final = "pause_instance"
"""Update: pause the instance (:class:`PauseRequest`); returns the state."""

UPDATE_RESUME: Final = "resume_instance"
"""Update: resume a paused instance (:class:`PauseRequest`); returns the settled state."""

ACTIVITY_DELIVER_EVENTS: Final = "litestar_workflows.deliver_events"
"""Activity: hand a batch of lifecycle events (:class:`EventBatch`) to the worker's event bus."""

PATCH_STEP_KINDS: Final = "step-kinds-timer-webhook-gateway"
"""``workflow.patched`` id: timer steps' durable timers and webhook deliveries."""

PATCH_PAUSE: Final = "pause-resume"
"""``workflow.patched`` id: pausing and resuming an instance."""

PATCH_EVENTS: Final = "lifecycle-events"
"""``workflow.patched`` id: lifecycle events handed to the worker's event bus by an activity."""

ACTIVITY_NOTIFIER_ROUTES: Final = "litestar_workflows.notifier_routes"
"""Local activity: which of the worker's notifiers want which of a batch's event kinds, and their
retry policies (:class:`NotifierRoute`); its answer is in the history, so the fan-out replays."""

ACTIVITY_NOTIFY: Final = "litestar_workflows.notify"
"""Activity: run one notifier's handlers on a batch of events (:class:`NotifyBatch`)."""

PATCH_NOTIFIERS: Final = "notifiers"
"""``workflow.patched`` id: events go to each notifier by its own activity (:data:`ACTIVITY_NOTIFY`)
instead of one :data:`ACTIVITY_DELIVER_EVENTS` for all handlers."""

UPDATE_OPERATE_TASK: Final = "operate_task"
"""Update: claim, unclaim, reassign, delegate, take back or comment on a waiting human task
(:class:`~litestar_workflows.rules.tasks.TaskOperation`); returns the state. Its validator runs
the rules (:func:`~litestar_workflows.rules.tasks.validate_operation`) and refuses writing nothing."""

PATCH_TASK_OPERATIONS: Final = "task-operations"
"""``workflow.patched`` id: task operations (claims, hand-overs, comments) applied by the interpreter."""

PATCH_SEND_BACK: Final = "task-send-back"
"""``workflow.patched`` id: a task sent back along its send-back edges (the ``send_back`` operation
of :data:`UPDATE_OPERATE_TASK`), which moves the instance on and waits until it settles."""

PATCH_FOUR_EYES_DECIDERS: Final = "four-eyes-every-decider"
"""``workflow.patched`` id: ``exclude_completers_of`` excludes every decider in a step's decision
records (several approvers), checked again in the completion and operation handlers."""

PATCH_TASK_ALARMS: Final = "task-alarms"
"""``workflow.patched`` id: durable timers of a human step's reminders and escalation chain."""

PATCH_REMINDERS_BEFORE_DEADLINE: Final = "reminders-before-deadline"
"""``workflow.patched`` id: no reminder falls due at or after the task's deadline."""

PATCH_TASK_MARKS: Final = "task-marks"
"""``workflow.patched`` id: ``WaitingOn`` also carries a task's claim and escalation level."""

ERROR_DEFINITION_NOT_LOADED: Final = "DefinitionNotLoadedError"
"""ApplicationError type raised by activities when the worker lacks the instance's definition version."""

ERROR_INSTANCE_FAILED: Final = "WorkflowInstanceFailed"
"""ApplicationError type the workflow execution fails with when the instance failed."""

ERROR_OUTPUT_OVER_BUDGET: Final = "StepOutputOverBudget"
"""ApplicationError type (non-retryable) of a step activity whose output is over ``StepTask.output_limit``."""

MEMO_INITIAL_DATA_DIGEST: Final = "initial_data_sha256"
"""Memo key: digest of the initial data (detects a business key reused with other data)."""

MEMO_STARTED_BY: Final = "started_by"
"""Memo key (set at start): who started the instance, for the inbox's four-eyes hints
(:mod:`~litestar_workflows.rules.listing_facts`); absent on instances started before it."""

MEMO_STEP_COMPLETERS: Final = "step_completers"
"""Memo key: the deciders of each step some step's ``exclude_completers_of`` names
(:func:`~litestar_workflows.rules.listing_facts.completers_record`), set at start and kept
up to date by the interpreter."""

PATCH_COMPLETERS_MEMO: Final = "step-completers-memo"
"""``workflow.patched`` id: the interpreter upserts :data:`MEMO_STEP_COMPLETERS` when it changes."""

SA_DEFINITION_NAME: Final = SearchAttributeKey.for_keyword("DefinitionName")
SA_DEFINITION_VERSION: Final = SearchAttributeKey.for_keyword("DefinitionVersion")
SA_INSTANCE_STATUS: Final = SearchAttributeKey.for_keyword("InstanceStatus")
SA_BUSINESS_KEY: Final = SearchAttributeKey.for_keyword("BusinessKey")
SA_PENDING_STEPS: Final = SearchAttributeKey.for_keyword_list("PendingSteps")
SA_WAITING_ON: Final = SearchAttributeKey.for_keyword_list("WaitingOn")
SA_WAITING_SINCE: Final = SearchAttributeKey.for_datetime("WaitingSince")
SA_PARTICIPANTS: Final = SearchAttributeKey.for_keyword_list("Participants")

PATCH_PARTICIPANTS: Final = "participants-search-attribute"
"""``workflow.patched`` id: the interpreter keeps ``Participants`` up to date (instances started
before it only carry what was set at start, if anything)."""

PATCH_BASELINE: Final = "baseline-participants-budgets"
"""``workflow.patched`` id asked once per run, first: a run that has it has :data:`PATCH_PARTICIPANTS`
and the size budgets from its start without asking for them one by one. Each patch a run asks for
costs it two history events (the marker, and the ``TemporalChangeVersion`` upsert the SDK adds), so
this makes every new run two events shorter; runs recorded before it ask for each patch as before."""

SEARCH_ATTRIBUTES: Final = (
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_BUSINESS_KEY,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
    SA_PARTICIPANTS,
)
"""Every custom search attribute the workflow writes (three KeywordLists: all SQL visibility allows)."""


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


@dataclass(frozen=True)
class SettledInstance:
    """What an update returns instead of a state over :data:`UPDATE_RESULT_INLINE_BYTES`: the
    instance at the update's settle point, without its data, history window and task ledger (the
    caller reads those with :data:`QUERY_STATE`).

    The field names are :class:`InstanceState`'s, so a client that decodes the result as a state
    (an engine from before this contract) still gets the status, the waiting tasks and the error
    (with empty data and history). ``state_bytes`` tells the two results apart
    (:func:`decode_update_result`).

    Attributes:
        instance_id: Instance id.
        workflow_name: Definition name.
        workflow_version: Definition version the instance runs.
        started_at: Start time.
        status: Status at the settle point.
        state_bytes: Size of the state's JSON, which was over the inline limit.
        revision: The instance's revision (``If-Match``) at the settle point.
        current_step: Step most recently started.
        pending: The waiting human tasks.
        running: Machine steps in flight.
        error: Why it failed or was canceled.
        failed_step: Step whose failure failed it.
        completed_at: End time, once finished.
        business_key: Caller-supplied business key.
    """

    instance_id: str
    workflow_name: str
    workflow_version: str
    started_at: datetime
    status: WorkflowStatus
    state_bytes: int
    revision: str = ""
    current_step: str | None = None
    pending: list[PendingTask] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    error: str | None = None
    failed_step: str | None = None
    completed_at: datetime | None = None
    business_key: str | None = None


def update_result(state: InstanceState, state_bytes: int) -> InstanceState | SettledInstance:
    """What an update returns: ``state`` while its JSON (``state_bytes``) is within
    :data:`UPDATE_RESULT_INLINE_BYTES`, else its :class:`SettledInstance`."""
    if state_bytes <= UPDATE_RESULT_INLINE_BYTES:
        return state
    return SettledInstance(
        instance_id=state.instance_id,
        workflow_name=state.workflow_name,
        workflow_version=state.workflow_version,
        started_at=state.started_at,
        status=state.status,
        state_bytes=state_bytes,
        revision=revision(state),
        current_step=state.current_step,
        pending=list(state.pending),
        running=list(state.running),
        error=state.error,
        failed_step=state.failed_step,
        completed_at=state.completed_at,
        business_key=state.business_key,
    )


def decode_update_result(value: Any) -> InstanceState | SettledInstance:
    """An update's result decoded from its JSON (fetched with no result type): a
    :class:`SettledInstance`, or the whole :class:`InstanceState` (a small one, or any result
    of a worker from before :class:`SettledInstance`)."""
    hint: type[Any] = SettledInstance if isinstance(value, Mapping) and "state_bytes" in value else InstanceState
    decoded: InstanceState | SettledInstance = value_to_type(hint, value, [_DataclassConverter()])
    return decoded


def data_digest(data: Mapping[str, Any]) -> str:
    """Stable digest of JSON-compatible ``data`` (key order does not matter)."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def candidate_entries(assignee: str | None, groups: tuple[str, ...] | list[str]) -> list[str]:
    """``WaitingOn`` entries of one task (the assignment rule: :func:`access.offered_entries`)."""
    return offered_entries(assignee, groups)


def error_details(error: WorkflowsError) -> dict[str, Any]:
    """JSON-compatible attributes of an SDK error, to carry in an ApplicationError."""
    details: dict[str, Any] = {}
    for key, value in vars(error).items():
        if key == "errors" and isinstance(error, FormValidationError):
            details[key] = [{"pointer": e.pointer, "message": e.message} for e in error.errors]
        elif value is None or isinstance(value, str | int | float | bool):
            details[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            details[key] = list(value)
    return details


_ERROR_CLASSES: dict[str, type[WorkflowsError]] = {
    name: cls
    for name in _errors.__all__
    if isinstance(cls := getattr(_errors, name), type) and issubclass(cls, WorkflowsError)
}


def error_from_details(type_name: str | None, message: str, details: Mapping[str, Any] | None) -> WorkflowsError:
    """Rebuild the SDK error an ApplicationError of ``type_name`` carried (inverse of :func:`error_details`)."""
    cls = _ERROR_CLASSES.get(type_name or "", WorkflowsError)
    attrs = dict(details or {})
    text = str(attrs.pop("message", message) or message)
    # The constructors format their own message; the remote message is kept verbatim instead.
    error = cls.__new__(cls)
    WorkflowsError.__init__(error, text)
    for key, value in attrs.items():
        if key == "errors" and isinstance(value, list):
            value = [FieldError(str(e.get("pointer", "")), str(e.get("message", ""))) for e in value]
        setattr(error, key, value)
    return error


@functools.cache
def _field_types(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


class _DataclassConverter(JSONTypeConverter):
    """Decodes dataclasses like temporalio does, with each class's resolved field types
    cached (temporalio resolves the string annotations again for every value)."""

    def to_typed_value(self, hint: type, value: Any) -> Any | JSONTypeConverterUnhandled | None:
        if not (isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict)):
            return JSONTypeConverter.Unhandled
        converters = [self]
        return hint(
            **{
                name: value_to_type(field_type, value[name], converters)
                for name, field_type in _field_types(hint)
                if name in value
            }
        )


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converter with faster decoding of dataclasses.

    The wire format is unchanged (plain JSON), so clients and workers with the default
    converter interoperate with this one.
    """

    def __init__(self) -> None:
        super().__init__(
            *(
                JSONPlainPayloadConverter(custom_type_converters=[_DataclassConverter()])
                if isinstance(c, JSONPlainPayloadConverter)
                else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER: Final = dataclasses.replace(DataConverter.default, payload_converter_class=PayloadConverter)
"""The data converter :func:`litestar_workflows.temporal.client.connect` gives its clients."""
