"""The example definitions behave as documented, on the in-process engine."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

import examples
from examples.document_review import build_document_review
from litestar_workflows import (
    FormValidationError,
    LocalExecutionEngine,
    UnauthorizedTaskError,
    WorkflowRegistry,
    WorkflowStatus,
)
from litestar_workflows.exceptions import WorkflowInstanceNotFoundError


def test_combined_registry_holds_every_example() -> None:
    names = [d.name for d in examples.registry.list_definitions()]
    assert names == ["document_review", "employee_onboarding", "expense_approval", "purchase_order"]
    assert examples.build_registry() is not examples.registry


async def test_expense_large_amount_needs_vp() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow(
        "expense_approval", initial_data={"requester_id": "alice", "amount": 9000, "description": "GPU"}
    )
    await engine.complete_human_task(instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"])
    assert instance.pending_steps == ["vp_approval"]
    await engine.complete_human_task(instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"])
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "approved"


DOC = {"title": "Travel policy", "author_id": "alice", "reviewer_id": "bob", "category": "policy"}


async def test_document_review_policy_goes_through_legal_after_a_revision() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("document_review", initial_data=DOC, user_id="alice")
    assert instance.pending_steps == ["review"]
    assert instance.pending_tasks[0].assignee == "bob"
    assert instance.pending_tasks[0].deadline_at is not None
    with pytest.raises(UnauthorizedTaskError):
        await engine.complete_human_task(instance.id, "review", "alice", {"decision": "approve"})
    with pytest.raises(WorkflowInstanceNotFoundError):  # mallory takes no part in it
        await engine.complete_human_task(instance.id, "review", "mallory", {"decision": "approve"})
    with pytest.raises(FormValidationError):
        await engine.complete_human_task(instance.id, "review", "bob", {"decision": "maybe"})
    await engine.complete_human_task(instance.id, "review", "bob", {"decision": "request_changes"})
    assert instance.pending_steps == ["revise"]
    await engine.complete_human_task(instance.id, "revise", "alice", {"changes": "fixed section 2"})
    assert instance.pending_steps == ["review"]
    await engine.complete_human_task(instance.id, "review", "bob", {"decision": "approve"})
    assert instance.pending_steps == ["legal_review"]
    await engine.complete_human_task(instance.id, "legal_review", "lena", {"legal_approved": True}, groups=["legal"])
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "published"


async def test_document_review_general_document_is_published_without_legal() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("document_review", initial_data={**DOC, "category": "howto"})
    await engine.complete_human_task(instance.id, "review", "bob", {"decision": "approve"})
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "published"


async def test_document_review_missed_deadline_escalates_to_leads() -> None:
    registry = WorkflowRegistry()
    registry.register_definition(build_document_review(timedelta(milliseconds=50)))
    engine = LocalExecutionEngine(registry)
    instance = await engine.start_workflow("document_review", initial_data=DOC)
    for _ in range(100):
        await asyncio.sleep(0.02)
        instance = await engine.get_instance(instance.id)
        if instance.pending_steps == ["lead_review"]:
            break
    assert instance.pending_steps == ["lead_review"]
    assert instance.context.get("escalated") is True
    assert instance.pending_tasks[0].candidate_groups == ("review-leads",)
    await engine.complete_human_task(instance.id, "lead_review", "lee", {"decision": "reject"}, groups=["review-leads"])
    assert instance.context.get("status") == "rejected"


async def test_document_review_rejects_self_review() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("document_review", initial_data={**DOC, "reviewer_id": "alice"})
    assert instance.status == WorkflowStatus.FAILED
    assert instance.error is not None
    assert "reviewer must not be the author" in instance.error


HIRE = {"employee_name": "Dana", "role": "sre", "manager_id": "mike", "start_date": "2026-01-05"}


async def test_onboarding_runs_approvals_in_parallel_and_joins() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("employee_onboarding", initial_data=HIRE)
    assert sorted(instance.pending_steps) == ["hr_paperwork", "it_setup", "manager_plan", "security_clearance"]
    await engine.complete_human_task(
        instance.id, "it_setup", "ivan", {"laptop": "thinkpad", "accounts_created": True}, groups=["it"]
    )
    await engine.complete_human_task(
        instance.id, "hr_paperwork", "hana", {"contract_signed": True, "payroll_ready": True}, groups=["hr"]
    )
    await engine.complete_human_task(
        instance.id, "manager_plan", "mike", {"buddy_id": "sam", "first_week_plan": "Meet the team"}
    )
    assert instance.pending_steps == ["security_clearance"]
    assert not instance.context.has_step_executed("activate_employee")
    await engine.complete_human_task(
        instance.id, "security_clearance", "sue", {"clearance_granted": True}, groups=["security"]
    )
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "active"


async def test_onboarding_skips_clearance_for_other_roles_and_reports_blockers() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("employee_onboarding", initial_data={**HIRE, "role": "designer"})
    assert sorted(instance.pending_steps) == ["hr_paperwork", "it_setup", "manager_plan"]
    await engine.complete_human_task(
        instance.id, "it_setup", "ivan", {"laptop": "none", "accounts_created": True}, groups=["it"]
    )
    await engine.complete_human_task(
        instance.id, "hr_paperwork", "hana", {"contract_signed": False, "payroll_ready": True}, groups=["hr"]
    )
    await engine.complete_human_task(instance.id, "manager_plan", "mike", {"buddy_id": "sam", "first_week_plan": "x"})
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "blocked"
    assert instance.context.get("blockers") == ["contract not signed"]


async def test_onboarding_rejects_a_bad_start_date() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("employee_onboarding", initial_data={**HIRE, "start_date": "soon"})
    assert instance.status == WorkflowStatus.FAILED
    assert instance.error is not None
    assert "start_date" in instance.error
