"""Example workflow definitions, and ``registry`` holding all of them.

``examples:registry`` is what ``make run`` (``litestar-workflows dev``) and the
docker-compose deployment load (``WORKFLOWS_DEFINITIONS=examples:registry``):

* ``expense_approval`` (:mod:`examples.expense_approval`) — the quickstart's flow, with a
  condition routing large amounts to a VP;
* ``document_review`` (:mod:`examples.document_review`) — conditions, a revision loop and
  a human deadline that escalates to a group;
* ``employee_onboarding`` (:mod:`examples.employee_onboarding`) — parallel approvals by
  several teams, a conditional branch, and a join;
* ``purchase_order`` (:mod:`examples.purchase_order`) — two of three finance approvers, a daily
  reminder, escalation to the finance leads after three days, auto-reject after five.
"""

from __future__ import annotations

from examples.document_review import document_review_workflow
from examples.employee_onboarding import employee_onboarding_workflow
from examples.expense_approval import expense_workflow
from examples.purchase_order import purchase_order_workflow
from litestar_workflows import WorkflowRegistry

__all__ = ["build_registry", "registry"]


def build_registry() -> WorkflowRegistry:
    """A new registry with every example definition."""
    combined = WorkflowRegistry()
    for definition in (
        expense_workflow,
        document_review_workflow,
        employee_onboarding_workflow,
        purchase_order_workflow,
    ):
        combined.register_definition(definition)
    return combined


registry = build_registry()
