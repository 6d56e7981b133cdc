"""The published API on Temporal: a 0.3.3-style class-based workflow, started by its class."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import Client

from litestar_workflows import WorkflowRegistry, WorkflowStatus
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.compat.flows import ApprovalWorkflow, FailingWorkflow
from tests.conftest import StartWorker


async def test_class_based_workflow_on_temporal(temporal_client: Client, start_temporal_worker: StartWorker) -> None:
    registry = WorkflowRegistry()
    registry.register(ApprovalWorkflow)
    registry.register(FailingWorkflow)
    async with start_temporal_worker(registry) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=30)
        key = uuid.uuid4().hex[:8]
        waiting = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5000}, business_key=key)
        assert waiting.status == WorkflowStatus.WAITING and waiting.pending_steps == ["approve"]
        assert waiting.id == f"compat_approval/{key}" and waiting.workflow_id == "compat_approval"
        with pytest.raises(ValueError, match="ceo"):  # an unknown step is a ValueError here too
            await engine.complete_human_task(waiting.id, "ceo", "bob", {"approved": True})
        done = await engine.complete_human_task(waiting.id, "approve", "bob", {"approved": True})
        assert done.status == WorkflowStatus.COMPLETED and done.context.get("finished") is True
        failed = await engine.start_workflow(FailingWorkflow)
        assert failed.status == WorkflowStatus.FAILED and failed.failed_step == "explode"
