"""The gateway's Prometheus metrics: requests by route and status (Litestar's Prometheus
middleware), and gauges of waiting and overdue human tasks from Temporal visibility counts.

The gauges are refreshed by one background task every ``WORKFLOWS_METRICS_REFRESH_INTERVAL``
seconds, never per scrape or per request (each refresh is two count queries per definition and
human step). Overdue means waiting since before the step's deadline (or, for a step without one,
before ``WORKFLOWS_METRICS_OVERDUE_AFTER``). The count uses the ``WaitingSince`` search attribute,
the start of the oldest waiting step of the instance: for an instance waiting at several steps
at once it is an upper bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Final

from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import Gauge
from temporalio.client import Client

from litestar_workflows.core.types import StepType
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.contracts import (
    SA_DEFINITION_NAME,
    SA_PENDING_STEPS,
    SA_WAITING_SINCE,
    WORKFLOW_TYPE,
)

__all__ = [
    "GATEWAY_PREFIX",
    "TASKS_OVERDUE",
    "TASKS_WAITING",
    "VisibilityGauges",
    "prometheus_config",
]

log = logging.getLogger("api")

GATEWAY_PREFIX: Final = "workflows_gateway"
"""Prefix of the request metrics: ``workflows_gateway_requests_total`` and
``workflows_gateway_request_duration_seconds`` (labels ``method``, ``path`` — the route template —,
``status_code``, ``app_name``)."""

TASKS_WAITING: Final = Gauge(
    "workflows_tasks_waiting",
    "Human tasks waiting now, from Temporal visibility (refreshed every WORKFLOWS_METRICS_REFRESH_INTERVAL)",
    ["definition", "step"],
)
TASKS_OVERDUE: Final = Gauge(
    "workflows_tasks_overdue",
    "Waiting human tasks past their deadline (or WORKFLOWS_METRICS_OVERDUE_AFTER), from visibility",
    ["definition", "step"],
)
_REFRESHED: Final = Gauge(
    "workflows_tasks_gauges_refreshed_timestamp_seconds", "When the task gauges were last refreshed"
)


def prometheus_config() -> PrometheusConfig:
    """Request metrics grouped by route template (bounded cardinality), ``/metrics`` itself excluded."""
    return PrometheusConfig(
        app_name="litestar-workflows-gateway", prefix=GATEWAY_PREFIX, group_path=True, exclude=["/metrics"]
    )


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class VisibilityGauges:
    """Keeps :data:`TASKS_WAITING` and :data:`TASKS_OVERDUE` up to date for ``registry``'s human steps."""

    def __init__(self, registry: WorkflowRegistry, settings: Settings) -> None:
        self.registry = registry
        self.interval = settings.metrics_refresh_interval
        self.default_overdue = settings.metrics_overdue_after

    def _steps(self) -> Iterator[tuple[str, str, float]]:
        """``(definition, step, overdue after seconds)`` of every human step of every registered version."""
        seen: set[tuple[str, str]] = set()
        for definition in self.registry.list_definitions():
            for spec in self.registry.get_graph(definition.name, definition.version).steps:
                if spec.kind != StepType.HUMAN or (definition.name, spec.name) in seen:
                    continue
                seen.add((definition.name, spec.name))
                yield definition.name, spec.name, spec.deadline_seconds or self.default_overdue

    async def refresh(self, client: Client) -> None:
        """Count once and set the gauges."""
        now = datetime.now(UTC)
        for definition, step, overdue_after in self._steps():
            query = (
                f"WorkflowType = {_quote(WORKFLOW_TYPE)} AND ExecutionStatus = 'Running' AND "
                f"{SA_DEFINITION_NAME.name} = {_quote(definition)} AND {SA_PENDING_STEPS.name} = {_quote(step)}"
            )
            cutoff = (now - timedelta(seconds=overdue_after)).isoformat().replace("+00:00", "Z")
            waiting = await client.count_workflows(query)
            overdue = await client.count_workflows(f"{query} AND {SA_WAITING_SINCE.name} < {_quote(cutoff)}")
            TASKS_WAITING.labels(definition, step).set(waiting.count)
            TASKS_OVERDUE.labels(definition, step).set(overdue.count)
        _REFRESHED.set(now.timestamp())

    async def run(self, client: Client) -> None:
        """Refresh every ``interval`` seconds until cancelled; a failed refresh is logged and retried."""
        while True:
            try:
                await self.refresh(client)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Temporal down: keep the last values, try again next time
                log.warning("refreshing the task gauges failed: %s", exc)
            await asyncio.sleep(self.interval)
