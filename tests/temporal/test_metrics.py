"""Domain metrics of a deadline: a human task that times out and escalates is counted, on the
worker's Prometheus endpoint (the time-skipping dev server lets its one-hour deadline pass at once)."""

from __future__ import annotations

import socket
import urllib.request

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.contracts import DATA_CONVERTER
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from litestar_workflows.temporal.telemetry import worker_runtime
from tests.conftest import StartWorker
from tests.temporal import defs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_timed_out_and_escalated_tasks_are_counted(
    time_skipping_env: WorkflowEnvironment, start_temporal_worker: StartWorker
) -> None:
    port = free_port()
    runtime = worker_runtime(Settings(worker_metrics_bind=f"127.0.0.1:{port}"))  # type: ignore[call-arg]
    starter = time_skipping_env.client
    worker_client = await Client.connect(
        str(starter.service_client.config.target_host),
        namespace=starter.namespace,
        runtime=runtime,
        data_converter=DATA_CONVERTER,
    )
    registry = defs.build_registry()
    async with start_temporal_worker(registry, client=worker_client) as queue:
        engine = TemporalExecutionEngine(registry, starter, queue, settle_timeout=20)
        instance = await engine.start_workflow("deadline_flow", {"approver": "pat"})
        await starter.get_workflow_handle(instance.id).result()
        assert (await engine.get_instance(instance.id)).status == WorkflowStatus.COMPLETED
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:  # noqa: ASYNC210
            text = response.read().decode()
    lines = text.splitlines()

    def value(name: str, *labels: str) -> float:
        found = [ln for ln in lines if ln.startswith(name + "{") and all(lb in ln for lb in labels)]
        assert found, f"{name} {labels} missing"
        return sum(float(ln.rsplit(" ", 1)[1]) for ln in found)

    flow = 'definition="deadline_flow"'
    assert value("workflows_instances_started", flow) == 1
    assert value("workflows_tasks_opened", flow, 'step="review"') == 1
    assert value("workflows_tasks_timed_out", flow, 'step="review"') == 1
    assert value("workflows_tasks_escalated", flow, 'step="review"', 'to_step="escalate"') == 1
    assert value("workflows_instances_completed", flow) == 1
    assert not any(ln.startswith("workflows_tasks_completed{") and flow in ln for ln in lines)
