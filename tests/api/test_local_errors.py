"""Every error status of the gateway, with its problem body, over LocalExecutionEngine.

A rejected request changes no state: each rejection is followed by a look at the instance.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import assert_problem, auth_headers, gateway_settings

EXPENSE = {"requester_id": "alice", "amount": 250.0}
TASK = "/tasks/expense_approval%2Fe-1/manager_approval"


@pytest.fixture
async def waiting(client: AsyncTestClient[Any]) -> dict[str, Any]:
    """An instance waiting at manager_approval."""
    response = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": EXPENSE, "business_key": "e-1"},
        headers=auth_headers("alice"),
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


async def still_waiting(client: AsyncTestClient[Any]) -> None:
    instance = (await client.get("/instances/expense_approval%2Fe-1", headers=auth_headers("bob"))).json()
    assert instance["status"] == "waiting"
    assert [t["step_name"] for t in instance["pending_tasks"]] == ["manager_approval"]
    assert not any(h["completed_by"] for h in instance["history"])


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"{not json", "malformed"),
        (b"", "a json request body is required"),
        (b"[1, 2]", ""),
        (b'"text"', ""),
    ],
)
async def test_400_malformed_body(
    client: AsyncTestClient[Any], waiting: dict[str, Any], content: bytes, detail: str
) -> None:
    response = await client.post(
        TASK + "/complete", content=content, headers=auth_headers("bob", **{"Content-Type": "application/json"})
    )
    body = assert_problem(response, 400, response.json()["code"])
    assert body["code"] in ("malformed-request", "validation-error")
    assert detail in body["detail"].lower()
    await still_waiting(client)


async def test_400_unknown_and_wrong_fields_list_each_field(
    client: AsyncTestClient[Any], waiting: dict[str, Any]
) -> None:
    response = await client.post(
        TASK + "/complete",
        json={"data": {"approved": True}, "user_id": "bob", "comment": 5},
        headers=auth_headers("bob"),
    )
    body = assert_problem(response, 400, "validation-error")
    pointers = {(e["pointer"], e["source"]) for e in body["errors"]}
    assert ("/user_id", "body") in pointers
    assert ("/comment", "body") in pointers
    await still_waiting(client)

    start = await client.post(
        "/instances",
        json={"workflow_name": "", "initial_data": [], "business_key": "has space"},
        headers=auth_headers("a"),
    )
    body = assert_problem(start, 400, "validation-error")
    assert {e["pointer"] for e in body["errors"]} == {"/workflow_name", "/initial_data", "/business_key"}


@pytest.mark.parametrize(
    ("url", "pointer", "source"),
    [
        ("/instances?limit=0", "/limit", "query"),
        ("/instances?limit=abc", "/limit", "query"),
        ("/instances?status=sleeping", "/status", "query"),
        ("/tasks?limit=201", "/limit", "query"),
    ],
)
async def test_400_bad_query_parameters(client: AsyncTestClient[Any], url: str, pointer: str, source: str) -> None:
    body = assert_problem(await client.get(url, headers=auth_headers("bob")), 400, "validation-error")
    assert body["errors"][0]["pointer"] == pointer
    assert body["errors"][0]["source"] == source


async def test_400_bad_idempotency_key_header(client: AsyncTestClient[Any], waiting: dict[str, Any]) -> None:
    response = await client.post(
        TASK + "/complete",
        json={"data": {"approved": True}},
        headers=auth_headers("bob", **{"Idempotency-Key": "has space"}),
    )
    body = assert_problem(response, 400, "validation-error")
    assert body["errors"][0] == {
        "pointer": "/Idempotency-Key",
        "message": body["errors"][0]["message"],
        "source": "header",
    }
    await still_waiting(client)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-jwt",
        "Basic Ym9iOnB3",
    ],
)
async def test_401_without_valid_credentials(
    client: AsyncTestClient[Any], waiting: dict[str, Any], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.post(TASK + "/complete", json={"data": {"approved": True}}, headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")
    await still_waiting(client)


async def test_403_outside_candidate_groups_task_stays_pending(
    client: AsyncTestClient[Any], waiting: dict[str, Any]
) -> None:
    response = await client.post(TASK + "/complete", json={"data": {"approved": True}}, headers=auth_headers("alice"))
    body = assert_problem(response, 403, "not-allowed", detail_contains="'managers'")
    assert body["instance_id"] == "expense_approval/e-1"
    assert body["step_name"] == "manager_approval"
    await still_waiting(client)
    inbox = (await client.get("/tasks", headers=auth_headers("bob"))).json()
    assert [t["step_name"] for t in inbox["items"]] == ["manager_approval"]


async def test_404s(client: AsyncTestClient[Any], waiting: dict[str, Any]) -> None:
    bob = auth_headers("bob")
    assert_problem(await client.get("/definitions/payroll", headers=bob), 404, "definition-not-found")
    assert_problem(
        await client.post("/instances", json={"workflow_name": "payroll"}, headers=bob), 404, "definition-not-found"
    )
    assert_problem(await client.get("/instances/nope", headers=bob), 404, "instance-not-found")
    assert_problem(await client.post("/instances/nope/cancel", headers=bob), 404, "instance-not-found")
    assert_problem(
        await client.post("/tasks/nope/manager_approval/complete", json={"data": {}}, headers=bob),
        404,
        "instance-not-found",
    )
    assert_problem(
        await client.post("/tasks/expense_approval%2Fe-1/ceo_approval/complete", json={"data": {}}, headers=bob),
        404,
        "task-not-found",
    )
    assert_problem(await client.get("/tasks/expense_approval%2Fe-1/ceo_approval", headers=bob), 404, "task-not-found")
    assert_problem(
        await client.get("/tasks/expense_approval%2Fe-1/vp_approval", headers=bob),
        404,
        "task-not-found",
        detail_contains="waiting at 'manager_approval'",
    )
    assert_problem(await client.get("/no/such/route", headers=bob), 404, "not-found")
    await still_waiting(client)


async def test_405(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.delete("/instances", headers=auth_headers("bob")), 405, "method-not-allowed")


async def test_409s(client: AsyncTestClient[Any], waiting: dict[str, Any]) -> None:
    bob = auth_headers("bob")
    assert_problem(
        await client.post("/tasks/expense_approval%2Fe-1/vp_approval/complete", json={"data": {}}, headers=bob),
        409,
        "step-not-waiting",
        detail_contains="waiting at 'manager_approval'",
    )
    assert_problem(
        await client.post("/tasks/expense_approval%2Fe-1/submit_request/complete", json={"data": {}}, headers=bob),
        409,
        "step-not-waiting",
        detail_contains="machine step",
    )
    await still_waiting(client)
    conflict = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {"amount": 5}, "business_key": "e-1"},
        headers=bob,
    )
    assert_problem(conflict, 409, "business-key-conflict")
    await still_waiting(client)
    # Large amount: after the manager the instance waits for a VP, so a repeat is "already completed".
    big = await client.post(  # started by alice: bob may not approve his own expense (four-eyes)
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {"amount": 9000}},
        headers=auth_headers("alice"),
    )
    url = big.json()["pending_tasks"][0]["links"]["complete"]
    assert (await client.post(url, json={"data": {"approved": True}}, headers=bob)).status_code == 200
    assert_problem(
        await client.post(url, json={"data": {"approved": True}}, headers=bob),
        409,
        "task-already-completed",
        detail_contains="by 'bob'",
    )
    await client.post(big.json()["links"]["cancel"], headers=auth_headers("alice"))
    assert_problem(
        await client.post(big.json()["links"]["cancel"], headers=auth_headers("alice")), 409, "instance-finished"
    )


async def test_413_body_too_large(engine: LocalExecutionEngine) -> None:
    app = create_app(gateway_settings(max_body_size=2048), engine)
    async with AsyncTestClient(app) as client:
        response = await client.post(
            "/instances",
            json={"workflow_name": "expense_approval", "initial_data": {"blob": "x" * 4096}},
            headers=auth_headers("alice"),
        )
        assert_problem(response, 413, "payload-too-large", detail_contains="2048")
        assert (await client.get("/instances", headers=auth_headers("alice"))).json()["items"] == []


async def test_422_lists_every_failing_field(client: AsyncTestClient[Any], waiting: dict[str, Any]) -> None:
    response = await client.post(
        TASK + "/complete", json={"data": {"approved": "yes", "comments": 5, "extra": 1}}, headers=auth_headers("bob")
    )
    body = assert_problem(response, 422, "form-invalid")
    assert {e["pointer"] for e in body["errors"]} == {"/approved", "/comments", "/extra"}
    assert all(e["message"] for e in body["errors"])
    missing = await client.post(TASK + "/complete", json={"data": {}}, headers=auth_headers("bob"))
    assert assert_problem(missing, 422, "form-invalid")["errors"] == [
        {"pointer": "/approved", "message": "'approved' is a required property", "source": "body"}
    ]
    await still_waiting(client)


async def test_503_when_the_engine_is_not_connected() -> None:
    # A gateway whose engine is built in the lifespan answers 503 until then (here: lifespan not run).
    client = AsyncTestClient(create_app(gateway_settings()))
    response = await client.get("/instances", headers=auth_headers("bob"))
    assert_problem(response, 503, "engine-unavailable")
    assert response.headers["retry-after"] == "5"
    ready = await client.get("/ready")
    assert_problem(ready, 503, "not-ready")
    assert ready.headers["retry-after"] == "5"


async def test_400_cursor_not_issued_for_this_query(client: AsyncTestClient[Any]) -> None:
    for i in range(3):
        await client.post(
            "/instances",
            json={"workflow_name": "expense_approval", "initial_data": EXPENSE, "business_key": f"cur-{i}"},
            headers=auth_headers("alice"),
        )
    page = (await client.get("/tasks", params={"limit": 1}, headers=auth_headers("bob"))).json()
    cursor = page["next_cursor"]
    assert cursor
    assert (await client.get("/tasks", params={"cursor": cursor}, headers=auth_headers("bob"))).status_code == 200
    # Another caller, another query, or a tampered cursor: 400 before the engine sees it.
    for headers, path, value in (
        (auth_headers("bert"), "/tasks", cursor),
        (auth_headers("bob"), "/instances", cursor),
        (auth_headers("bob"), "/tasks", cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")),
        (auth_headers("bob"), "/tasks", "AAAA"),
    ):
        body = assert_problem(
            await client.get(path, params={"cursor": value}, headers=headers), 400, "validation-error"
        )
        assert body["errors"] == [{"pointer": "/cursor", "message": body["errors"][0]["message"], "source": "query"}]
