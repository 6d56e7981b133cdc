"""Fault injection with real processes: nothing lost, nothing applied twice.

Each test drives a Temporal dev server (SQLite), worker processes and, where HTTP is part
of the fault, a gateway process; it kills one of them and asserts the exact final state
of every instance. The figures (instances, kills, duplicates attempted, decisions applied,
lost) are printed and summarised at the end of the run.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from urllib.parse import quote

import httpx
from temporalio.client import Client, WorkflowExecutionStatus

from litestar_workflows import StepStatus, WorkflowInstance, WorkflowStatus
from litestar_workflows.temporal.contracts import UPDATE_COMPLETE_HUMAN_TASK
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.faults.flows import registry
from tests.faults.harness import Cluster, token

MANAGERS = ("managers",)


def engine(client: Client, cluster: Cluster) -> TemporalExecutionEngine:
    return TemporalExecutionEngine(registry, client, cluster.task_queue, settle_timeout=120)


async def decisions_applied(client: Client, instance_id: str) -> int:
    """Accepted completion updates in the Temporal history of ``instance_id``."""
    applied = 0
    async for event in client.get_workflow_handle(instance_id).fetch_history_events():
        accepted = event.workflow_execution_update_accepted_event_attributes
        if event.HasField("workflow_execution_update_accepted_event_attributes") and (
            accepted.accepted_request.input.name == UPDATE_COMPLETE_HUMAN_TASK
        ):
            applied += 1
    return applied


def completions(instance: WorkflowInstance, step: str = "approve") -> list[Any]:
    return [h for h in instance.context.step_history if h.step_name == step and h.status == StepStatus.SUCCEEDED]


async def test_worker_sigkill_with_200_instances_mid_flight(cluster: Cluster, record_figures: Any) -> None:
    n = 200
    first = cluster.start_worker()
    client = await cluster.client()
    eng = engine(client, cluster)
    ledger = str(cluster.ledger)

    # Phase 1: every instance's first machine step is running when the worker dies.
    starts = [
        asyncio.create_task(
            eng.start_workflow(
                "fault_approval", {"delay": 1.5, "record_delay": 1.0, "ledger": ledger}, business_key=f"k{i}"
            )
        )
        for i in range(n)
    ]
    await asyncio.sleep(2.5)
    first.kill()
    cluster.start_worker()
    started = await asyncio.gather(*starts)
    assert all(i.status == WorkflowStatus.WAITING and i.pending_steps == ["approve"] for i in started)

    # Phase 2: every decision is sent; the worker dies while the record steps run; half of
    # the decisions are sent a second time (same idempotency key) after the restart.
    sends = [
        asyncio.create_task(
            eng.complete_human_task(
                i.id, "approve", "bob", {"approved": k % 2 == 0}, groups=MANAGERS, idempotency_key=f"d-{i.id}"
            )
        )
        for k, i in enumerate(started)
    ]
    await asyncio.sleep(1.0)
    cluster.workers[-1].kill()
    cluster.start_worker()
    done = await asyncio.gather(*sends)
    retries = await asyncio.gather(
        *(
            eng.complete_human_task(
                i.id, "approve", "bob", {"approved": k % 2 == 0}, groups=MANAGERS, idempotency_key=f"d-{i.id}"
            )
            for k, i in enumerate(started)
            if k % 2 == 0
        )
    )

    final = [await eng.get_instance(i.id) for i in started]
    assert all(i.status == WorkflowStatus.COMPLETED for i in done + retries + final)
    statuses = Counter(i.context.get("status") for i in final)
    assert statuses == {"approved": n // 2, "rejected": n // 2}
    assert all(len(completions(i)) == 1 for i in final)
    applied = [await decisions_applied(client, i.id) for i in final]
    assert applied == [1] * n
    # Activities are at-least-once: a step killed after its side effect re-runs it. Count them.
    side_effects = sum(len((cluster.ledger / i.id.replace("/", "_")).read_text().splitlines()) for i in final)
    assert side_effects >= n
    record_figures(
        instances=n,
        worker_kills=2,
        duplicates_attempted=len(retries),
        decisions_applied=sum(applied),
        lost=n - sum(1 for i in final if i.status == WorkflowStatus.COMPLETED),
        record_side_effects=side_effects,
    )


async def test_dev_server_killed_and_restarted_mid_run(cluster: Cluster, record_figures: Any) -> None:
    n = 40
    cluster.start_worker()
    client = await cluster.client()
    eng = engine(client, cluster)
    ledger = str(cluster.ledger)
    started = await asyncio.gather(
        *(eng.start_workflow("fault_approval", {"record_delay": 2.0, "ledger": ledger}) for _ in range(n))
    )
    sends = [
        asyncio.create_task(eng.complete_human_task(i.id, "approve", "bob", {"approved": True}, groups=MANAGERS))
        for i in started[: n // 2]
    ]
    await asyncio.sleep(1.0)
    cluster.server.kill()  # SIGKILL: no clean shutdown of the SQLite database
    for task in sends:
        task.cancel()
    await asyncio.gather(*sends, return_exceptions=True)
    await cluster.start_server()
    client = await cluster.client()
    eng = engine(client, cluster)

    async def finish(instance: WorkflowInstance) -> WorkflowInstance:
        current = await eng.get_instance(instance.id)
        for _ in range(100):
            if current.status != WorkflowStatus.RUNNING:
                break
            await asyncio.sleep(0.2)
            current = await eng.get_instance(instance.id)
        if current.status == WorkflowStatus.WAITING:
            current = await eng.complete_human_task(current.id, "approve", "bob", {"approved": True}, groups=MANAGERS)
        return current

    final = await asyncio.gather(*(finish(i) for i in started))
    assert [i.status for i in final] == [WorkflowStatus.COMPLETED] * n
    assert all(len(completions(i)) == 1 for i in final)
    record_figures(instances=n, server_kills=1, decisions_in_flight_at_kill=n // 2, lost=0)


async def test_gateway_killed_before_answering_then_retried(cluster: Cluster, record_figures: Any) -> None:
    cluster.start_worker()
    gateway = await cluster.start_gateway()
    client = await cluster.client()
    alice = {"Authorization": f"Bearer {token('alice')}"}
    bob = {"Authorization": f"Bearer {token('bob', 'managers')}", "Idempotency-Key": "decision-1"}
    async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
        created = await http.post(
            "/instances",
            json={
                "workflow_name": "fault_approval",
                "initial_data": {"record_delay": 3.0, "ledger": str(cluster.ledger)},
            },
            headers=alice,
        )
        assert created.status_code == 201, created.text
        iid = created.json()["id"]
        url = f"/tasks/{quote(iid, safe='')}/approve/complete"
        # The record step takes 3 s, so the gateway is waiting for the settle point when it dies.
        pending = asyncio.create_task(http.post(url, json={"data": {"approved": True}}, headers=bob))
        await asyncio.sleep(1.0)
        gateway.kill()
        try:
            await pending
            raise AssertionError("the request should have lost its connection")
        except httpx.TransportError:
            pass
        await cluster.start_gateway()
        retried = await http.post(url, json={"data": {"approved": True}}, headers=bob)
        assert retried.status_code == 200, retried.text
        body = retried.json()
        assert body["status"] == "completed" and body["data"]["status"] == "approved"
        again = await http.post(url, json={"data": {"approved": False}}, headers={**bob, "Idempotency-Key": "other"})
        assert again.status_code == 409
    applied = await decisions_applied(client, iid)
    assert applied == 1
    record_figures(instances=1, gateway_kills=1, duplicates_attempted=2, decisions_applied=applied, lost=0)


async def test_transient_and_permanent_step_failures(cluster: Cluster, record_figures: Any) -> None:
    cluster.start_worker()
    await cluster.start_gateway()
    client = await cluster.client()
    alice = {"Authorization": f"Bearer {token('alice')}"}
    async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
        flaky = await http.post(
            "/instances",
            json={"workflow_name": "fault_flaky", "initial_data": {"fail_first": 3, "ledger": str(cluster.ledger)}},
            headers=alice,
        )
        assert flaky.status_code == 201, flaky.text
        assert flaky.json()["status"] == "completed" and flaky.json()["data"]["attempts"] == 4

        broken = await http.post(
            "/instances", json={"workflow_name": "fault_broken", "initial_data": {}}, headers=alice
        )
        assert broken.status_code == 201, broken.text
        iid = broken.json()["id"]
        shown = (await http.get(f"/instances/{quote(iid, safe='')}", headers=alice)).json()
    assert shown["status"] == "failed"
    assert shown["failed_step"] == "broken"
    assert "account 42 is frozen" in shown["error"] and "'broken'" in shown["error"]
    # What the Web UI shows: the execution failed, with the step and the error in its failure.
    description = await client.get_workflow_handle(iid).describe()
    assert description.status == WorkflowExecutionStatus.FAILED
    failure = ""
    async for event in client.get_workflow_handle(iid).fetch_history_events():
        if event.HasField("workflow_execution_failed_event_attributes"):
            failure = event.workflow_execution_failed_event_attributes.failure.message
    assert "broken" in failure and "account 42 is frozen" in failure
    record_figures(transient_failures_retried=3, permanent_failures=1, attempts_of_permanent=1)


async def test_fifty_concurrent_completions_apply_once(cluster: Cluster, record_figures: Any) -> None:
    cluster.start_worker()
    await cluster.start_gateway()
    client = await cluster.client()
    alice = {"Authorization": f"Bearer {token('alice')}"}
    async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
        created = await http.post(
            "/instances",
            json={"workflow_name": "fault_approval", "initial_data": {"ledger": str(cluster.ledger)}},
            headers=alice,
        )
        iid = created.json()["id"]
        url = f"/tasks/{quote(iid, safe='')}/approve/complete"
        responses = await asyncio.gather(
            *(
                http.post(
                    url,
                    json={"data": {"approved": True, "note": f"manager {k}"}},
                    headers={"Authorization": f"Bearer {token(f'manager{k}', 'managers')}"},
                )
                for k in range(50)
            )
        )
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: 49}, codes
    assert all(
        r.headers["content-type"].startswith("application/problem+json") for r in responses if r.status_code == 409
    )
    applied = await decisions_applied(client, iid)
    assert applied == 1
    record_figures(concurrent_completions=50, accepted=codes[200], rejected_409=codes[409], decisions_applied=applied)
