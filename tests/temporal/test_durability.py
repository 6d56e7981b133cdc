"""Durability: deadlines as durable timers (time skipping), continue-as-new carrying the state,
and a worker process killed mid-run."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import StepStatus, WorkflowStatus
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import StartWorker, start_dev_server
from tests.temporal import defs

ROOT = Path(__file__).resolve().parents[2]


async def test_deadline_fires_and_takes_the_configured_edge(
    time_skipping_env: WorkflowEnvironment, start_temporal_worker: StartWorker
) -> None:
    client = time_skipping_env.client
    registry = defs.build_registry()
    async with start_temporal_worker(registry, client=client) as queue:
        engine = TemporalExecutionEngine(registry, client, queue, settle_timeout=20)
        instance = await engine.start_workflow("deadline_flow", {"approver": "pat"})
        assert instance.pending_steps == ["review"]
        # Nobody acts for an hour (skipped): the workflow ends on its own.
        await client.get_workflow_handle(instance.id).result()
        await engine.get_instance(instance.id)
    assert instance.status == WorkflowStatus.COMPLETED
    review = instance.context.get_last_execution("review")
    assert review is not None
    assert review.status == StepStatus.TIMED_OUT
    assert review.error == "deadline of 3600s passed; continuing with 'escalate'"
    assert instance.context.get("escalate_done") is True
    assert [h.step_name for h in instance.context.step_history] == ["review", "escalate", "done"]
    history = await client.get_workflow_handle(instance.id).fetch_history()
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    assert len(timers) == 1
    summary = client.data_converter.payload_converter.from_payload(timers[0].user_metadata.summary, str)
    assert summary == "deadline of review: after 3600s continue with escalate"


@pytest.fixture(scope="module")
async def eager_continue_as_new_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server that suggests continue-as-new after 40 history events."""
    env = await start_dev_server("--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=40")
    try:
        yield env
    finally:
        await env.shutdown()


async def test_loop_continues_as_new_carrying_the_state(
    eager_continue_as_new_env: WorkflowEnvironment, start_temporal_worker: StartWorker
) -> None:
    client = eager_continue_as_new_env.client
    registry = defs.build_registry()
    rounds = 8
    async with start_temporal_worker(registry, client=client) as queue:
        engine = TemporalExecutionEngine(registry, client, queue, settle_timeout=20)
        instance = await engine.start_workflow("loop_flow", {"approver": "pat", "rounds": rounds})
        handle = client.get_workflow_handle(instance.id)
        first_run = (await handle.describe()).run_id
        rearmed = False
        for i in range(rounds):
            [task] = instance.pending_tasks
            assert task.deadline_at == instance.context.get_last_execution("tick").started_at + timedelta(hours=1)  # type: ignore[union-attr]
            await engine.complete_human_task(instance.id, "tick", "pat", {"approved": True, "note": f"round {i}"})
            if (
                not rearmed
                and instance.status == WorkflowStatus.WAITING
                and (await handle.describe()).run_id != first_run
            ):
                # A later run re-arms the waiting step's deadline timer from the carried state.
                events = (await handle.fetch_history()).events
                rearmed = any(e.HasField("timer_started_event_attributes") for e in events)
        assert rearmed
        assert instance.status == WorkflowStatus.COMPLETED
        description = await client.get_workflow_handle(instance.id).describe()
        history = await client.get_workflow_handle(instance.id).fetch_history()
    assert instance.context.get("count") == rounds
    ticks = [h for h in instance.context.step_history if h.step_name == "tick"]
    assert [t.data for t in ticks] == [{"approved": True, "note": f"round {i}"} for i in range(rounds)]
    assert description.raw_description.workflow_execution_info.first_run_id != description.run_id
    assert len(history.events) < 60  # the last run only: bounded, not 8 rounds' worth


def _read(log: Path) -> str:
    return log.read_text() if log.exists() else ""


def _count(log: Path, line: str) -> int:
    return _read(log).count(line)


async def _start_worker_process(address: str, task_queue: str, log: Path) -> asyncio.subprocess.Process:
    """``python worker.py`` on ``task_queue``, once it polls (its log goes to ``log``: a pipe nobody
    drains would block the worker)."""
    ready = f"worker polling task queue {task_queue!r}"
    seen = _count(log, ready)
    with log.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(ROOT / "worker.py"),
            "--address",
            address,
            "--task-queue",
            task_queue,
            "--definitions",
            "tests.temporal.defs:registry",
            "--graceful-shutdown-timeout",
            "1",
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stderr=sink,
            stdout=sink,
        )
    async with asyncio.timeout(30):
        while _count(log, ready) == seen:
            if process.returncode is not None:
                raise AssertionError(f"worker exited with {process.returncode}:\n{_read(log)}")
            await asyncio.sleep(0.1)
    return process


async def test_worker_process_killed_mid_run_then_restarted(
    temporal_client: Client, temporal_address: str, tmp_path: Path
) -> None:
    queue = f"tests-kill-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    engine = TemporalExecutionEngine(defs.build_registry(), temporal_client, queue, settle_timeout=60)
    first = await _start_worker_process(temporal_address, queue, log)
    try:
        starts = [asyncio.create_task(engine.start_workflow("slow_flow", {"approver": "pat"})) for _ in range(10)]
        await asyncio.sleep(0.6)  # every instance is inside its one-second machine step
        assert not any(t.done() for t in starts)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        second = await _start_worker_process(temporal_address, queue, log)
        try:
            instances: list[WorkflowInstance] = await asyncio.gather(*starts)
            assert all(i.status == WorkflowStatus.WAITING for i in instances), [i.error for i in instances]
            # Kill it again with completions in flight; a third worker finishes the job.
            completions = [
                asyncio.create_task(engine.complete_human_task(i.id, "decide", "pat", {"approved": True}))
                for i in instances
            ]
            await asyncio.sleep(0.2)
        finally:
            second.send_signal(signal.SIGKILL)
            await second.wait()
        third = await _start_worker_process(temporal_address, queue, log)
        try:
            await asyncio.gather(*completions)
        finally:
            third.send_signal(signal.SIGTERM)
            assert await third.wait() == 0  # clean shutdown on SIGTERM
    finally:
        if first.returncode is None:
            first.kill()
    for instance in instances:
        assert instance.status == WorkflowStatus.COMPLETED, instance.error
        assert instance.context.get("slow_runs") == 1  # the killed attempt's changes were never applied
        decisions = [h for h in instance.context.step_history if h.step_name == "decide"]
        assert len(decisions) == 1 and decisions[0].completed_by == "pat"
        assert instance.context.get("finish_done") is True
