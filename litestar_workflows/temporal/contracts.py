"""Wire contracts between the Temporal workflow, its activities and the engine: the index.

Everything here crosses a process boundary and is recorded in Temporal histories:
the names are stable constants and the payload dataclasses only ever gain optional
fields. Renaming any of them breaks running instances (the replay tests catch that).

Each job has its own module; this one re-exports every name, so
``from litestar_workflows.temporal.contracts import X`` is the one import path:

- :mod:`~litestar_workflows.temporal.wire_names`: workflow type, update/signal/query/activity
  names, ApplicationError types, ``workflow.patched`` ids;
- :mod:`~litestar_workflows.temporal.search_attributes`: search attributes (and what they
  expose), memo keys, the initial-data digest;
- :mod:`~litestar_workflows.temporal.wire_payloads`: the argument and input dataclasses;
- :mod:`~litestar_workflows.temporal.settled_results`: what an update returns (inline state or
  :class:`SettledInstance`);
- :mod:`~litestar_workflows.temporal.wire_errors`: SDK errors in ApplicationError details;
- :mod:`~litestar_workflows.temporal.payload_converter`: the data converter.
"""

from __future__ import annotations

from litestar_workflows.temporal.payload_converter import (
    DATA_CONVERTER,
    PayloadConverter,
)
from litestar_workflows.temporal.search_attributes import (
    MEMO_INITIAL_DATA_DIGEST,
    MEMO_STARTED_BY,
    MEMO_STEP_COMPLETERS,
    SA_BUSINESS_KEY,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PARTICIPANTS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
    SEARCH_ATTRIBUTES,
    candidate_entries,
    data_digest,
)
from litestar_workflows.temporal.settled_results import (
    UPDATE_RESULT_INLINE_BYTES,
    SettledInstance,
    decode_update_result,
    update_result,
)
from litestar_workflows.temporal.wire_errors import (
    error_details,
    error_from_details,
)
from litestar_workflows.temporal.wire_names import (
    ACTIVITY_CHECK_GUARD,
    ACTIVITY_DELIVER_EVENTS,
    ACTIVITY_EVALUATE_CONDITIONS,
    ACTIVITY_NOTIFIER_ROUTES,
    ACTIVITY_NOTIFY,
    ACTIVITY_RUN_STEP,
    ERROR_DEFINITION_NOT_LOADED,
    ERROR_INSTANCE_FAILED,
    ERROR_OUTPUT_OVER_BUDGET,
    PATCH_BASELINE,
    PATCH_BASELINE_V2,
    PATCH_BASELINE_V3,
    PATCH_COMPLETERS_MEMO,
    PATCH_EVENTS,
    PATCH_FOUR_EYES_DECIDERS,
    PATCH_LEAN_PUBLISH,
    PATCH_NOTIFIERS,
    PATCH_PARTICIPANTS,
    PATCH_PAUSE,
    PATCH_REMINDERS_BEFORE_DEADLINE,
    PATCH_SEND_BACK,
    PATCH_STEP_KINDS,
    PATCH_TASK_ALARMS,
    PATCH_TASK_MARKS,
    PATCH_TASK_OPERATIONS,
    QUERY_STATE,
    SIGNAL_COMPLETE_HUMAN_TASK,
    UPDATE_COMPLETE_HUMAN_TASK,
    UPDATE_DELIVER_WEBHOOK,
    UPDATE_OPERATE_TASK,
    UPDATE_PAUSE,
    UPDATE_RESUME,
    UPDATE_WAIT_SETTLED,
    WORKFLOW_TYPE,
)
from litestar_workflows.temporal.wire_payloads import (
    CompleteHumanTask,
    DeliverWebhook,
    EventBatch,
    InterpreterInput,
    NotifierRoute,
    NotifyBatch,
    PauseRequest,
    StepTask,
    WaitSettled,
)

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
    "PATCH_BASELINE_V2",
    "PATCH_BASELINE_V3",
    "PATCH_COMPLETERS_MEMO",
    "PATCH_EVENTS",
    "PATCH_FOUR_EYES_DECIDERS",
    "PATCH_LEAN_PUBLISH",
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
