"""The human-task operations, under the one name the engines, the gateway and user code import:
claim, unclaim, reassign, delegate, take back, comment and send back; several approvers on one
step; decision records and the instance revision a decision must be made on.

The rules live by job in :mod:`.task_operations` (who may do which operation, and what it
writes), :mod:`.send_back` (returning a task along its "request changes" edges),
:mod:`.task_ledger` (the bounds, digests, revision, lookups and hand-over records) and
:mod:`.decisions`; this module re-exports their public names so ``rules.tasks.X`` keeps working.

Everything kept is bounded (:data:`MAX_HANDOVERS`, :data:`MAX_DECISIONS`, :data:`MAX_COMMENTS`,
:data:`~.decisions.MAX_VOTES`) and each decision's data is stored once: in the instance data (for
a step with several approvers, as a list under the step's name); its record keeps a digest.
"""

from __future__ import annotations

from litestar_workflows.rules.task_ledger import (
    MAX_COMMENT_BYTES,
    MAX_COMMENTS,
    MAX_COMMENTS_PER_STEP,
    MAX_DECISIONS,
    MAX_HANDOVERS,
    MAX_PARTICIPANTS,
    check_revision,
    claimed_by,
    data_digest,
    form_digest,
    offer_step,
    ops_of,
    record_handover,
    revision,
    sync_task,
    waiting_task,
)
from litestar_workflows.rules.task_operations import (
    MAX_REASON_CHARS,
    MAX_TARGET_GROUPS,
    OPERATIONS,
    TaskOperation,
    apply_operation,
    validate_operation,
)

__all__ = [
    "MAX_COMMENTS",
    "MAX_COMMENTS_PER_STEP",
    "MAX_COMMENT_BYTES",
    "MAX_DECISIONS",
    "MAX_HANDOVERS",
    "MAX_PARTICIPANTS",
    "MAX_REASON_CHARS",
    "MAX_TARGET_GROUPS",
    "OPERATIONS",
    "TaskOperation",
    "apply_operation",
    "check_revision",
    "claimed_by",
    "data_digest",
    "form_digest",
    "offer_step",
    "ops_of",
    "record_handover",
    "revision",
    "sync_task",
    "validate_operation",
    "waiting_task",
]
