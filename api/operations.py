"""What a production gateway adds to the routes: the codec server, Prometheus metrics, traces and
JSON logs. One call, :func:`operations_plugins`, from :func:`api.app.create_app`; each part is
switched on by its settings (``docs/operations.md``):

* ``WORKFLOWS_CODEC_KEYS`` — ``POST /codec/decode`` and ``/codec/encode`` (:mod:`api.codec`);
* ``WORKFLOWS_METRICS`` — ``GET /metrics``: request counts and latencies by route and status, and
  the waiting/overdue task gauges (:mod:`api.metrics`);
* ``WORKFLOWS_TRACING`` or ``OTEL_EXPORTER_OTLP_ENDPOINT`` — a server span per request (Litestar's
  OpenTelemetry plugin) with the Temporal calls below it;
* ``WORKFLOWS_LOG_FORMAT=json`` — JSON log lines.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol, PluginProtocol
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusController

from api.codec import CODEC_PATH, CodecCORS, codec_router
from api.metrics import VisibilityGauges, prometheus_config
from api.plugin import WorkflowPlugin
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.client import connect_options
from litestar_workflows.temporal.codec import EncryptionCodec, parse_keys
from litestar_workflows.temporal.telemetry import configure_logging, configure_tracing

__all__ = ["MetricsController", "OperationsPlugin", "operations_plugins"]


class MetricsController(PrometheusController):
    """``GET /metrics`` in Prometheus text format (not in the OpenAPI document)."""

    path = "/metrics"
    include_in_schema = False


class OperationsPlugin(InitPluginProtocol):
    """Mounts the codec server and the metrics of ``settings`` next to ``workflows``' routes.

    Args:
        settings: The gateway's settings.
        workflows: The gateway's routes plugin (its token configuration, Temporal client, registry).
    """

    def __init__(self, settings: Settings, workflows: WorkflowPlugin) -> None:
        self.settings = settings
        self.workflows = workflows
        keys = parse_keys(settings.codec_keys, settings.codec_keys_file)
        self.codec = EncryptionCodec(keys) if keys else None

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Add the routes, middleware and background refresh the settings ask for."""
        settings = self.settings
        if self.codec is not None:
            namespace = str(connect_options(settings)["namespace"])
            app_config.route_handlers.append(codec_router(settings, self.workflows.auth, self.codec, namespace))
            app_config.on_startup.append(self._install_codec_cors)
        if settings.metrics:
            app_config.middleware.append(prometheus_config().middleware)
            app_config.route_handlers.append(MetricsController)
            app_config.lifespan.append(self._refresh_gauges)
        return app_config

    def _install_codec_cors(self, app: Litestar) -> None:
        if not isinstance(app.asgi_handler, CodecCORS):
            app.asgi_handler = CodecCORS(app.asgi_handler, self.settings.codec_cors_origins, CODEC_PATH)

    @contextlib.asynccontextmanager
    async def _refresh_gauges(self, app: Litestar) -> AsyncIterator[None]:
        gateway = self.workflows.gateway
        task: asyncio.Task[None] | None = None
        # The gateway's own lifespan (registered before this one) has opened its client.
        if gateway.client is not None:
            gauges = VisibilityGauges(gateway.registry, self.settings)
            task = asyncio.create_task(gauges.run(gateway.client))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def operations_plugins(
    settings: Settings, workflows: WorkflowPlugin, tracer_provider: Any = None
) -> list[PluginProtocol]:
    """The plugins :func:`api.app.create_app` adds for ``settings`` (see the module docstring).

    Args:
        settings: The gateway's settings.
        workflows: The gateway's routes plugin.
        tracer_provider: OpenTelemetry tracer provider to use instead of the global one (tests).
    """
    if settings.log_format == "json":
        configure_logging(settings)
    plugins: list[PluginProtocol] = [OperationsPlugin(settings, workflows)]
    provider = tracer_provider or configure_tracing(settings, "litestar-workflows-gateway")
    if provider is not None:
        excluded = ["/metrics", "/health", "/ready"]
        plugins.append(OpenTelemetryPlugin(OpenTelemetryConfig(tracer_provider=provider, exclude=excluded)))
    return plugins
