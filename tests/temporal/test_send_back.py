"""Sending a task back on Temporal (the ``send_back`` operation of the ``operate_task`` update):
refusals write no history, the send-back follows only its edge, the loop comes back, and the
decision record and the patch marker are in the history. And four-eyes over every approver of a
step with several approvers."""

from __future__ import annotations

import uuid

import pytest

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.exceptions import FormValidationError, TaskOperationNotAllowedError, UnauthorizedTaskError
from litestar_workflows.temporal.contracts import PATCH_BASELINE_V3, PATCH_SEND_BACK
from tests.api.send_back_defs import FOUR_EYES_QUORUM_DEFINITION, SEND_BACK_DEFINITION
from tests.temporal.conftest import Harness
from tests.temporal.helpers import patch_ids

REVIEWERS = ("reviewers",)


async def test_send_back_loops_through_revise_and_then_completes(harness: Harness) -> None:
    harness.registry.register_definition(SEND_BACK_DEFINITION)
    engine = harness.engine
    inst = await engine.start_workflow(
        "doc_send_back", {"author": "alice"}, business_key=f"d-{uuid.uuid4().hex[:8]}", user_id="alice"
    )
    iid = inst.id
    assert inst.pending_steps == ["review"]
    handle = engine.client.get_workflow_handle(iid)
    events = len((await handle.fetch_history()).events)
    with pytest.raises(TaskOperationNotAllowedError, match="four-eyes"):  # alice started it
        await engine.send_back_task(iid, "review", "alice", "mine", groups=REVIEWERS)
    with pytest.raises(FormValidationError):
        await engine.send_back_task(iid, "review", "bob", "  ", groups=REVIEWERS)
    assert len((await handle.fetch_history()).events) == events  # the validator refused: no history
    sent = await engine.send_back_task(
        iid, "review", "bob", "add the figures", groups=REVIEWERS, expected_revision=inst.revision
    )
    assert sent.pending_steps == ["revise"] and sent.status == WorkflowStatus.WAITING
    record = sent.tasks.decisions[-1]
    assert (record.user_id, record.outcome, record.comment, record.sent_to) == (
        "bob",
        "sent back",
        "add the figures",
        ["revise"],
    )
    with pytest.raises(TaskOperationNotAllowedError, match="no send-back edge"):
        await engine.send_back_task(iid, "revise", "alice", "no")
    again = await engine.complete_human_task(iid, "revise", "alice", {})
    assert again.pending_steps == ["review"] and again.context.data["drafts"] == 2
    done = await engine.complete_human_task(iid, "review", "bob", {"approved": True}, groups=REVIEWERS)
    assert done.status == WorkflowStatus.COMPLETED and done.context.data["status"] == "approved"
    assert PATCH_SEND_BACK in await patch_ids(engine.client, iid)


async def test_every_approver_of_the_excluded_step_is_refused(harness: Harness) -> None:
    harness.registry.register_definition(FOUR_EYES_QUORUM_DEFINITION)
    engine, finance = harness.engine, ("finance",)
    iid = (await engine.start_workflow("quorum_then_pay", {}, user_id="zed")).id
    await engine.complete_human_task(iid, "approve", "ann", {"approved": True}, groups=finance)
    view = await engine.complete_human_task(iid, "approve", "bob", {"approved": True}, groups=finance)
    assert view.pending_steps == ["pay"]
    for user in ("ann", "bob"):  # the history names bob only; the decision records name both
        with pytest.raises(UnauthorizedTaskError, match="four-eyes"):
            await engine.complete_human_task(iid, "pay", user, {}, groups=finance)
        with pytest.raises(TaskOperationNotAllowedError, match="four-eyes"):
            await engine.claim_task(iid, "pay", user, groups=finance)
    done = await engine.complete_human_task(iid, "pay", "cid", {}, groups=finance)
    assert done.status == WorkflowStatus.COMPLETED
    # A new run has it through the baseline it asks first (one marker for several patches).
    assert PATCH_BASELINE_V3 in await patch_ids(engine.client, iid)
