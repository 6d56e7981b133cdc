"""The bodies and answers of the task operations (claim, unclaim, reassign, delegate, take back,
comment, send back).

Kept apart from the controller so the OpenAPI finishing touches (api/openapi.py) can render them
with pydantic's own schema (patterns, ``additionalProperties: false``) like the other bodies.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.request_models import BUSINESS_KEY_PATTERN
from litestar_workflows.rules import tasks

__all__ = [
    "CommentRequest",
    "DelegateRequest",
    "ReassignRequest",
    "SendBackRequest",
    "TaskOperationRequest",
    "TaskRecordView",
]


_IDENTITY = r"^[^\x00-\x1f\x7f]+$"
"""A user id or group name: no control characters (the engine checks the rest)."""


class TaskOperationRequest(BaseModel):
    """The body of a task operation; each route reads the fields it needs.

    Attributes:
        to_user: ``reassign``/``delegate``: the user it goes to.
        to_groups: ``reassign``: the groups it goes to.
        reason: Why (recorded with the hand-over).
        keep_right: ``delegate``: the delegator may take it back.
        text: ``comments``: the comment.
    """

    model_config = ConfigDict(extra="forbid")

    to_user: str | None = Field(default=None, max_length=255, pattern=_IDENTITY)
    to_groups: list[Annotated[str, Field(max_length=255, pattern=_IDENTITY)]] = Field(
        default_factory=list, max_length=tasks.MAX_TARGET_GROUPS
    )
    reason: str | None = Field(default=None, max_length=tasks.MAX_REASON_CHARS)
    keep_right: bool = False
    text: str | None = Field(default=None, max_length=tasks.MAX_COMMENT_BYTES)

    def operation(
        self,
        kind: str,
        step_name: str,
        user_id: str,
        groups: Collection[str],
        *,
        expected_revision: str | None = None,
    ) -> tasks.TaskOperation:
        """The engine's operation ``kind`` on ``step_name`` by ``user_id`` with this body (the REST
        routes and the task UI alike)."""
        return tasks.TaskOperation(
            kind,
            step_name,
            user_id,
            tuple(groups),
            target_user=self.to_user,
            target_groups=tuple(self.to_groups),
            reason=self.reason,
            keep_right=self.keep_right,
            text=self.text,
            expected_revision=expected_revision,
        )


class ReassignRequest(TaskOperationRequest):
    """The body of a reassignment: a user, or at least one group, to hand the task to.

    Attributes:
        to_user: The user it goes to.
        to_groups: The groups it goes to.
        reason: Why (recorded with the hand-over).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["to_user"], "properties": {"to_user": {"type": "string"}}},
                {"required": ["to_groups"], "properties": {"to_groups": {"minItems": 1}}},
            ]
        },
    )


class DelegateRequest(TaskOperationRequest):
    """The body of a delegation: the user who acts for you.

    Attributes:
        to_user: The user it goes to.
        reason: Why (recorded with the hand-over).
        keep_right: You may take it back.
    """

    to_user: str = Field(max_length=255, pattern=_IDENTITY)


class CommentRequest(BaseModel):
    """The body of a comment on a task.

    Attributes:
        text: The comment (not blank; at most 2048 UTF-8 bytes).
    """

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=tasks.MAX_COMMENT_BYTES, pattern=r"\S")


class SendBackRequest(BaseModel):
    """The body of a send-back: why the task goes back (required).

    Attributes:
        comment: Why it is sent back (recorded with the decision; not blank; at most 2048 UTF-8 bytes).
        idempotency_key: Same as the ``Idempotency-Key`` header (either, or both equal): a retry
            answers like the first request instead of acting twice.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"comment": "Please add the Q3 figures to section 2"}]},
    )

    comment: str = Field(min_length=1, max_length=tasks.MAX_COMMENT_BYTES, pattern=r"\S")
    idempotency_key: str | None = Field(default=None, pattern=BUSINESS_KEY_PATTERN)


class TaskRecordView(BaseModel):
    """A task's operations record; its ``revision`` is also the ETag of the answer.

    Attributes:
        instance_id: The instance.
        step_name: The task's step.
        revision: The instance revision (send it back as ``If-Match``).
        waiting: Whether the task is still open.
        assignee: The user it is offered to, if any.
        candidate_groups: The groups it is offered to.
        claimed_by: Who claimed it.
        delegated_by: Who delegated it.
        escalation_level: Escalation levels reached.
        reminders_sent: Reminders sent.
        approvals: Approvals so far (steps with several approvers).
        handovers: Its hand-over records (who, when, from, to, why).
        decisions: Its decision records.
        comments: Its comments.
    """

    instance_id: str
    step_name: str
    revision: str
    waiting: bool
    assignee: str | None = None
    candidate_groups: list[str] = Field(default_factory=list)
    claimed_by: str | None = None
    delegated_by: str | None = None
    escalation_level: int = 0
    reminders_sent: int = 0
    approvals: int = 0
    handovers: list[dict[str, Any]] = Field(default_factory=list)
    decisions: list[dict[str, Any]] = Field(default_factory=list)
    comments: list[dict[str, Any]] = Field(default_factory=list)
