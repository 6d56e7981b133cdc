"""The Temporal worker: runs the interpreter workflow and the step activities.

Usage::

    python worker.py                                   # local dev server, example definitions
    python worker.py --definitions my_app.flows:registry,other.flows:registry
    TEMPORAL_ADDRESS=my-ns.a1b2c.tmprl.cloud:7233 TEMPORAL_NAMESPACE=my-ns.a1b2c \\
        TEMPORAL_API_KEY=... python worker.py          # Temporal Cloud

Connection settings come from the environment (see :class:`litestar_workflows.settings.Settings`);
every flag overrides its variable. The custom search attributes are registered at start
(where the server allows it). SIGINT / SIGTERM stop polling, let in-flight activities
finish for ``--graceful-shutdown-timeout`` seconds, then cancel them (Temporal retries
them on another worker), and exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.events import EventActivities
from activities.steps import StepActivities
from litestar_workflows.engine.events import EventBus
from litestar_workflows.engine.registry import WorkflowRegistry, load_registry
from litestar_workflows.exceptions import EngineUnavailableError
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.client import connect, ensure_search_attributes
from litestar_workflows.temporal.telemetry import configure_logging, configure_tracing, worker_runtime
from litestar_workflows.temporal.worker_health import worker_health
from workflows.interpreter import InterpreterWorkflow

__all__ = ["PASSTHROUGH_MODULES", "build_parser", "build_worker", "load_registry", "main", "run", "sandbox_runner"]

log = logging.getLogger("litestar_workflows.worker")

PASSTHROUGH_MODULES = (
    "litestar_workflows",
    "simpleeval",
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "rpds",
    "attrs",
    "attr",
    # The interpreter itself: otherwise the sandbox executes its module again for every new
    # instance (~10 ms each). Its determinism is guarded by the replay tests instead.
    "workflows",
    # Temporal's tracing interceptor runs in the sandbox (WORKFLOWS_TRACING, OTEL_EXPORTER_OTLP_ENDPOINT).
    "opentelemetry",
)
"""Modules the workflow sandbox takes from the worker as they are (pure, deterministic code)."""


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The workflow sandbox with :data:`PASSTHROUGH_MODULES` passed through."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


def build_worker(
    client: Client, registry: WorkflowRegistry, task_queue: str, *, event_bus: EventBus | None = None, **options: Any
) -> Worker:
    """A worker running the interpreter workflow and the step activities of ``registry``.

    Args:
        client: Connected client.
        registry: Definitions whose step code this worker runs.
        task_queue: Task queue to poll.
        event_bus: Handlers of the lifecycle events of instances started with events on
            (``TemporalExecutionEngine(..., emit_events=True)``); each named notifier runs in
            its own activity with its own retries, outside the workflow, at least once
            (docs/temporal.md). Give every worker of the task queue the same notifiers.
        **options: Further ``temporalio.worker.Worker`` arguments (e.g.
            ``graceful_shutdown_timeout``, ``max_concurrent_activities``, ``identity``).
    """
    options.setdefault("workflow_runner", sandbox_runner())
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[InterpreterWorkflow],
        activities=[*StepActivities(registry).activities(), *EventActivities(event_bus).activities()],
        **options,
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python worker.py``."""
    parser = argparse.ArgumentParser(
        prog="worker.py",
        description="Run a litestar-workflows Temporal worker: the generic interpreter workflow and the "
        "step activities of the given definitions. Flags override the environment variables named in "
        "brackets.",
    )
    conn = parser.add_argument_group("connection")
    conn.add_argument("--address", help="Temporal frontend host:port [TEMPORAL_ADDRESS, default localhost:7233]")
    conn.add_argument("--namespace", help="Temporal namespace [TEMPORAL_NAMESPACE, default 'default']")
    conn.add_argument("--task-queue", help="task queue to poll [TEMPORAL_TASK_QUEUE, default 'litestar-workflows']")
    conn.add_argument("--api-key", help="API key, e.g. for Temporal Cloud; implies TLS [TEMPORAL_API_KEY]")
    conn.add_argument(
        "--tls", action=argparse.BooleanOptionalAction, default=None, help="connect with TLS [TEMPORAL_TLS]"
    )
    conn.add_argument("--tls-cert", help="mTLS client certificate, PEM file [TEMPORAL_TLS_CLIENT_CERT_PATH]")
    conn.add_argument("--tls-key", help="mTLS client private key, PEM file [TEMPORAL_TLS_CLIENT_KEY_PATH]")
    conn.add_argument("--tls-ca", help="CA certificate of the server, PEM file [TEMPORAL_TLS_SERVER_CA_CERT_PATH]")
    conn.add_argument("--tls-server-name", help="server name to verify [TEMPORAL_TLS_SERVER_NAME]")
    work = parser.add_argument_group("worker")
    work.add_argument(
        "--definitions",
        help="registries to load, module:attribute, comma-separated "
        "[WORKFLOWS_DEFINITIONS, default examples.expense_approval:registry]",
    )
    work.add_argument("--identity", help="worker identity shown in the Web UI (default: pid@host)")
    work.add_argument("--max-concurrent-activities", type=int, default=100, help="activities run at once (default 100)")
    work.add_argument(
        "--max-concurrent-workflow-tasks", type=int, default=100, help="workflow tasks run at once (default 100)"
    )
    work.add_argument(
        "--graceful-shutdown-timeout",
        type=float,
        default=30.0,
        help="seconds in-flight activities may take to finish on SIGINT/SIGTERM before they are "
        "canceled and handed back to Temporal (default 30)",
    )
    work.add_argument(
        "--no-search-attributes",
        dest="search_attributes",
        action="store_false",
        help="do not register the custom search attributes at start",
    )
    work.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        "temporal_address": args.address,
        "temporal_namespace": args.namespace,
        "task_queue": args.task_queue,
        "temporal_api_key": args.api_key,
        "temporal_tls": args.tls,
        "temporal_tls_client_cert_path": args.tls_cert,
        "temporal_tls_client_key_path": args.tls_key,
        "temporal_tls_server_ca_cert_path": args.tls_ca,
        "temporal_tls_server_name": args.tls_server_name,
        "definitions": args.definitions,
    }
    base = Settings()  # type: ignore[call-arg]
    return base.model_copy(update={k: v for k, v in overrides.items() if v is not None})


