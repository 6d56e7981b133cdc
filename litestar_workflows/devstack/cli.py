"""The ``litestar-workflows`` console script.

``litestar-workflows dev`` runs the whole system locally (what ``make run`` does): the
Temporal dev server with its Web UI, a worker with the example definitions and the
gateway, supervised as one process tree. ``litestar-workflows setup`` prepares a
Temporal namespace (docker compose runs it once). ``litestar-workflows demo`` runs the
expense approval example in-process, without Temporal.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence

from litestar_workflows.devstack.config import DEMO

__all__ = ["main"]


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="litestar-workflows", description="Durable human-in-the-loop workflows on Temporal."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the expense approval example in-process (no Temporal)")
    dev = sub.add_parser(
        "dev",
        help="run the whole system locally: Temporal dev server + Web UI, worker, gateway",
        description=(
            "Start the Temporal dev server (SQLite under the data directory), a worker with the "
            "definitions of WORKFLOWS_DEFINITIONS (default: examples:registry) and the gateway in "
            "dev-token mode, all on 127.0.0.1; print the URLs, demo tokens and a curl walkthrough. "
            "Ctrl-C stops everything. Flags override the environment variables named below."
        ),
    )
    dev.add_argument("--temporal-port", type=_port, help="Temporal gRPC port (DEV_TEMPORAL_PORT, default 7233)")
    dev.add_argument("--ui-port", type=_port, help="Temporal Web UI port (DEV_TEMPORAL_UI_PORT, default 8233)")
    dev.add_argument("--gateway-port", type=_port, help="gateway port (WORKFLOWS_PORT, default 8000)")
    dev.add_argument(
        "--worker-metrics-port", type=_port, help="worker's Prometheus port (DEV_WORKER_METRICS_PORT, default 9464)"
    )
    dev.add_argument("--data-dir", help="database, logs and lock file (DEV_DATA_DIR, default .data)")
    setup = sub.add_parser(
        "setup",
        help="create the Temporal namespace and the custom search attributes (idempotent)",
        description=(
            "Create TEMPORAL_NAMESPACE on the Temporal server at TEMPORAL_ADDRESS (TLS and API key from "
            "the TEMPORAL_* variables) if it does not exist, and register the custom search attributes "
            "the workflows set. Safe to run on every deployment (docker-compose.yml's temporal-setup)."
        ),
    )
    setup.add_argument("--retention-days", type=_positive_int, default=7, help="retention of a new namespace")
    setup.add_argument("--wait", type=float, default=120.0, help="seconds to keep retrying while Temporal starts")
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} must be at least 1")
    return number


def _setup(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from litestar_workflows.settings import Settings
    from litestar_workflows.temporal.setup import run_setup

    settings = Settings()  # type: ignore[call-arg]
    return run_setup(settings, timedelta(days=args.retention_days), args.wait)


def _dev(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from litestar_workflows.devstack.banner import render_banner
    from litestar_workflows.devstack.config import DevStackConfig, DevStackError
    from litestar_workflows.devstack.services import default_services
    from litestar_workflows.devstack.supervisor import DevStack, run_dev_stack

    try:
        config = DevStackConfig.from_settings(
            temporal_port=args.temporal_port,
            ui_port=args.ui_port,
            gateway_port=args.gateway_port,
            data_dir=args.data_dir,
            worker_metrics_port=args.worker_metrics_port,
        )
        services = default_services(config)
    except ValidationError as exc:
        print(f"litestar-workflows dev: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except DevStackError as exc:
        print(f"litestar-workflows dev: {exc}", file=sys.stderr)
        return 2
    return run_dev_stack(DevStack(config, services, banner=render_banner))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``litestar-workflows`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "dev":
        return _dev(args)
    if args.command == "setup":
        return _setup(args)
    # The demo is the project's example, named like the definitions are (never imported by the SDK itself).
    module, _, attribute = DEMO.partition(":")
    demo = getattr(importlib.import_module(module), attribute)
    asyncio.run(demo())
    return 0


if __name__ == "__main__":
    sys.exit(main())
