"""Production operations end to end on the real dev server: one expense flow through a gateway
served by uvicorn with encryption, metrics and tracing on, and a worker with encryption, tracing
and the SDK's Prometheus endpoint (as ``python worker.py`` builds them).

Checked on that one flow: the history read with the plain ``temporal`` CLI holds no plaintext of
the submitted form, the codec server gives it back to an operator only; the gateway's and the
worker's metrics carry the documented names and labels; one trace leads from
``POST /tasks/.../complete`` down to the activity of the next machine step.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.contrib.opentelemetry import ReplaySafeTracerProvider, create_tracer_provider

from api.app import create_app
from examples import build_registry
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.client import connect
from litestar_workflows.temporal.codec import generate_key
from litestar_workflows.temporal.metrics import DOMAIN_METRICS
from litestar_workflows.temporal.telemetry import worker_runtime
from tests.api.conftest import LiveServer, auth_headers, temporal_settings
from tests.conftest import temporal_cli_path
from worker import build_worker

KEYS = f"{generate_key('ops-2')},{generate_key('ops-1')}"
SECRET_DESCRIPTION = "Hotel for the SECRET-conference-7781"
SECRET_COMMENT = "approved, SECRET-comment-5523"
UI = "http://127.0.0.1:8233"


@dataclass
class Flow:
    gateway: str
    temporal_address: str
    worker_metrics: str
    instance_id: str
    history: str
    spans: list[ReadableSpan]
    complete_trace_id: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def span_exporter() -> InMemorySpanExporter:
    """The process's (replay-safe) tracer provider, with an in-memory exporter added."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, ReplaySafeTracerProvider):
        provider = create_tracer_provider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture(scope="module")
async def flow(temporal_address: str) -> AsyncIterator[Flow]:
    exporter = span_exporter()
    queue = f"tests-ops-{uuid.uuid4().hex[:8]}"
    common: dict[str, Any] = {"codec_keys": KEYS, "tracing": True}
    metrics_port = free_port()
    worker_settings = Settings(
        temporal_address=temporal_address, worker_metrics_bind=f"127.0.0.1:{metrics_port}", **common
    )
    client = await connect(worker_settings, runtime=worker_runtime(worker_settings))
    gateway_settings = temporal_settings(
        temporal_address,
        queue,
        metrics=True,
        metrics_refresh_interval=1,
        metrics_overdue_after=0.001,
        codec_cors_origins=[UI],
        **common,
    )
    async with build_worker(client, build_registry(), queue, graceful_shutdown_timeout=timedelta(seconds=1)):
        with LiveServer(create_app(gateway_settings)) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                key = f"ops-{uuid.uuid4().hex[:8]}"
                started = await http.post(
                    "/instances",
                    json={
                        "workflow_name": "expense_approval",
                        "business_key": key,
                        "initial_data": {"requester_id": "alice", "amount": 120.0, "description": SECRET_DESCRIPTION},
                    },
                    headers=auth_headers("alice"),
                )
                assert started.status_code == 201, started.text
                instance_id = started.json()["id"]
                # The gauges are refreshed from visibility every second.
                for _ in range(100):
                    text = (await http.get("/metrics")).text
                    if 'workflows_tasks_waiting{definition="expense_approval",step="manager_approval"} ' in text and (
                        'workflows_tasks_overdue{definition="expense_approval",step="manager_approval"} 0.0' not in text
                    ):
                        break
                    await asyncio.sleep(0.2)
                exporter.clear()
                completed = await http.post(
                    f"/tasks/{quote(instance_id, safe='')}/manager_approval/complete",
                    json={"data": {"approved": True, "comments": SECRET_COMMENT}},
                    headers=auth_headers("bob"),
                )
                assert completed.status_code == 200, completed.text
                assert completed.json()["status"] == "completed"
                cli = await asyncio.create_subprocess_exec(
                    temporal_cli_path(),
                    *("workflow", "show", "--output", "json", "--address", temporal_address),
                    *("--namespace", "default", "--workflow-id", instance_id),
                    stdout=asyncio.subprocess.PIPE,
                )
                out, _ = await asyncio.wait_for(cli.communicate(), 30)
                assert cli.returncode == 0
                shown = out.decode()
                server_spans = [
                    s
                    for s in exporter.get_finished_spans()
                    if s.kind == trace.SpanKind.SERVER and s.name.startswith("POST /tasks/")
                ]
                assert server_spans, [s.name for s in exporter.get_finished_spans()]
                yield Flow(
                    server.url,
                    temporal_address,
                    f"http://127.0.0.1:{metrics_port}/metrics",
                    instance_id,
                    shown,
                    list(exporter.get_finished_spans()),
                    server_spans[0].context.trace_id,
                )


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def test_the_plain_cli_history_holds_no_plaintext_of_the_form(flow: Flow) -> None:
    history = json.loads(flow.history)
    assert len(history["events"]) > 5
    texts = strings(history)
    assert any("binary/encrypted" in t or t == base64.b64encode(b"binary/encrypted").decode() for t in texts)
    for secret in (SECRET_DESCRIPTION, SECRET_COMMENT, "SECRET-"):
        assert secret not in flow.history
        for text in texts:
            try:
                assert secret.encode() not in base64.b64decode(text, validate=True)
            except ValueError:
                continue
    # Search attributes stay plain (indexed), as documented.
    assert "expense_approval" in flow.history


