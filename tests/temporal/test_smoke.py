"""Smoke."""

from __future__ import annotations

from litestar_workflows.engine.temporal import TemporalExecutionEngine
from litestar_workflows.types import WorkflowStatus


async def test_expense_flow(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow(
        "expense_approval", {"amount": 250.0, "requester_id": "alice"}, user_id="alice"
    )
    assert instance.status == WorkflowStatus.WAITING, instance
    assert instance.current_step == "manager_approval"
    done = await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert done is instance
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "approved"
