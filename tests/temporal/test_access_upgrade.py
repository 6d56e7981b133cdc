"""Tightening a definition's access options (four-eyes) in a release does not strand instances that
started before: they keep their snapshot's rules and still find a worker (GraphSpec.fingerprint)."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.worker import Worker

from examples.expense_approval import ManagerApproval, expense_workflow
from litestar_workflows import WorkflowRegistry
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import TEMPORAL_TASK_QUEUE


async def test_instance_started_before_four_eyes_completes_on_a_new_worker(
    temporal_client: Client, temporal_worker: Worker
) -> None:
    # The release before: the same definition and version, without the four-eyes options.
    lenient = ManagerApproval()
    lenient.exclude_starter = False
    before = WorkflowRegistry()
    before.register_definition(
        dataclasses.replace(expense_workflow, steps={**expense_workflow.steps, "manager_approval": lenient})
    )
    old_gateway = TemporalExecutionEngine(before, temporal_client, TEMPORAL_TASK_QUEUE, settle_timeout=30)
    instance = await old_gateway.start_workflow("expense_approval", {"amount": 10}, user_id="bob")
    # Its own snapshot has no four-eyes: bob may approve his own expense, as when it started; the
    # machine step after it runs on the shared worker, which registers the tightened definition.
    done = await old_gateway.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert done.status == WorkflowStatus.COMPLETED, done.error
    assert done.context.get("status") == "approved"