async def test_the_codec_server_decrypts_the_history_for_operators_only(flow: Flow) -> None:
    accepted = [
        e["workflowExecutionUpdateAcceptedEventAttributes"]["acceptedRequest"]["input"]
        for e in json.loads(flow.history)["events"]
        if "workflowExecutionUpdateAcceptedEventAttributes" in e
    ]
    payloads = next(u["args"] for u in accepted if u["name"] == "complete_human_task")
    headers = {"X-Namespace": "default", "Origin": UI}
    async with httpx.AsyncClient(base_url=flow.gateway, timeout=30) as http:
        decoded = await http.post(
            "/codec/decode", json=payloads, headers=auth_headers("olga", ["operators"], **headers)
        )
        assert decoded.status_code == 200, decoded.text
        assert decoded.headers["access-control-allow-origin"] == UI
        plain = base64.b64decode(decoded.json()["payloads"][0]["data"])
        assert SECRET_COMMENT.encode() in plain
        refused = await http.post("/codec/decode", json=payloads, headers=auth_headers("bob", **headers))
        assert refused.status_code == 403
    # The temporal CLI as a codec client (its own protocol implementation, X-Namespace included).
    token = auth_headers("olga", ["operators"])["Authorization"]
    cli = await asyncio.create_subprocess_exec(
        temporal_cli_path(),
        *(
            "workflow",
            "show",
            "--output",
            "json",
            "--address",
            flow.temporal_address,
            "--workflow-id",
            flow.instance_id,
        ),
        *("--codec-endpoint", f"{flow.gateway}/codec", "--codec-auth", token),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(cli.communicate(), 30)
    assert cli.returncode == 0, err
    decoded_texts = []
    for text in strings(json.loads(out)):
        try:
            decoded_texts.append(base64.b64decode(text, validate=True))
        except ValueError:
            continue
    assert any(SECRET_COMMENT.encode() in blob for blob in decoded_texts)
    assert b"binary/encrypted" not in decoded_texts


async def test_metrics_names_and_labels_after_the_flow(flow: Flow) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        gateway = (await http.get(f"{flow.gateway}/metrics")).text
        worker = (await http.get(flow.worker_metrics)).text
    route = 'path="/tasks/{instance_id}/{step_name}/complete"'
    assert any(
        line.startswith("workflows_gateway_requests_total{") and route in line and 'status_code="200"' in line
        for line in gateway.splitlines()
    )
    assert "workflows_gateway_request_duration_seconds_bucket{" in gateway
    assert 'workflows_tasks_waiting{definition="expense_approval",step="manager_approval"}' in gateway
    assert 'workflows_tasks_overdue{definition="expense_approval",step="manager_approval"}' in gateway
    expected = {
        "workflows_instances_started": 'definition="expense_approval"',
        "workflows_instances_completed": 'definition="expense_approval"',
        "workflows_tasks_opened": 'step="manager_approval"',
        "workflows_tasks_completed": 'step="manager_approval"',
        "workflows_task_decision_seconds_bucket": 'step="manager_approval"',
    }
    assert set(expected) - {"workflows_task_decision_seconds_bucket"} <= set(DOMAIN_METRICS)
    for name, label in expected.items():
        assert any(line.startswith(name) and label in line for line in worker.splitlines()), name
    # The SDK's own metrics come from the same endpoint.
    assert "temporal_workflow_task_execution_latency" in worker
    assert "temporal_activity_execution_latency" in worker


def test_one_trace_from_the_completion_to_the_next_machine_step(flow: Flow) -> None:
    in_trace = [s for s in flow.spans if s.context.trace_id == flow.complete_trace_id]
    names = [s.name for s in in_trace]
    assert any(n.startswith("StartWorkflowUpdate:complete_human_task") for n in names), names
    assert any(n.startswith("HandleUpdate:complete_human_task") for n in names), names
    assert any(n == "RunActivity:litestar_workflows.run_step" for n in names), names
    # Every span of the trace hangs off another one of it, up to the gateway's server span.
    ids = {s.context.span_id for s in in_trace}
    roots = [s for s in in_trace if s.parent is None or s.parent.span_id not in ids]
    assert len(roots) == 1 and roots[0].kind == trace.SpanKind.SERVER, [(s.name, s.parent) for s in roots]
