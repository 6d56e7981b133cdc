"""The self-approval cases of issue #11, refused by the examples' four-eyes options (in-process engine;
tests/api/test_access_temporal.py runs the expense case through the gateway on Temporal)."""

from __future__ import annotations

import pytest

import examples
from litestar_workflows import LocalExecutionEngine, UnauthorizedTaskError, WorkflowStatus
from litestar_workflows.exceptions import InitialDataError

ONBOARDING = {"employee_name": "Max", "role": "engineer", "start_date": "2027-01-04"}


async def test_reviewer_from_data_cannot_be_the_author_who_started_it() -> None:
    engine = LocalExecutionEngine(examples.registry)
    doc = {"title": "Mine", "author_id": "nobody", "reviewer_id": "alice"}
    with pytest.raises(InitialDataError) as info:
        await engine.start_workflow("document_review", doc, user_id="alice", groups=["employees"])
    [problem] = info.value.errors
    assert problem.pointer == "/reviewer_id" and "four-eyes" in problem.message
    # With someone else as reviewer, the author is the starter (from the token), not "nobody".
    instance = await engine.start_workflow("document_review", {**doc, "reviewer_id": "bob"}, user_id="alice")
    assert instance.context.get("author_id") == "alice"
    await engine.complete_human_task(instance.id, "review", "bob", {"decision": "request_changes"})
    assert [t.assignee for t in instance.pending_tasks] == ["alice"]  # revise goes back to the real author


async def test_onboarding_starter_cannot_name_themselves_manager() -> None:
    engine = LocalExecutionEngine(examples.registry)
    with pytest.raises(InitialDataError, match="manager_id"):
        await engine.start_workflow("employee_onboarding", {**ONBOARDING, "manager_id": "mallory"}, user_id="mallory")


async def test_manager_cannot_approve_own_expense_and_vp_is_a_third_person() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow(
        "expense_approval", {"amount": 9000, "requester_id": "someone"}, user_id="bob", groups=["managers", "vps"]
    )
    assert instance.context.get("requester_id") == "bob"  # from the token, not the data
    assert instance.context.metadata["started_by_groups"] == ["managers", "vps"]
    with pytest.raises(UnauthorizedTaskError, match="started the instance"):
        await engine.complete_human_task(
            instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
        )
    await engine.complete_human_task(
        instance.id, "manager_approval", "bert", {"approved": True}, groups=["managers", "vps"]
    )
    with pytest.raises(UnauthorizedTaskError, match="completed 'manager_approval'"):
        await engine.complete_human_task(instance.id, "vp_approval", "bert", {"approved": True}, groups=["vps"])
    await engine.complete_human_task(instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"])
    assert instance.status == WorkflowStatus.COMPLETED
    approval = instance.context.get_last_execution("manager_approval")
    assert approval is not None and approval.completed_by_groups == ["managers", "vps"]
