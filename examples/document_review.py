"""Document review: conditional routing, a revision loop, and a human deadline with escalation.

The graph::

    submit_document -> review --(approve, needs legal)----> legal_review -> publish | archive
                         |  ----(approve, no legal)-------> publish
                         |  ----(request_changes)---------> revise -> review (loop)
                         |  ····(send back, a comment)····> revise
                         |  ----(reject)------------------> archive
                         '-- deadline passes -> escalate -> lead_review -> (same choices)

``review`` is assigned to the user named in ``reviewer_id``. Besides deciding with the form, the
reviewer (or a lead) may send the document back to its author with a comment
(``POST /tasks/{instance}/review/send-back``): the ``send_back=True`` edges, appended after the
others so instances started before them are still served by the same workers (their snapshot
has no such edge; the ``request_changes`` decision keeps working for them and for everyone). If nobody decides within
:data:`REVIEW_DEADLINE` the instance escalates: the review is closed as timed out and
offered to the ``review-leads`` group instead. The deadline is deliberately short so the
escalation can be watched in the Temporal Web UI while the dev stack runs; real
definitions would use days (see :func:`build_document_review`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    RetryPolicy,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = [
    "DECISION_FORM",
    "LEGAL_CATEGORIES",
    "REVIEW_DEADLINE",
    "Archive",
    "Escalate",
    "LeadReview",
    "LegalReview",
    "Publish",
    "Review",
    "Revise",
    "SubmitDocument",
    "build_document_review",
    "document_review_workflow",
    "registry",
]

REVIEW_DEADLINE = timedelta(minutes=5)
"""How long the assigned reviewer has before the review escalates to the leads."""

LEGAL_CATEGORIES = frozenset({"contract", "policy"})
"""Document categories that need a legal review before publication."""

DECISION_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "enum": ["approve", "request_changes", "reject"], "title": "Decision"},
        "comments": {"type": "string", "title": "Comments", "maxLength": 2000},
    },
    "required": ["decision"],
    "additionalProperties": False,
}
"""Form shared by the reviewer and the lead: the ``decision`` routes the instance."""


class SubmitDocument(BaseMachineStep):
    """Check the submission and work out which reviews it needs."""

    name = "submit_document"
    description = "Validate the submission and decide whether legal must review it"
    # Bad input will not get better by retrying: fail the instance at once.
    retry_policy = RetryPolicy(non_retryable_errors=("ValueError",))

    async def execute(self, context: WorkflowContext) -> None:
        """Require a title, an author and a reviewer other than the author."""
        # The author is whoever started the instance (from their token), not a field they typed:
        # "author nobody, reviewer me" would otherwise let anyone approve their own document.
        started_by = context.metadata.get("started_by")
        if started_by:
            context.set("author_id", started_by)
        for key in ("title", "author_id", "reviewer_id"):
            value = context.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key!r} is required and must be a non-empty string")
        if context.get("reviewer_id") == context.get("author_id"):
            raise ValueError("the reviewer must not be the author")
        category = context.get("category", "general")
        context.set("category", category)
        context.set("needs_legal", category in LEGAL_CATEGORIES)
        context.set("escalated", False)


class Review(BaseHumanStep):
    """The assigned reviewer decides; escalates to the leads when the deadline passes."""

    name = "review"
    title = "Review document"
    description = "Approve, request changes or reject the document"
    assignee_key = "reviewer_id"
    # Four-eyes: the reviewer named in the data is never the author who started the review.
    assignee_not_starter = True
    exclude_starter = True
    deadline = REVIEW_DEADLINE
    on_deadline = "escalate"
    form_schema = DECISION_FORM


class Escalate(BaseMachineStep):
    """Record that the reviewer missed the deadline."""

    name = "escalate"
    description = "The reviewer missed the deadline: hand the review to the review leads"

    async def execute(self, context: WorkflowContext) -> None:
        """Mark the instance as escalated."""
        context.set("escalated", True)
        context.set("escalated_at", datetime.now(UTC).isoformat())


class LeadReview(BaseHumanStep):
    """A review lead decides in place of the reviewer."""

    name = "lead_review"
    title = "Escalated document review"
    description = "The assigned reviewer did not decide in time"
    candidate_groups = ("review-leads",)
    exclude_starter = True  # a lead who wrote the document does not approve it either
    form_schema = DECISION_FORM


class Revise(BaseHumanStep):
    """The author revises the document and sends it back to review."""

    name = "revise"
    title = "Revise your document"
    description = "The reviewer requested changes"
    assignee_key = "author_id"
    form_schema = {
        "type": "object",
        "properties": {"changes": {"type": "string", "title": "What changed", "minLength": 1, "maxLength": 2000}},
        "required": ["changes"],
        "additionalProperties": False,
    }


class LegalReview(BaseHumanStep):
    """Legal signs off contracts and policies."""

    name = "legal_review"
    title = "Legal review"
    description = "Contracts and policies need legal approval before publication"
    candidate_groups = ("legal",)
    form_schema = {
        "type": "object",
        "properties": {
            "legal_approved": {"type": "boolean", "title": "Legally sound?"},
            "legal_notes": {"type": "string", "title": "Notes", "maxLength": 2000},
        },
        "required": ["legal_approved"],
        "additionalProperties": False,
    }


class Publish(BaseMachineStep):
    """Publish the approved document."""

    name = "publish"
    description = "Publish the approved document"

    async def execute(self, context: WorkflowContext) -> None:
        """Set ``status`` to published."""
        context.set("status", "published")
        context.set("published_at", datetime.now(UTC).isoformat())


class Archive(BaseMachineStep):
    """Archive a rejected document."""

    name = "archive"
    description = "Archive the rejected document"

    async def execute(self, context: WorkflowContext) -> None:
        """Set ``status`` to rejected."""
        context.set("status", "rejected")


def _decision_edges(source: str) -> list[Edge]:
    return [
        Edge(source, "legal_review", condition="decision == 'approve' and needs_legal"),
        Edge(source, "publish", condition="decision == 'approve' and not needs_legal"),
        Edge(source, "revise", condition="decision == 'request_changes'"),
        Edge(source, "archive", condition="decision == 'reject'"),
    ]


def build_document_review(review_deadline: timedelta = REVIEW_DEADLINE, version: str = "1.0.0") -> WorkflowDefinition:
    """Build the document review definition with the given reviewer deadline."""
    return WorkflowDefinition(
        name="document_review",
        version=version,
        description="Review a document; legal signs off contracts and policies; late reviews escalate",
        steps={
            "submit_document": SubmitDocument(),
            "review": Review(deadline=review_deadline),
            "escalate": Escalate(),
            "lead_review": LeadReview(),
            "revise": Revise(),
            "legal_review": LegalReview(),
            "publish": Publish(),
            "archive": Archive(),
        },
        edges=[
            Edge("submit_document", "review"),
            *_decision_edges("review"),
            Edge("escalate", "lead_review"),
            *_decision_edges("lead_review"),
            Edge("revise", "review"),
            Edge("legal_review", "publish", condition="legal_approved"),
            Edge("legal_review", "archive", condition="not legal_approved"),
            # Last, so the edges above keep their indexes (and running instances their workers).
            Edge("review", "revise", send_back=True),
            Edge("lead_review", "revise", send_back=True),
        ],
        initial_step="submit_document",
        terminal_steps={"publish", "archive"},
    )


document_review_workflow = build_document_review()

registry = WorkflowRegistry()
registry.register_definition(document_review_workflow)
