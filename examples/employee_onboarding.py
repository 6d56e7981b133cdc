"""Employee onboarding: parallel approvals by different teams, a conditional branch, and a join.

The graph::

                      .-> it_setup ------------------------------.
    create_profile --+--> hr_paperwork --------------------------+--> activate_employee
                      |-> manager_plan --------------------------|
                      '-> security_clearance (only when needed) -'

After ``create_profile`` every outgoing edge whose condition holds is taken, so IT, HR
and the hiring manager work in parallel (the instance waits at several human steps at
once). ``security_clearance`` only starts for roles that need it. ``activate_employee``
is a join: it runs once, after every branch that was started has arrived; a branch whose
condition was false does not count.
"""

from __future__ import annotations

from datetime import date
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
    "CLEARANCE_ROLES",
    "ActivateEmployee",
    "CreateProfile",
    "HrPaperwork",
    "ItSetup",
    "ManagerPlan",
    "SecurityClearance",
    "employee_onboarding_workflow",
    "registry",
]

CLEARANCE_ROLES = frozenset({"security-engineer", "sre", "finance"})
"""Roles that need a security clearance before their accounts are activated."""


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


class CreateProfile(BaseMachineStep):
    """Validate the new hire and decide which approvals are needed."""

    name = "create_profile"
    description = "Validate the new hire's data and open the parallel approvals"
    # Bad input will not get better by retrying: fail the instance at once.
    retry_policy = RetryPolicy(non_retryable_errors=("ValueError",))

    async def execute(self, context: WorkflowContext) -> None:
        """Require a name, a role, a manager and an ISO start date."""
        for key in ("employee_name", "role", "manager_id", "start_date"):
            value = context.get(key)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{key!r} is required and must be a non-empty string")
        try:
            date.fromisoformat(str(context.get("start_date")))
        except ValueError as exc:
            raise ValueError(f"'start_date' must be an ISO date (YYYY-MM-DD): {exc}") from exc
        context.set("needs_security_clearance", context.get("role") in CLEARANCE_ROLES)


class ItSetup(BaseHumanStep):
    """IT prepares the laptop and the accounts."""

    name = "it_setup"
    title = "Prepare laptop and accounts"
    description = "IT provisions the equipment and creates the accounts"
    candidate_groups = ("it",)
    form_schema = _form(
        {
            "laptop": {"type": "string", "enum": ["macbook-pro", "thinkpad", "none"], "title": "Laptop"},
            "accounts_created": {"type": "boolean", "title": "Accounts created?"},
        },
        ["laptop", "accounts_created"],
    )


class HrPaperwork(BaseHumanStep):
    """HR collects the signed contract and sets up payroll."""

    name = "hr_paperwork"
    title = "Contract and payroll"
    description = "HR checks the signed contract and sets up payroll"
    candidate_groups = ("hr",)
    form_schema = _form(
        {
            "contract_signed": {"type": "boolean", "title": "Contract signed?"},
            "payroll_ready": {"type": "boolean", "title": "Payroll set up?"},
        },
        ["contract_signed", "payroll_ready"],
    )


class ManagerPlan(BaseHumanStep):
    """The hiring manager plans the first week."""

    name = "manager_plan"
    title = "Plan the first week"
    description = "The hiring manager names a buddy and plans the first week"
    assignee_key = "manager_id"
    # Four-eyes: whoever starts the onboarding cannot name themselves the manager and sign it off.
    assignee_not_starter = True
    exclude_starter = True
    form_schema = _form(
        {
            "buddy_id": {"type": "string", "title": "Onboarding buddy", "minLength": 1},
            "first_week_plan": {"type": "string", "title": "First week", "minLength": 1, "maxLength": 4000},
        },
        ["buddy_id", "first_week_plan"],
    )


class SecurityClearance(BaseHumanStep):
    """Security clears roles with privileged access."""

    name = "security_clearance"
    title = "Security clearance"
    description = "Roles with privileged access need a clearance"
    candidate_groups = ("security",)
    exclude_starter = True  # four-eyes: nobody clears the privileged access they asked for
    form_schema = _form(
        {"clearance_granted": {"type": "boolean", "title": "Clearance granted?"}}, ["clearance_granted"]
    )


class ActivateEmployee(BaseMachineStep):
    """Join of every approval: activate the employee or record what blocks them."""

    name = "activate_employee"
    description = "Activate the accounts once every approval is in"

    async def execute(self, context: WorkflowContext) -> None:
        """Set ``status`` to active, or to blocked with the reasons."""
        blockers = []
        if not context.get("accounts_created"):
            blockers.append("accounts not created")
        if not context.get("contract_signed"):
            blockers.append("contract not signed")
        if not context.get("payroll_ready"):
            blockers.append("payroll not ready")
        if context.get("needs_security_clearance") and not context.get("clearance_granted"):
            blockers.append("security clearance refused")
        context.set("status", "blocked" if blockers else "active")
        context.set("blockers", blockers)


employee_onboarding_workflow = WorkflowDefinition(
    name="employee_onboarding",
    version="1.0.0",
    description="Onboard a new hire: IT, HR, the manager (and security when needed) in parallel, then activate",
    steps={
        "create_profile": CreateProfile(),
        "it_setup": ItSetup(),
        "hr_paperwork": HrPaperwork(),
        "manager_plan": ManagerPlan(),
        "security_clearance": SecurityClearance(),
        "activate_employee": ActivateEmployee(),
    },
    edges=[
        Edge("create_profile", "it_setup"),
        Edge("create_profile", "hr_paperwork"),
        Edge("create_profile", "manager_plan"),
        Edge("create_profile", "security_clearance", condition="needs_security_clearance"),
        Edge("it_setup", "activate_employee"),
        Edge("hr_paperwork", "activate_employee"),
        Edge("manager_plan", "activate_employee"),
        Edge("security_clearance", "activate_employee"),
    ],
    initial_step="create_profile",
    terminal_steps={"activate_employee"},
)

registry = WorkflowRegistry()
registry.register_definition(employee_onboarding_workflow)
