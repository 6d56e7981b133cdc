"""The gateway's Temporal plumbing: one client per process, the engine on top, readiness.

Handlers never call Temporal directly; they use the engine. Only ``GET /ready`` asks the
Temporal service itself (is it reachable, does a worker poll the task queue).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry, load_registry
from litestar_workflows.exceptions import WorkflowsError
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.client import connect as connect_temporal
from litestar_workflows.temporal.engine import TemporalExecutionEngine

__all__ = ["build_engine", "check_worker", "connect", "load_registry"]

# A poller long-polls for up to ~70 s; one not seen for longer than this has gone away.
_POLLER_FRESHNESS = timedelta(seconds=90)


async def connect(settings: Settings) -> Client:
    """Open the process's Temporal client, lazily: the gateway starts (and answers 503) while Temporal is down."""
    return await connect_temporal(settings, lazy=True)


def build_engine(settings: Settings, client: Client, registry: WorkflowRegistry) -> ExecutionEngine:
    """The Temporal engine over ``client``; it answers 202 itself after ``settle_timeout``."""
    return TemporalExecutionEngine(
        registry,
        client,
        settings.task_queue,
        settle_timeout=settings.settle_timeout,
        budgets=settings.budgets(),
        admin_groups=settings.admin_groups,
        completion_signals=settings.completion_signals,
    )


async def check_worker(client: Client, task_queue: str, timeout_seconds: float) -> str | None:
    """Why the engine is not ready (Temporal unreachable, no worker polling); ``None`` when ready."""
    try:
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            ),
            timeout=timedelta(seconds=timeout_seconds),
        )
    except RPCError as exc:
        return f"Temporal cannot be reached: {exc.message}"
    except (RuntimeError, WorkflowsError) as exc:
        # A lazy client that fails to connect raises RuntimeError("Failed client connect: ...").
        return f"Temporal cannot be reached: {exc}"
    now = datetime.now(UTC)
    fresh = [
        p
        for p in response.pollers
        if not p.HasField("last_access_time") or now - p.last_access_time.ToDatetime(UTC) < _POLLER_FRESHNESS
    ]
    if not fresh:
        return f"No worker is polling task queue {task_queue!r}"
    return None
