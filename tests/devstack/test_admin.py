"""``litestar-workflows setup`` (docker compose's temporal-setup) against a real Temporal dev server."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from litestar_workflows.admin import SetupError, custom_search_attributes, ensure_namespace
from litestar_workflows.settings import Settings


def temporal_cli() -> str:
    return shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")


@pytest.fixture(scope="module")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=temporal_cli())
    try:
        yield env
    finally:
        await env.shutdown()


def settings_for(env: WorkflowEnvironment, namespace: str) -> Settings:
    target = env.client.service_client.config.target_host
    return Settings(TEMPORAL_ADDRESS=target, TEMPORAL_NAMESPACE=namespace)  # type: ignore[call-arg]


async def plain_connect(settings: Settings) -> Any:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)


ATTRIBUTES = {"LwTestDefinition": "Keyword", "LwTestPendingSteps": "KeywordList", "LwTestCount": "Int"}


async def test_creates_namespace_and_attributes_then_is_idempotent(dev_server: WorkflowEnvironment) -> None:
    settings = settings_for(dev_server, "lw-setup-test")
    done = await ensure_namespace(settings, timedelta(days=3), 30, connect=plain_connect, attributes=ATTRIBUTES)
    assert done[0] == "namespace 'lw-setup-test' created (retention 3 days)"
    assert "search attribute LwTestPendingSteps (KeywordList) added" in done
    client = dev_server.client
    described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace="lw-setup-test"))
    assert described.config.workflow_execution_retention_ttl.seconds == 3 * 86400
    listing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="lw-setup-test")
    )
    assert set(ATTRIBUTES) <= set(listing.custom_attributes)

    again = await ensure_namespace(settings, timedelta(days=3), 30, connect=plain_connect, attributes=ATTRIBUTES)
    assert again[0] == "namespace 'lw-setup-test' exists"
    assert "search attribute LwTestCount (Int) exists" in again


async def test_a_type_clash_is_reported_without_retrying(dev_server: WorkflowEnvironment) -> None:
    settings = settings_for(dev_server, "lw-setup-clash")
    await ensure_namespace(settings, timedelta(days=1), 30, connect=plain_connect, attributes={"LwClash": "Keyword"})
    with pytest.raises(SetupError, match="LwClash is Keyword, not Int"):
        await ensure_namespace(settings, timedelta(days=1), 30, connect=plain_connect, attributes={"LwClash": "Int"})


async def test_unreachable_temporal_gives_up_with_the_address() -> None:
    settings = Settings(TEMPORAL_ADDRESS="127.0.0.1:1", TEMPORAL_NAMESPACE="x")  # type: ignore[call-arg]
    with pytest.raises(SetupError, match=r"connecting to Temporal at 127\.0\.0\.1:1 failed after 1s"):
        await ensure_namespace(settings, timedelta(days=1), 1, connect=plain_connect, attributes={})


def test_search_attribute_names_come_from_the_temporal_integration() -> None:
    found = custom_search_attributes()
    if importlib.util.find_spec("litestar_workflows.engine.temporal") is None:
        assert found == {}
    else:
        assert found, "litestar_workflows.engine.temporal.SEARCH_ATTRIBUTES should define the attributes"
        assert set(found.values()) <= {"Text", "Keyword", "Int", "Double", "Bool", "Datetime", "KeywordList"}
        assert list(found.values()).count("KeywordList") <= 3  # the SQL visibility limit per namespace
