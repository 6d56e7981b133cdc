"""Machine steps as activities (retries, failures, parallel branches), Python code of human
steps, signals, cancellation, versions and listing — on a real Temporal dev server."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.exceptions import (
    SettleTimeoutError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
)
from litestar_workflows.temporal.contracts import SA_INSTANCE_STATUS, SA_WAITING_ON
from tests.conftest import StartWorker
from tests.temporal import defs
from tests.temporal.conftest import Harness
from tests.temporal.helpers import attribute, current_details, describe, eventually


async def test_flaky_step_is_retried_then_succeeds(harness: Harness) -> None:
    instance = await harness.engine.start_workflow("flaky_flow", {})
    assert instance.status == WorkflowStatus.COMPLETED, instance.error
    assert instance.context.get("flaky_attempts") == 3
    flaky = instance.context.get_last_execution("flaky")
    assert flaky is not None and (flaky.status, flaky.attempts) == (StepStatus.SUCCEEDED, 3)
    assert defs.ATTEMPTS[f"{instance.id}/flaky"] == 3


async def test_non_retryable_error_fails_the_instance_at_once(harness: Harness) -> None:
    instance = await harness.engine.start_workflow("doomed_flow", {})
    assert instance.status == WorkflowStatus.FAILED
    assert instance.failed_step == "doomed"
    assert instance.error == "Step 'doomed' failed: PermanentError: the ledger is closed"
    assert defs.ATTEMPTS[f"{instance.id}/doomed"] == 1
    assert [h.step_name for h in instance.context.step_history] == ["doomed"]
    description = await describe(harness.client, instance.id)
    assert description.status == WorkflowExecutionStatus.FAILED
    assert attribute(description, SA_INSTANCE_STATUS) == "failed"
    # A finished instance is still readable (the query replays the closed history).
    again = await harness.engine.get_instance(instance.id)
    assert again.status == WorkflowStatus.FAILED


async def test_exhausted_retries_fail_the_instance_naming_the_step(harness: Harness) -> None:
    instance = await harness.engine.start_workflow("exhausted_flow", {})
    assert instance.status == WorkflowStatus.FAILED
    assert instance.error == "Step 'always_fails' failed after 3 attempts: RuntimeError: still broken"
    assert defs.ATTEMPTS[f"{instance.id}/always_fails"] == 3


async def test_parallel_branches_run_concurrently_and_join(harness: Harness) -> None:
    instance = await harness.engine.start_workflow("parallel_flow", {"approver": "pat"})
    # Settled: the human branch waits; both machine branches have run, at the same time.
    assert instance.status == WorkflowStatus.WAITING
    assert instance.pending_steps == ["sign"]
    left, right = instance.context.get("left_window"), instance.context.get("right_window")
    assert max(left[0], right[0]) < min(left[1], right[1]), "branches did not overlap"
    assert not instance.context.get("join_done")
    await harness.engine.complete_human_task(instance.id, "sign", "pat", {"approved": True})
    assert instance.status == WorkflowStatus.COMPLETED
    joins = [h for h in instance.context.step_history if h.step_name == "join"]
    assert len(joins) == 1  # fired once, after all three branches


async def test_guard_and_callable_conditions_run_as_activities(harness: Harness) -> None:
    skipped = await harness.engine.start_workflow("callable_conditions", {"needs_review": False})
    assert skipped.status == WorkflowStatus.COMPLETED
    assert skipped.context.get("accept_done") is True
    review = skipped.context.get_last_execution("review")
    assert review is not None and review.status == StepStatus.SKIPPED

    reviewed = await harness.engine.start_workflow("callable_conditions", {"needs_review": True})
    assert reviewed.pending_steps == ["review"]
    await harness.engine.complete_human_task(reviewed.id, "review", "anyone-at-all", {"approved": False})
    assert reviewed.status == WorkflowStatus.COMPLETED
    assert reviewed.context.get("reject_done") is True
    assert reviewed.context.get("accept_done") is None


async def test_signal_completion_shares_validation(harness: Harness) -> None:
    # mallory started it (so she may read it) but is not the assignee.
    instance = await harness.engine.start_workflow("parallel_flow", {"approver": "pat"}, user_id="mallory")
    await harness.engine.signal_human_task(instance.id, "sign", "mallory", {"approved": True})
    await harness.engine.signal_human_task(instance.id, "sign", "pat", {"approved": "yes"})
    rejected = await eventually(lambda: harness.engine.get_instance(instance.id), lambda i: len(i.rejected) == 2)
    assert rejected.status == WorkflowStatus.WAITING
    assert [r.user_id for r in rejected.rejected] == ["mallory", "pat"]
    assert "only assignee 'pat' may complete it" in rejected.rejected[0].reason
    assert "/approved: 'yes' is not of type 'boolean'" in rejected.rejected[1].reason
    await harness.engine.signal_human_task(instance.id, "sign", "pat", {"approved": True})
    done = await eventually(
        lambda: harness.engine.get_instance(instance.id), lambda i: i.status == WorkflowStatus.COMPLETED
    )
    assert done.context.get_last_execution("sign").completed_by == "pat"  # type: ignore[union-attr]


async def test_cancel_ends_the_instance_as_canceled(harness: Harness) -> None:
    instance = await harness.engine.start_workflow("deadline_flow", {"approver": "pat"})
    assert instance.pending_steps == ["review"]
    canceled = await harness.engine.cancel_workflow(instance.id, "no longer needed")
    assert canceled is instance
    assert instance.status == WorkflowStatus.CANCELED
    assert instance.error == "canceled: no longer needed"
    review = instance.context.get_last_execution("review")
    assert review is not None and review.status == StepStatus.CANCELED
    description = await describe(harness.client, instance.id)
    assert description.status == WorkflowExecutionStatus.CANCELED
    assert attribute(description, SA_INSTANCE_STATUS) == "canceled"
    assert attribute(description, SA_WAITING_ON) is None
    with pytest.raises(WorkflowAlreadyCompletedError, match="already canceled"):
        await harness.engine.cancel_workflow(instance.id)
    with pytest.raises(WorkflowAlreadyCompletedError):
        await harness.engine.complete_human_task(instance.id, "review", "pat", {"approved": True})


async def test_completion_before_the_deadline_cancels_the_timer(harness: Harness) -> None:
    instance = await harness.engine.start_workflow("deadline_flow", {"approver": "pat"})
    [task] = instance.pending_tasks
    assert task.deadline_at is not None and task.on_deadline == "escalate"
    assert "deadline" in await current_details(harness.client, instance.id)
    await harness.engine.complete_human_task(instance.id, "review", "pat", {"approved": True})
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("escalate_done") is None
    history = await harness.client.get_workflow_handle(instance.id).fetch_history()
    kinds = {e.WhichOneof("attributes") for e in history.events}
    assert "timer_canceled_event_attributes" in kinds


async def test_running_instance_keeps_its_version_after_a_new_one_registers(harness: Harness) -> None:
    old = await harness.engine.start_workflow("versioned", {"approver": "pat"})
    assert old.workflow_version == "1.0.0"
    harness.registry.register_definition(defs.versioned_flow("2.0.0", extra_step=True))
    new = await harness.engine.start_workflow("versioned", {"approver": "pat"})
    assert new.workflow_version == "2.0.0"
    await harness.engine.complete_human_task(old.id, "decide", "pat", {"approved": True})
    await harness.engine.complete_human_task(new.id, "decide", "pat", {"approved": True})
    assert old.status == new.status == WorkflowStatus.COMPLETED
    assert old.context.get("stamped_by") == "1.0.0"
    assert old.context.get("audit_done") is None  # the old graph has no audit step
    assert new.context.get("stamped_by") == "2.0.0"
    assert new.context.get("audit_done") is True
    key = f"v-{uuid.uuid4().hex[:6]}"
    await harness.engine.start_workflow("versioned", {"approver": "pat"}, "1.0.0", business_key=key)
    with pytest.raises(WorkflowAlreadyExistsError, match="version '1.0.0', not '2.0.0'"):
        await harness.engine.start_workflow("versioned", {"approver": "pat"}, "2.0.0", business_key=key)


async def test_worker_without_the_version_makes_the_instance_wait_visibly(
    harness: Harness, start_temporal_worker: StartWorker
) -> None:
    """The engine knows 3.0.0, the worker does not: the instance waits, then runs on a worker that has it."""
    harness.registry.register_definition(defs.versioned_flow("3.0.0"))
    other = defs.build_registry()  # the shared worker's registry lacks 3.0.0
    assert not other.has_workflow("versioned", "3.0.0")
    engine = harness.engine
    engine.settle_timeout = timedelta(seconds=1)
    queue = f"tests-{uuid.uuid4().hex[:8]}"
    engine.task_queue = queue
    async with start_temporal_worker(other, queue):
        # The human step comes first; the stamp (code of 3.0.0) runs after the completion.
        instance = await engine.start_workflow("versioned", {"approver": "pat"}, "3.0.0")
        with pytest.raises(SettleTimeoutError):
            await engine.complete_human_task(instance.id, "decide", "pat", {"approved": True})
        details = await eventually(
            lambda: current_details(harness.client, instance.id), lambda d: "waiting for a worker" in d
        )
        assert "versioned 3.0.0" in details and "not registered on this worker" in details
        state = await engine.get_instance(instance.id)
        assert state.status == WorkflowStatus.RUNNING and state.running_steps == ["stamp"]
    # A worker that has 3.0.0 takes over the queue: the instance goes on, with 3.0.0's code.
    async with start_temporal_worker(harness.registry, queue):
        done = await eventually(lambda: engine.get_instance(instance.id), lambda i: i.status.is_finished, within=40)
    assert done.status == WorkflowStatus.COMPLETED, done.error
    assert done.context.get("stamped_by") == "3.0.0"


async def test_listing_instances_and_pending_tasks(
    harness: Harness,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    name, group = f"triage_{suffix}", f"team-{suffix}"
    harness.registry.register_definition(defs.group_flow(name, group))
    engine = harness.engine
    first = await engine.start_workflow(name, {"n": 1})
    second = await engine.start_workflow(name, {"n": 2})
    personal = await engine.start_workflow("parallel_flow", {"approver": f"user-{suffix}"})

    page = await eventually(lambda: engine.list_pending_tasks(group=group), lambda p: len(p.items) == 2, within=20)
    assert {t.instance_id for t in page.items} == {first.id, second.id}
    assert all(t.step_name == "triage" and t.candidate_groups == (group,) for t in page.items)
    assert page.items[0].since <= page.items[1].since
    mine = await eventually(
        lambda: engine.list_pending_tasks(user=f"user-{suffix}"),
        lambda p: personal.id in {t.instance_id for t in p.items},
    )
    assert all(t.assignee == f"user-{suffix}" or t.is_unassigned for t in mine.items)
    assert not any(t.instance_id in (first.id, second.id) for t in mine.items)

    one = await engine.list_pending_tasks(group=group, limit=1)
    assert len(one.items) == 1 and one.next_cursor is not None
    rest = await engine.list_pending_tasks(group=group, limit=1, cursor=one.next_cursor)
    assert {t.instance_id for t in one.items + rest.items} == {first.id, second.id}
    with pytest.raises(ValueError, match="cursor"):
        await engine.list_pending_tasks(group=group, cursor="not base64 !!")

    await engine.complete_human_task(first.id, "triage", "x", {"approved": True}, groups=[group])
    waiting = await eventually(
        lambda: engine.list_instances(workflow_name=name, status=WorkflowStatus.WAITING),
        lambda p: [i.id for i in p.items] == [second.id],
    )
    assert waiting.items[0].status == WorkflowStatus.WAITING
    completed = await eventually(
        lambda: engine.list_instances(workflow_name=name, status=WorkflowStatus.COMPLETED),
        lambda p: [i.id for i in p.items] == [first.id],
    )
    # A row from visibility: a new summary object (a cached full view is never overwritten by one).
    assert completed.items[0] is not first and completed.items[0].completed_at is not None
    assert completed.items[0].context.data == {} and first.context.data != {}
    every = await eventually(lambda: engine.list_instances(workflow_name=name), lambda p: len(p.items) == 2)
    assert [i.id for i in every.items] == [second.id, first.id]  # newest first


async def test_start_without_a_worker_times_out_but_is_not_lost(
    harness: Harness, start_temporal_worker: StartWorker
) -> None:
    queue = f"tests-nobody-{uuid.uuid4().hex[:8]}"
    engine = harness.engine
    engine.task_queue, engine.settle_timeout = queue, timedelta(seconds=1)
    key = uuid.uuid4().hex[:8]
    with pytest.raises(SettleTimeoutError):
        await engine.start_workflow("parallel_flow", {"approver": "pat"}, business_key=key)
    engine.settle_timeout = timedelta(seconds=20)
    async with start_temporal_worker(harness.registry, queue):
        instance = await engine.start_workflow("parallel_flow", {"approver": "pat"}, business_key=key)
    assert instance.id == f"parallel_flow/{key}"
    assert instance.status == WorkflowStatus.WAITING
