"""One-shot set-up of a Temporal namespace for litestar-workflows: ``litestar-workflows setup``.

Creates the namespace if it does not exist and registers the custom search attributes of
:mod:`litestar_workflows.temporal.contracts` (so the Web UI and ``temporal workflow list
--query`` can filter by definition, status, waiting step and assignee). Idempotent: run it on
every deployment. This is the ``temporal-setup`` service of ``docker-compose.yml``; ``make run``
passes the same attributes to the dev server's ``--search-attribute`` flags.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

from litestar_workflows.settings import Settings
from litestar_workflows.temporal.client import connect as connect_client
from litestar_workflows.temporal.client import ensure_search_attributes
from litestar_workflows.temporal.contracts import SEARCH_ATTRIBUTES

__all__ = ["SetupError", "custom_search_attributes", "ensure_namespace", "run_setup"]

T = TypeVar("T")

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


def _type_name(key: SearchAttributeKey[Any]) -> str:
    value = IndexedValueType.ValueType(int(key.indexed_value_type))
    return _TYPE_NAMES[IndexedValueType.Name(value).removeprefix("INDEXED_VALUE_TYPE_")]


def custom_search_attributes(
    attributes: Iterable[SearchAttributeKey[Any]] = SEARCH_ATTRIBUTES,
) -> dict[str, str]:
    """``name -> type`` (``Keyword``, ``KeywordList``, ...) of the custom search attributes,
    in the spelling of ``temporal server start-dev --search-attribute``."""
    return {key.name: _type_name(key) for key in attributes}


async def _with_retries(what: str, attempt: Callable[[], Awaitable[T]], wait: float) -> T:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    delay = 0.5
    while True:
        try:
            return await attempt()
        except (SetupError, ValueError):
            raise
        except Exception as exc:
            if loop.time() + delay > deadline:
                raise SetupError(f"{what} failed after {wait:g}s: {exc}") from exc
            print(f"{what}: {exc}; retrying in {delay:g}s", flush=True)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def ensure_namespace(
    settings: Settings,
    retention: timedelta,
    wait: float = 120.0,
    *,
    connect: Callable[[Settings], Awaitable[Client]] = connect_client,
    attributes: Iterable[SearchAttributeKey[Any]] = SEARCH_ATTRIBUTES,
) -> list[str]:
    """Create ``settings.temporal_namespace`` and register the custom search attributes where missing.

    Args:
        settings: Connection settings (address, TLS, API key) and the namespace.
        retention: Retention of closed workflows, for a namespace created here.
        wait: Seconds to keep retrying while Temporal is unreachable or still starting.
        connect: Opens the client.
        attributes: The search attributes to register.

    Returns:
        What was done, one line per action.

    Raises:
        SetupError: Temporal unreachable within ``wait`` seconds, or a search attribute exists
            with another type.
    """
    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    namespace = settings.temporal_namespace
    keys = list(attributes)
    done: list[str] = []
    client = await _with_retries(
        f"connecting to Temporal at {settings.temporal_address}", lambda: connect(settings), wait
    )

    async def describe_or_register() -> None:
        try:
            await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
            done.append(f"namespace {namespace!r} exists")
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            await client.workflow_service.register_namespace(
                RegisterNamespaceRequest(
                    namespace=namespace,
                    description="litestar-workflows",
                    workflow_execution_retention_period=Duration(seconds=int(retention.total_seconds())),
                )
            )
            done.append(f"namespace {namespace!r} created (retention {retention.days} days)")

    await _with_retries(f"setting up namespace {namespace!r}", describe_or_register, wait)
    try:
        # A namespace created a moment ago may not be visible to the operator API yet: retry.
        added = await _with_retries(
            f"registering search attributes in {namespace!r}",
            lambda: ensure_search_attributes(client, namespace, keys),
            wait,
        )
    except ValueError as exc:
        raise SetupError(str(exc)) from exc
    # ensure_search_attributes only warns where the operator API is not allowed (Temporal Cloud
    # with an API key): check what is really there rather than report success.
    present: set[str] | None
    try:
        listing = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
        present = set(listing.custom_attributes) | set(listing.system_attributes)
    except RPCError as exc:
        if exc.status not in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED):
            raise SetupError(f"listing the search attributes of {namespace!r} failed: {exc.message}") from exc
        present = None
    wanted = custom_search_attributes(keys)
    if present is not None and (missing := sorted(set(wanted) - present)):
        raise SetupError(
            f"search attributes {', '.join(missing)} are missing in {namespace!r} and could not be registered "
            "(no permission?); create them by hand, e.g. "
            + "; ".join(
                f"temporal operator search-attribute create --namespace {namespace} --name {n} --type {wanted[n]}"
                for n in missing
            )
        )
    for name, kind in sorted(wanted.items()):
        state = "added" if name in added else "exists" if present is not None else "not verified (no permission)"
        done.append(f"search attribute {name} ({kind}) {state}")
    return done


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
