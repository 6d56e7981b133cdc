"""One-shot set-up of a Temporal namespace for litestar-workflows: ``litestar-workflows setup``.

Creates the namespace if it does not exist and registers the custom search attributes the
Temporal integration defines (so the Web UI and ``temporal workflow list --query`` can filter
by definition, version, waiting step and assignee). Idempotent: run it on every deployment.
This is the ``temporal-setup`` service of ``docker-compose.yml``; ``make run`` does the same
through the dev server's ``--search-attribute`` flags.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from litestar_workflows.settings import Settings

__all__ = ["SetupError", "custom_search_attributes", "ensure_namespace", "run_setup"]

_TYPE_NAMES = {
    "TEXT": "Text",
    "KEYWORD": "Keyword",
    "INT": "Int",
    "DOUBLE": "Double",
    "BOOL": "Bool",
    "DATETIME": "Datetime",
    "KEYWORD_LIST": "KeywordList",
}


class SetupError(Exception):
    """The namespace or its search attributes cannot be set up; the message says why."""


def custom_search_attributes() -> dict[str, str]:
    """The custom search attributes of the Temporal integration, as ``name -> type`` (``Keyword``, ...).

    Read from ``litestar_workflows.engine.temporal.SEARCH_ATTRIBUTES`` (temporalio search
    attribute keys), so the names are defined once, where the workflow sets them.
    """
    try:
        module = importlib.import_module("litestar_workflows.engine.temporal")
    except ImportError:
        return {}
    keys = getattr(module, "SEARCH_ATTRIBUTES", ())
    found: dict[str, str] = {}
    for key in keys:
        name = getattr(key, "name", None)
        indexed = getattr(key, "indexed_value_type", None)
        if isinstance(name, str) and indexed is not None:
            found[name] = _type_name(indexed)
    return found


def _type_name(indexed_value_type: Any) -> str:
    from temporalio.api.enums.v1 import IndexedValueType

    enum_name = IndexedValueType.Name(IndexedValueType.ValueType(int(indexed_value_type))).removeprefix(
        "INDEXED_VALUE_TYPE_"
    )
    return _TYPE_NAMES[enum_name]


async def _connect(settings: Settings) -> Any:
    module = importlib.import_module("litestar_workflows.engine.temporal")
    connect: Callable[..., Any] = module.connect
    return await connect(settings)


async def _with_retries(what: str, attempt: Callable[[], Any], wait: float) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    delay = 0.5
    while True:
        try:
            return await attempt()
        except SetupError:
            raise
        except Exception as exc:
            if loop.time() + delay > deadline:
                raise SetupError(f"{what} failed after {wait:g}s: {type(exc).__name__}: {exc}") from exc
            print(f"{what}: {exc}; retrying in {delay:g}s", flush=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def ensure_namespace(
    settings: Settings,
    retention: timedelta,
    wait: float = 120.0,
    *,
    connect: Callable[[Settings], Awaitable[Any]] | None = None,
    attributes: Mapping[str, str] | None = None,
) -> list[str]:
    """Create ``settings.temporal_namespace`` and the custom search attributes where missing.

    Args:
        settings: Connection settings and the namespace.
        retention: Retention of closed workflows, for a namespace created here.
        wait: Seconds to keep retrying while Temporal is unreachable.
        connect: Opens the client (default: the Temporal integration's ``connect``).
        attributes: ``name -> type`` to register (default: :func:`custom_search_attributes`).

    Returns:
        What was done, one line per action.

    Raises:
        SetupError: Temporal unreachable within ``wait`` seconds, or a search attribute exists
            with another type.
    """
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    namespace = settings.temporal_namespace
    done: list[str] = []
    client = await _with_retries(
        f"connecting to Temporal at {settings.temporal_address}", lambda: (connect or _connect)(settings), wait
    )

    async def describe_or_register() -> None:
        try:
            await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
            done.append(f"namespace {namespace!r} exists")
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            from google.protobuf.duration_pb2 import Duration

            await client.workflow_service.register_namespace(
                RegisterNamespaceRequest(
                    namespace=namespace,
                    description="litestar-workflows",
                    workflow_execution_retention_period=Duration(seconds=int(retention.total_seconds())),
                )
            )
            done.append(f"namespace {namespace!r} created (retention {retention.days} days)")

    await _with_retries(f"setting up namespace {namespace!r}", describe_or_register, wait)

    wanted = dict(custom_search_attributes() if attributes is None else attributes)

    async def add_attributes() -> None:
        listing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        existing = {name: _type_name(kind) for name, kind in listing.custom_attributes.items()}
        clashes = [f"{n} is {existing[n]}, not {t}" for n, t in wanted.items() if n in existing and existing[n] != t]
        if clashes:
            raise SetupError("search attributes exist with another type: " + "; ".join(clashes))
        missing = {n: t for n, t in wanted.items() if n not in existing}
        if missing:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(
                    namespace=namespace,
                    search_attributes={
                        n: IndexedValueType.Value("INDEXED_VALUE_TYPE_" + _upper(t)) for n, t in missing.items()
                    },
                )
            )
        for name, kind in sorted(wanted.items()):
            state = "added" if name in missing else "exists"
            done.append(f"search attribute {name} ({kind}) {state}")

    await _with_retries(f"registering search attributes in {namespace!r}", add_attributes, wait)
    return done


def _upper(type_name: str) -> str:
    return next(key for key, value in _TYPE_NAMES.items() if value == type_name)


def run_setup(settings: Settings, retention: timedelta, wait: float) -> int:
    """Run :func:`ensure_namespace` and print what was done; return the exit status."""
    try:
        done = asyncio.run(ensure_namespace(settings, retention, wait))
    except SetupError as exc:
        print(f"litestar-workflows setup: {exc}", flush=True)
        return 1
    for line in done:
        print(line, flush=True)
    return 0
