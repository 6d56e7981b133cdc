"""``litestar-workflows setup`` (docker compose's temporal-setup) against a real Temporal dev server."""

from __future__ import annotations

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
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from litestar_workflows.settings import Settings
from litestar_workflows.temporal.contracts import SEARCH_ATTRIBUTES
from litestar_workflows.temporal.setup import SetupError, custom_search_attributes, ensure_namespace


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


async def plain_connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)


ATTRIBUTES: list[SearchAttributeKey[Any]] = [
    SearchAttributeKey.for_keyword("LwTestDefinition"),
    SearchAttributeKey.for_keyword_list("LwTestPendingSteps"),
    SearchAttributeKey.for_int("LwTestCount"),
]


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
    assert {key.name for key in ATTRIBUTES} <= set(listing.custom_attributes)

    again = await ensure_namespace(settings, timedelta(days=3), 30, connect=plain_connect, attributes=ATTRIBUTES)
    assert again[0] == "namespace 'lw-setup-test' exists"
    assert "search attribute LwTestCount (Int) exists" in again


async def test_a_type_clash_is_reported_without_retrying(dev_server: WorkflowEnvironment) -> None:
    settings = settings_for(dev_server, "lw-setup-clash")
    await ensure_namespace(
        settings, timedelta(days=1), 30, connect=plain_connect, attributes=[SearchAttributeKey.for_keyword("LwClash")]
    )
    with pytest.raises(SetupError, match="'LwClash' exists as INDEXED_VALUE_TYPE_KEYWORD"):
        await ensure_namespace(
            settings, timedelta(days=1), 30, connect=plain_connect, attributes=[SearchAttributeKey.for_int("LwClash")]
        )


async def test_unreachable_temporal_gives_up_with_the_address() -> None:
    settings = Settings(TEMPORAL_ADDRESS="127.0.0.1:1", TEMPORAL_NAMESPACE="x")  # type: ignore[call-arg]
    with pytest.raises(SetupError, match=r"connecting to Temporal at 127\.0\.0\.1:1 failed after 1s: Temporal at"):
        await ensure_namespace(settings, timedelta(days=1), 1, attributes=[])


def test_search_attribute_names_come_from_the_temporal_contracts() -> None:
    found = custom_search_attributes()
    assert found == {key.name: found[key.name] for key in SEARCH_ATTRIBUTES}
    assert found["DefinitionName"] == "Keyword"
    assert found["PendingSteps"] == "KeywordList"
    assert found["WaitingSince"] == "Datetime"
    assert list(found.values()).count("KeywordList") <= 3  # the SQL visibility limit per namespace
