"""WorkflowPlugin inside a host app, and the OpenAPI document (valid, complete, with form schemas)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, get
from litestar.openapi.config import OpenAPIConfig
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate

from api import WorkflowPlugin
from api.app import create_app
from examples.expense_approval import registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import assert_problem, auth_headers, gateway_settings


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    """A route of the host app."""
    return {"hello": "world"}


@pytest.fixture
async def host() -> Any:
    """A host app with its own route and the gateway under /wf."""
    app = Litestar(
        route_handlers=[hello],
        plugins=[WorkflowPlugin(settings=gateway_settings(), engine=LocalExecutionEngine(registry), path="/wf")],
        openapi_config=OpenAPIConfig(title="host", version="1"),
    )
    async with AsyncTestClient(app) as client:
        yield client


async def test_plugin_mounts_the_routes_under_a_prefix(host: AsyncTestClient[Any]) -> None:
    assert (await host.get("/hello")).json() == {"hello": "world"}  # the host's routes stay public
    assert_problem(await host.get("/wf/definitions"), 401, "unauthorized")
    assert (await host.get("/wf/health")).status_code == 200
    started = await host.post(
        "/wf/instances",
        json={"workflow_name": "expense_approval", "initial_data": {"amount": 3}, "business_key": "a/b"},
        headers=auth_headers("alice"),
    )
    assert started.status_code == 201
    body = started.json()
    assert started.headers["location"] == "/wf/instances/expense_approval%2Fa%2Fb"
    assert body["links"]["self"] == "/wf/instances/expense_approval%2Fa%2Fb"
    task = body["pending_tasks"][0]["links"]
    assert task["complete"] == "/wf/tasks/expense_approval%2Fa%2Fb/manager_approval/complete"
    assert (await host.get(task["self"], headers=auth_headers("bob"))).status_code == 200
    done = await host.post(task["complete"], json={"data": {"approved": True}}, headers=auth_headers("bob"))
    assert done.json()["status"] == "completed"
    assert_problem(await host.get("/wf/instances/nope", headers=auth_headers("bob")), 404, "instance-not-found")


async def test_host_schema_includes_the_gateway(host: AsyncTestClient[Any]) -> None:
    doc = (await host.get("/schema/openapi.json")).json()
    validate(doc)
    assert "/hello" in doc["paths"]
    assert "/wf/tasks/{instance_id}/{step_name}/complete" in doc["paths"]
    assert "expense_approval.1.0.0.manager_approval.Form" in doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert "security" not in doc["paths"]["/hello"]["get"]


async def test_openapi_document_is_valid_and_complete(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/schema/openapi.json", headers=auth_headers("alice"))
    assert response.status_code == 200
    doc = response.json()
    validate(doc)
    expected = {
        ("get", "/health"),
        ("get", "/ready"),
        ("get", "/definitions"),
        ("get", "/definitions/{name}"),
        ("get", "/definitions/{name}/graph"),
        ("get", "/definitions/{name}/graph/mermaid"),
        ("post", "/instances"),
        ("get", "/instances"),
        ("get", "/instances/{instance_id}"),
        ("post", "/instances/{instance_id}/cancel"),
        ("get", "/tasks"),
        ("get", "/tasks/{instance_id}/{step_name}"),
        ("post", "/tasks/{instance_id}/{step_name}/complete"),
    }
    found = {(method, path) for path, item in doc["paths"].items() for method in item}
    assert expected <= found
    public = {"/health", "/ready"}
    for method, path in expected:
        operation = doc["paths"][path][method]
        assert operation["summary"]
        if path not in public:
            assert operation["security"] == [{"BearerToken": []}], path
            assert "401" in operation["responses"], path
        for status, spec in operation["responses"].items():
            if status.startswith(("4", "5")):
                content = spec["content"]["application/problem+json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
                assert content["examples"], (path, status)

    complete = doc["paths"]["/tasks/{instance_id}/{step_name}/complete"]["post"]
    assert set(complete["responses"]) >= {"200", "202", "400", "401", "403", "404", "409", "413", "422", "503"}
    start = doc["paths"]["/instances"]["post"]
    assert set(start["responses"]) >= {"200", "201", "202", "400", "401", "404", "409", "413", "503"}
    headers = {p["name"] for p in complete["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key", "If-Match"}

    schemas = doc["components"]["schemas"]
    form = schemas["expense_approval.1.0.0.manager_approval.Form"]
    assert form["required"] == ["approved"]
    assert form["additionalProperties"] is False
    assert schemas["CompleteTaskRequest"]["additionalProperties"] is False
    assert schemas["StartInstanceRequest"]["properties"]["business_key"]["anyOf"][0]["pattern"]
    assert schemas["TaskView"]["properties"]["form_schema"]["description"]
    assert schemas["TaskView"]["examples"][0]["form_schema"]["required"] == ["approved"]
    assert "form-invalid" in str(complete["responses"]["422"])


async def test_docs_ui_is_served(client: AsyncTestClient[Any]) -> None:
    for path in ("/schema", "/schema/swagger", "/schema/openapi.yaml"):
        # Behind the token like the routes it documents (WORKFLOWS_SCHEMA_PUBLIC serves it to anyone).
        assert (await client.get(path)).status_code == 401, path
        assert (await client.get(path, headers=auth_headers("alice"))).status_code == 200, path
    async with AsyncTestClient(create_app(gateway_settings(schema_public=True), LocalExecutionEngine(registry))) as c:
        assert (await c.get("/schema/openapi.json")).status_code == 200


async def test_two_plugins_and_restarts_keep_encoded_ids_working() -> None:
    app = Litestar(
        plugins=[
            WorkflowPlugin(settings=gateway_settings(), engine=LocalExecutionEngine(registry), path="/a"),
            WorkflowPlugin(settings=gateway_settings(), engine=LocalExecutionEngine(registry), path="/b"),
        ]
    )
    for _ in range(2):  # a second lifespan must not wrap the app twice
        async with AsyncTestClient(app) as client:
            for prefix in ("/a", "/b"):
                started = await client.post(
                    f"{prefix}/instances",
                    json={"workflow_name": "expense_approval", "initial_data": {"amount": 1}, "business_key": "x/%y"},
                    headers=auth_headers("alice"),
                )
                assert started.status_code in (200, 201)
                link = started.json()["links"]["self"]
                assert link == f"{prefix}/instances/expense_approval%2Fx%2F%25y"
                fetched = await client.get(link, headers=auth_headers("alice"))
                assert fetched.json()["id"] == "expense_approval/x/%y"
