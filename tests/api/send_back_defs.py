"""Definitions of the send-back and four-eyes tests (gateway, Temporal, recorded histories): one
with a send-back ("request changes") edge, one whose second step excludes every approver of the first."""

from __future__ import annotations

from litestar_workflows import BaseHumanStep, BaseMachineStep, Edge, WorkflowContext, WorkflowDefinition

__all__ = ["FOUR_EYES_QUORUM_DEFINITION", "SEND_BACK_DEFINITION", "send_back_definition"]

FORM = {
    "type": "object",
    "properties": {"approved": {"type": "boolean"}},
    "required": ["approved"],
    "additionalProperties": False,
}


class Draft(BaseMachineStep):
    name = "draft"

    async def execute(self, context: WorkflowContext) -> None:
        context.set("drafts", int(context.get("drafts", 0) or 0) + 1)


class Review(BaseHumanStep):
    name = "review"
    title = "Review the draft"
    candidate_groups = ("reviewers",)
    exclude_starter = True
    form_schema = FORM


class Revise(BaseHumanStep):
    name = "revise"
    title = "Revise the draft"
    assignee_key = "author"


class Finish(BaseMachineStep):
    name = "finish"

    async def execute(self, context: WorkflowContext) -> None:
        context.set("status", "approved" if context.get("approved") else "rejected")


def send_back_definition(name: str = "doc_send_back") -> WorkflowDefinition:
    """``draft -> review -> finish``; ``review`` may be sent back to ``revise``, which returns to ``draft``."""
    return WorkflowDefinition(
        name=name,
        version="1.0.0",
        steps={"draft": Draft(), "review": Review(), "revise": Revise(), "finish": Finish()},
        edges=[
            Edge("draft", "review"),
            Edge("review", "finish"),
            Edge("review", "revise", send_back=True),
            Edge("revise", "draft"),
        ],
        initial_step="draft",
        terminal_steps={"finish"},
    )


SEND_BACK_DEFINITION = send_back_definition()


class Approve(BaseHumanStep):
    name = "approve"
    candidate_groups = ("finance",)
    approvals_required = 2
    form_schema = FORM


class Pay(BaseHumanStep):
    name = "pay"
    candidate_groups = ("finance",)
    exclude_completers_of = ("approve",)


FOUR_EYES_QUORUM_DEFINITION = WorkflowDefinition(
    name="quorum_then_pay",
    version="1.0.0",
    steps={"approve": Approve(), "pay": Pay(), "finish": Finish()},
    edges=[Edge("approve", "pay"), Edge("pay", "finish")],
    initial_step="approve",
    terminal_steps={"finish"},
)
"""Two of finance approve; then someone of finance who approved neither pays."""