async def run(args: argparse.Namespace, stop: asyncio.Event | None = None) -> None:
    """Connect, register the search attributes, and run the worker until ``stop`` is set
    (or SIGINT / SIGTERM arrives)."""
    settings = _settings(args)
    registry = load_registry(settings.definitions)
    tracing = configure_tracing(settings, "litestar-workflows-worker")
    runtime = worker_runtime(settings)  # Prometheus at WORKER_METRICS_BIND
    options: dict[str, Any] = {"identity": args.identity} if args.identity else {}
    if runtime is not None:
        options["runtime"] = runtime
    client = await connect(settings, **options)
    if args.search_attributes:
        added = await ensure_search_attributes(client, settings.temporal_namespace)
        if added:
            log.info("registered search attributes %s", ", ".join(added))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(
        client,
        registry,
        settings.task_queue,
        graceful_shutdown_timeout=timedelta(seconds=args.graceful_shutdown_timeout),
        max_concurrent_activities=args.max_concurrent_activities,
        max_concurrent_workflow_tasks=args.max_concurrent_workflow_tasks,
    )
    names = ", ".join(f"{d.name} {d.version}" for d in registry.list_definitions())
    async with worker, worker_health(settings.worker_health_bind, client):
        log.info(
            "worker polling task queue %r on %s namespace %r with %s",
            settings.task_queue,
            settings.temporal_address,
            settings.temporal_namespace,
            names,
        )
        await stop.wait()
        log.info("shutting down: in-flight activities get %gs to finish", args.graceful_shutdown_timeout)
    if tracing is not None:
        tracing.force_flush()  # the process exits without finalization (see __main__): export the last spans now
    log.info("worker stopped")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python worker.py``; returns the exit code."""
    args = build_parser().parse_args(argv)
    configure_logging(Settings(), args.log_level)  # type: ignore[call-arg]  # WORKFLOWS_LOG_FORMAT
    try:
        asyncio.run(run(args))
    except (ValueError, EngineUnavailableError) as exc:
        print(f"worker.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    exit_code = main()
    # temporalio's core threads can crash the interpreter's finalization (SIGABRT/SIGSEGV instead of
    # this exit code: "PyGILState_Release: thread state ... must be current", sdk-python#300), after
    # a failed connection (~1 run in 4 here) and now and then after a clean SIGTERM shutdown too:
    # leave at once, every exit, once the logs and the streams are flushed.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
