"""Wire names: the workflow type, update, signal, query and activity names, the ApplicationError
types, and every ``workflow.patched`` id.

They are the strings Temporal records in histories and routes by, kept apart from the payloads
that travel under them so a rename (which breaks running instances and the replay tests) is one
visible diff here. Re-exported by :mod:`litestar_workflows.temporal.contracts`.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTIVITY_CHECK_GUARD",
    "ACTIVITY_DELIVER_EVENTS",
    "ACTIVITY_EVALUATE_CONDITIONS",
    "ACTIVITY_NOTIFIER_ROUTES",
    "ACTIVITY_NOTIFY",
    "ACTIVITY_RUN_STEP",
    "ERROR_DEFINITION_NOT_LOADED",
    "ERROR_INSTANCE_FAILED",
    "ERROR_OUTPUT_OVER_BUDGET",
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
    "SIGNAL_COMPLETE_HUMAN_TASK",
    "UPDATE_COMPLETE_HUMAN_TASK",
    "UPDATE_DELIVER_WEBHOOK",
    "UPDATE_OPERATE_TASK",
    "UPDATE_PAUSE",
    "UPDATE_RESUME",
    "UPDATE_WAIT_SETTLED",
    "WORKFLOW_TYPE",
]

# --- The workflow and what clients send it ---------------------------------------------------

WORKFLOW_TYPE: Final = "litestar_workflows.Interpreter"
"""Temporal workflow type of the generic interpreter workflow."""

UPDATE_COMPLETE_HUMAN_TASK: Final = "complete_human_task"
"""Update: complete a waiting human step; returns the settled :class:`InstanceState`."""

SIGNAL_COMPLETE_HUMAN_TASK: Final = "complete_human_task_signal"
"""Signal with the same purpose and validation; invalid ones land in ``InstanceState.rejected``."""

UPDATE_WAIT_SETTLED: Final = "wait_settled"
"""Update (used with update-with-start): returns the state at the next settle point."""

QUERY_STATE: Final = "get_state"
"""Query: the full :class:`InstanceState`."""

UPDATE_DELIVER_WEBHOOK: Final = "deliver_webhook"
"""Update: a webhook step's callback (:class:`DeliverWebhook`); returns the settled state. Its
validator refuses (writing nothing) a wrong secret, a second delivery and an invalid payload."""

UPDATE_PAUSE: Final = "pause_instance"
"""Update: pause the instance (:class:`PauseRequest`); returns the state."""

UPDATE_RESUME: Final = "resume_instance"
"""Update: resume a paused instance (:class:`PauseRequest`); returns the settled state."""

UPDATE_OPERATE_TASK: Final = "operate_task"
"""Update: claim, unclaim, reassign, delegate, take back or comment on a waiting human task
(:class:`~litestar_workflows.rules.tasks.TaskOperation`); returns the state. Its validator runs
the rules (:func:`~litestar_workflows.rules.tasks.validate_operation`) and refuses writing nothing."""

# --- Activities --------------------------------------------------------------------------------

ACTIVITY_RUN_STEP: Final = "litestar_workflows.run_step"
"""Activity: one attempt of a machine step's ``execute`` (and its callable conditions)."""

ACTIVITY_CHECK_GUARD: Final = "litestar_workflows.check_guard"
"""Activity: a human step's overridden ``can_execute``."""

ACTIVITY_EVALUATE_CONDITIONS: Final = "litestar_workflows.evaluate_conditions"
"""Activity: the callable conditions leaving a completed human step."""

ACTIVITY_DELIVER_EVENTS: Final = "litestar_workflows.deliver_events"
"""Activity: hand a batch of lifecycle events (:class:`EventBatch`) to the worker's event bus."""

ACTIVITY_NOTIFIER_ROUTES: Final = "litestar_workflows.notifier_routes"
"""Local activity: which of the worker's notifiers want which of a batch's event kinds, and their
retry policies (:class:`NotifierRoute`); its answer is in the history, so the fan-out replays."""

