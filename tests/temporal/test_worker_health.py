"""The worker's health endpoint (``WORKER_HEALTH_BIND``), JSON log lines (``WORKFLOWS_LOG_FORMAT``) and
OTLP export of spans (``OTEL_EXPORTER_OTLP_ENDPOINT``) to a real HTTP collector."""

from __future__ import annotations

import asyncio
import http.server
import json
import logging
import threading

import pytest
from temporalio.client import Client

from litestar_workflows.settings import Settings
from litestar_workflows.temporal.telemetry import JsonLogFormatter, tracer_provider, tracing_enabled, worker_runtime
from litestar_workflows.temporal.worker_health import HealthServer, parse_bind, worker_health


async def get(port: int, request: bytes) -> tuple[int, dict[str, str]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def test_health_and_readiness_against_temporal(temporal_client: Client) -> None:
    server = worker_health("127.0.0.1:0", temporal_client)
    assert isinstance(server, HealthServer)
    async with server:
        assert await get(server.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n") == (200, {"status": "ok"})
        assert await get(server.port, b"GET /ready HTTP/1.1\r\n\r\n") == (200, {"status": "ready"})
        assert (await get(server.port, b"GET /nothing HTTP/1.1\r\n\r\n"))[0] == 404
        assert (await get(server.port, b"POST /ready HTTP/1.1\r\n\r\n"))[0] == 405
        assert (await get(server.port, b"x" * 9000 + b"\r\n\r\n"))[0] == 400


async def test_not_ready_when_temporal_does_not_answer() -> None:
    unreachable = await Client.connect("127.0.0.1:1", lazy=True)
    async with HealthServer("127.0.0.1:0", lambda: _ready_of(unreachable)) as server:
        status, body = await get(server.port, b"GET /ready HTTP/1.1\r\n\r\n")
        assert status == 503 and "Temporal does not answer" in body["detail"]


async def _ready_of(client: Client) -> str | None:
    server = worker_health("127.0.0.1:0", client)
    assert isinstance(server, HealthServer)
    return await server._ready()


def test_bind_addresses_are_checked() -> None:
    assert parse_bind("0.0.0.0:8081") == ("0.0.0.0", 8081)
    assert parse_bind("[::1]:9") == ("::1", 9)
    for bad in ("8081", ":80", "host:port", "h:70000"):
        with pytest.raises(ValueError, match="host:port"):
            parse_bind(bad)
    assert worker_health(None, None) is not None  # type: ignore[arg-type]  # a no-op context
    with pytest.raises(ValueError, match="WORKER_METRICS_BIND"):
        worker_runtime(Settings(worker_metrics_bind="9464"))  # type: ignore[call-arg]
    assert worker_runtime(Settings()) is None  # type: ignore[call-arg]


def test_json_log_lines_carry_instance_and_step_but_no_form_data() -> None:
    record = logging.LogRecord("litestar_workflows.worker", logging.INFO, __file__, 1, "step %s failed", ("x",), None)
    record.temporal_activity = {
        "workflow_id": "expense_approval/inv-42",
        "activity_type": "litestar_workflows.run_step",
    }
    line = json.loads(JsonLogFormatter().format(record))
    assert line["message"] == "step x failed"
    assert line["instance_id"] == "expense_approval/inv-42"
    assert line["activity"] == "litestar_workflows.run_step"
    assert line["level"] == "INFO" and line["logger"] == "litestar_workflows.worker"
    assert "trace_id" not in line  # no span is active here
    explicit = logging.LogRecord("api", logging.WARNING, __file__, 1, "refused", (), None)
    explicit.instance_id, explicit.step = "a/b", "manager_approval"
    assert json.loads(JsonLogFormatter().format(explicit))["step"] == "manager_approval"


def test_spans_are_exported_by_otlp_when_an_endpoint_is_configured() -> None:
    received: list[tuple[str, str, int]] = []

    class Collector(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received.append((self.path, self.headers.get("content-type", ""), len(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = Settings(otlp_endpoint=f"http://127.0.0.1:{server.server_address[1]}")  # type: ignore[call-arg]
        assert tracing_enabled(settings, environ={})
        provider = tracer_provider(settings, "tests")
        with provider.get_tracer("tests").start_as_current_span("one"):
            pass
        assert provider.force_flush(10_000)
    finally:
        server.shutdown()
    assert received and received[0][0] == "/v1/traces"
    assert received[0][1] == "application/x-protobuf" and received[0][2] > 0
    assert not tracing_enabled(Settings(), environ={})  # type: ignore[call-arg]
