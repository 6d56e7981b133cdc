"""``WorkflowPlugin(WorkflowPluginConfig(...))`` as in 0.3.3, mounting our gateway."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.testing import AsyncTestClient

from litestar_workflows import LocalExecutionEngine, WorkflowPlugin, WorkflowPluginConfig, WorkflowRegistry
from tests.api.conftest import auth_headers, gateway_settings
from tests.compat.flows import ApprovalWorkflow


@get("/count", sync_to_thread=False)
def count(
    workflow_registry: NamedDependency[WorkflowRegistry], workflow_engine: NamedDependency[LocalExecutionEngine]
) -> dict[str, Any]:
    """A host route using the injected registry and engine."""
    return {"definitions": len(workflow_registry.list_definitions()), "engine": type(workflow_engine).__name__}


def no_mallory(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if connection.headers.get("x-user") == "mallory":
        raise PermissionDeniedException("not mallory")


async def test_published_config_mounts_the_gateway_with_a_local_engine() -> None:
    plugin = WorkflowPlugin(
        WorkflowPluginConfig(
            auto_register_workflows=[ApprovalWorkflow],
            api_path_prefix="/api/wf",
            api_guards=[no_mallory],
            settings=gateway_settings(),
        )
    )
    assert plugin.registry.get_workflow_class("compat_approval") is ApprovalWorkflow
    assert isinstance(plugin.engine, LocalExecutionEngine)
    app = Litestar(route_handlers=[count], plugins=[plugin])
    async with AsyncTestClient(app) as client:
        assert (await client.get("/count")).json() == {"definitions": 1, "engine": "LocalExecutionEngine"}
        started = await client.post(
            "/api/wf/instances",
            json={"workflow_name": "compat_approval", "initial_data": {"amount": 5000}},
            headers=auth_headers("alice"),
        )
        assert started.status_code == 201 and started.json()["status"] == "waiting"
        assert (await client.get("/api/wf/definitions")).status_code == 401  # tokens are always required
        guarded = await client.get("/api/wf/definitions", headers={**auth_headers("mallory"), "x-user": "mallory"})
        assert guarded.status_code == 403


async def test_api_can_be_left_out() -> None:
    registry = WorkflowRegistry()
    plugin = WorkflowPlugin(WorkflowPluginConfig(registry=registry, enable_api=False, settings=gateway_settings()))
    app = Litestar(route_handlers=[count], plugins=[plugin])
    async with AsyncTestClient(app) as client:
        assert (await client.get("/count")).json() == {"definitions": 0, "engine": "LocalExecutionEngine"}
        assert (await client.get("/workflows/health")).status_code == 404


def test_a_registry_other_than_the_engines_is_refused() -> None:
    engine = LocalExecutionEngine(WorkflowRegistry())
    with pytest.raises(ValueError, match="registry"):
        WorkflowPlugin(WorkflowPluginConfig(registry=WorkflowRegistry(), engine=engine, settings=gateway_settings()))
    plugin = WorkflowPlugin(WorkflowPluginConfig(engine=engine, settings=gateway_settings()))
    assert plugin.engine is engine and plugin.registry is engine.registry