ACTIVITY_NOTIFY: Final = "litestar_workflows.notify"
"""Activity: run one notifier's handlers on a batch of events (:class:`NotifyBatch`)."""

# --- ApplicationError types --------------------------------------------------------------------

ERROR_DEFINITION_NOT_LOADED: Final = "DefinitionNotLoadedError"
"""ApplicationError type raised by activities when the worker lacks the instance's definition version."""

ERROR_INSTANCE_FAILED: Final = "WorkflowInstanceFailed"
"""ApplicationError type the workflow execution fails with when the instance failed."""

ERROR_OUTPUT_OVER_BUDGET: Final = "StepOutputOverBudget"
"""ApplicationError type (non-retryable) of a step activity whose output is over ``StepTask.output_limit``."""

# --- ``workflow.patched`` ids (never rename or reuse one: recorded histories ask for them) -----

PATCH_STEP_KINDS: Final = "step-kinds-timer-webhook-gateway"
"""``workflow.patched`` id: timer steps' durable timers and webhook deliveries."""

PATCH_PAUSE: Final = "pause-resume"
"""``workflow.patched`` id: pausing and resuming an instance."""

PATCH_EVENTS: Final = "lifecycle-events"
"""``workflow.patched`` id: lifecycle events handed to the worker's event bus by an activity."""

PATCH_NOTIFIERS: Final = "notifiers"
"""``workflow.patched`` id: events go to each notifier by its own activity (:data:`ACTIVITY_NOTIFY`)
instead of one :data:`ACTIVITY_DELIVER_EVENTS` for all handlers."""

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

PATCH_COMPLETERS_MEMO: Final = "step-completers-memo"
"""``workflow.patched`` id: the interpreter upserts
:data:`~litestar_workflows.temporal.search_attributes.MEMO_STEP_COMPLETERS` when it changes."""

PATCH_PARTICIPANTS: Final = "participants-search-attribute"
"""``workflow.patched`` id: the interpreter keeps ``Participants`` up to date (instances started
before it only carry what was set at start, if anything)."""

PATCH_BASELINE: Final = "baseline-participants-budgets"
"""``workflow.patched`` id asked once per run, first: a run that has it has :data:`PATCH_PARTICIPANTS`
and the size budgets from its start without asking for them one by one. Each patch a run asks for
costs it two history events (the marker, and the ``TemporalChangeVersion`` upsert the SDK adds), so
this makes every new run two events shorter; runs recorded before it ask for each patch as before."""

PATCH_BASELINE_V2: Final = "baseline-2026-12"
"""``workflow.patched`` id asked once per run, first, before :data:`PATCH_BASELINE`: a run that has
it has everything the first baseline stands for, the memo of deciders (:data:`PATCH_COMPLETERS_MEMO`)
and four-eyes over every decider (:data:`PATCH_FOUR_EYES_DECIDERS`) without asking for them later:
two events shorter for each of them a run would have asked; runs recorded with the first baseline
(or none) ask as they did."""

PATCH_LEAN_PUBLISH: Final = "lean-publish"
"""``workflow.patched`` id: fewer visibility writes per instance (each upsert is a history event
and a write to the visibility store). The deciders memo is upserted only while a step that
excludes them waits (the inbox reads it only for such a step), and an instance that completes
while nothing but its status changes (a machine step was its last) does not upsert
``InstanceStatus``: it stays ``running``, the run's execution status says ``Completed``, and
listings read it so. A failed or canceled instance still upserts it (those are the runs people
look for in the Web UI), and so does one whose waiting steps change as it completes."""

PATCH_BASELINE_V3: Final = "baseline-2026-12-lean"
"""``workflow.patched`` id asked once per run, first, before :data:`PATCH_BASELINE_V2`: a run that
has it has everything the second baseline stands for and :data:`PATCH_LEAN_PUBLISH`; runs recorded
with an older baseline (or none) ask as they did."""
