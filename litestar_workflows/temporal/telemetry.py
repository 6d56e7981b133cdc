"""Traces, SDK metrics and log format of the processes (worker, gateway, set-up).

* **Traces** (OpenTelemetry): on when ``WORKFLOWS_TRACING=true`` or an OTLP endpoint is configured
  (``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, the standard variables,
  as are ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``). Temporal's
  ``TracingInterceptor`` rides on the client, so the gateway's calls (start, update, query) and the
  worker's workflow and activity executions join the caller's trace through Temporal headers.
* **SDK metrics**: the worker's Temporal runtime serves Prometheus at ``WORKER_METRICS_BIND``
  (task latencies, slots, sticky cache, polls, plus the domain metrics of :mod:`.metrics`).
* **Logs**: ``WORKFLOWS_LOG_FORMAT=json`` writes one JSON object a line with the trace id and, where
  known, the instance id and step; log records never carry form data (nothing here adds it).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import temporalio.activity
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from litestar_workflows.settings import Settings
from litestar_workflows.temporal.metrics import DECISION_BUCKETS, TASK_DECISION_SECONDS

__all__ = [
    "JsonLogFormatter",
    "client_interceptors",
    "configure_logging",
    "configure_tracing",
    "tracer_provider",
    "tracing_enabled",
    "worker_runtime",
]

_OTLP_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def tracing_enabled(settings: Settings, environ: dict[str, str] | None = None) -> bool:
    """Whether this process traces (see the module docstring)."""
    env = os.environ if environ is None else environ
    return settings.tracing or bool(settings.otlp_endpoint) or any(env.get(name) for name in _OTLP_VARIABLES)


def tracer_provider(settings: Settings, service_name: str) -> Any:
    """A new replay-safe tracer provider exporting by OTLP/HTTP when an endpoint is configured.

    Temporal's ``create_tracer_provider``: workflow spans are not emitted again when a worker
    replays a history. ``OTEL_SERVICE_NAME`` overrides ``service_name``.
    """
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from temporalio.contrib.opentelemetry import create_tracer_provider

    name = os.environ.get("OTEL_SERVICE_NAME", service_name)
    provider = create_tracer_provider(resource=Resource.create({"service.name": name}))
    if settings.otlp_endpoint or any(os.environ.get(variable) for variable in _OTLP_VARIABLES):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint
        # The exporter reads the variables itself; an endpoint given in settings is the base URL.
        exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces") if endpoint else OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def configure_tracing(settings: Settings, service_name: str) -> Any:
    """Install :func:`tracer_provider` as the global provider, once per process.

    A replay-safe provider installed earlier (by the host application or a test) is kept.
    Returns the provider in use, or ``None`` when tracing is off.
    """
    if not tracing_enabled(settings):
        return None
    from opentelemetry import trace
    from temporalio.contrib.opentelemetry import ReplaySafeTracerProvider

    current = trace.get_tracer_provider()
    if isinstance(current, ReplaySafeTracerProvider):
        return current
    provider = tracer_provider(settings, service_name)
    trace.set_tracer_provider(provider)
    return provider


def client_interceptors(settings: Settings) -> list[ClientInterceptor]:
    """The client's interceptors: Temporal's ``OpenTelemetryInterceptor`` when tracing is on.

    Workers built on the client inherit it. Unlike the older ``TracingInterceptor`` (which links an
    update's handler to the caller's span but starts it in the workflow's own trace), it parents
    update handlers and what they start under the caller's span, so a task completion is one trace
    from the HTTP request down to the next step's activity. It needs the global tracer provider to
    be replay-safe (:func:`configure_tracing`).
    """
    if not tracing_enabled(settings):
        return []
    from temporalio.contrib.opentelemetry import OpenTelemetryInterceptor

    return [OpenTelemetryInterceptor(add_temporal_spans=True)]


def worker_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime serving Prometheus at ``WORKER_METRICS_BIND`` (``None`` when unset).

    Raises:
        ValueError: The bind address is not ``host:port``.
    """
    bind = settings.worker_metrics_bind
    if not bind:
        return None
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"WORKER_METRICS_BIND must be host:port, got {bind!r}")
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=bind,
                durations_as_seconds=True,
                histogram_bucket_overrides={TASK_DECISION_SECONDS: list(DECISION_BUCKETS)},
            )
        )
    )


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, trace and span ids, and the
    instance id / step of the record where known (``extra={"instance_id": ..., "step": ...}`` or
    Temporal's workflow/activity logging context). Exceptions are included as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        instance_id = getattr(record, "instance_id", None)
        step = getattr(record, "step", None)
        temporal = getattr(record, "temporal_workflow", None) or getattr(record, "temporal_activity", None)
        activity = None
        if isinstance(temporal, dict):
            instance_id = instance_id or temporal.get("workflow_id")
            activity = temporal.get("activity_type")
        elif temporalio.activity.in_activity():
            # Any logger used inside a step's activity: the instance is the activity's workflow.
            info = temporalio.activity.info()
            instance_id = instance_id or info.workflow_id
            activity = info.activity_type
        if instance_id:
            entry["instance_id"] = instance_id
        if step:
            entry["step"] = step
        if activity:
            entry["activity"] = activity
        trace_id, span_id = _current_trace()
        if trace_id:
            entry["trace_id"] = trace_id
            entry["span_id"] = span_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _current_trace() -> tuple[str | None, str | None]:
    try:
        from opentelemetry import trace
    except ImportError:  # pragma: no cover - a dependency
        return None, None
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None, None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def configure_logging(settings: Settings, level: str = "INFO") -> None:
    """Set up the root logger in the format of ``WORKFLOWS_LOG_FORMAT`` (replaces its handlers)."""
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
