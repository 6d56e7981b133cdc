"""The gateway over a real Temporal dev server and worker (the dev server of tests/conftest.py).

The app is built as in production: no engine given, so its lifespan opens one Temporal client
and builds the TemporalExecutionEngine. The worker runs on its own thread (``api_worker``).
Covered: the whole expense flow over HTTP, each error status with its problem body, two users
completing one task concurrently, authorization enforced by the workflow (history unchanged),
idempotent start and completion, settle timeouts (202), readiness, 503 without Temporal.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from litestar.testing import AsyncTestClient
from openapi_spec_validator import validate
from temporalio.client import Client

from api.app import create_app
from tests.api.conftest import LiveServer, ThreadWorker, assert_problem, auth_headers, temporal_settings
from tests.api.defs import slow_registry

EXPENSE = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}


def key() -> str:
    """A business key no other test uses (the dev server lives for the whole session)."""
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
async def tclient(temporal_address: str, api_worker: str) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client of create_app wired to the dev server (its own client, opened in the lifespan)."""
    async with AsyncTestClient(create_app(temporal_settings(temporal_address, api_worker))) as client:
        yield client


@pytest.fixture(scope="module")
def live_temporal_gateway(temporal_address: str, api_worker: str) -> Iterator[str]:
    """The same app served by uvicorn over real HTTP (for truly concurrent requests)."""
    with LiveServer(create_app(temporal_settings(temporal_address, api_worker))) as server:
        yield server.url


async def start(client: AsyncTestClient[Any], business_key: str, **data: Any) -> dict[str, Any]:
    response = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {**EXPENSE, **data}, "business_key": business_key},
        headers=auth_headers("alice"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def get(client: AsyncTestClient[Any], instance_id: str) -> dict[str, Any]:
    response = await client.get(f"/instances/{quote(instance_id, safe='')}", headers=auth_headers("bob"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_expense_flow_over_http(tclient: AsyncTestClient[Any]) -> None:
    bk = key()
    started = await start(tclient, bk, amount=7500)
    assert started["id"] == f"expense_approval/{bk}"
    assert (started["status"], started["current_step"], started["started_by"]) == (
        "waiting",
        "manager_approval",
        "alice",
    )
    task = started["pending_tasks"][0]
    assert task["form_schema"]["required"] == ["approved"]

    one = await tclient.get(task["links"]["self"], headers=auth_headers("bob"))
    assert one.status_code == 200 and one.json()["can_complete"] is True

    manager = await tclient.post(
        task["links"]["complete"],
        json={"data": {"approved": True, "comments": "ok"}, "comment": "within budget"},
        headers=auth_headers("bob"),
    )
    assert manager.status_code == 200, manager.text
    assert manager.json()["current_step"] == "vp_approval"
    vp_url = manager.json()["pending_tasks"][0]["links"]["complete"]
    final = await tclient.post(vp_url, json={"data": {"approved": True}}, headers=auth_headers("carol"))
    assert final.status_code == 200, final.text
    body = final.json()
    assert body["status"] == "completed"
    assert body["data"]["status"] == "approved"
    decided = {h["step_name"]: h["completed_by"] for h in body["history"] if h["completed_by"]}
    assert decided == {"manager_approval": "bob", "vp_approval": "carol"}
    assert (await get(tclient, started["id"]))["status"] == "completed"


async def test_inbox_lists_tasks_by_group(tclient: AsyncTestClient[Any]) -> None:
    bk = key()
    started = await start(tclient, bk)
    # Visibility is eventually consistent: wait for the instance to be indexed.
    for _ in range(100):
        inbox = (
            await tclient.get("/tasks", params={"workflow_name": "expense_approval"}, headers=auth_headers("bob"))
        ).json()
        if any(t["instance_id"] == started["id"] for t in inbox["items"]):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the task never appeared in bob's inbox")
    mine = (await tclient.get("/tasks", headers=auth_headers("mallory"))).json()
    assert all(t["instance_id"] != started["id"] for t in mine["items"])


async def test_problem_bodies_on_temporal(tclient: AsyncTestClient[Any]) -> None:
    bk = key()
    started = await start(tclient, bk)
    iid = quote(started["id"], safe="")
    url = f"/tasks/{iid}/manager_approval/complete"
    bob = auth_headers("bob")

    assert_problem(
        await tclient.post(url, content=b"{nope", headers={**bob, "Content-Type": "application/json"}),
        400,
        "malformed-request",
    )
    body = assert_problem(
        await tclient.post(url, json={"data": {"approved": True}, "user_id": "bob"}, headers=bob),
        400,
        "validation-error",
    )
    assert body["errors"][0]["pointer"] == "/user_id"
    assert_problem(await tclient.post(url, json={"data": {"approved": True}}), 401, "unauthorized")
    assert_problem(await tclient.get("/definitions/payroll", headers=bob), 404, "definition-not-found")
    assert_problem(await tclient.get("/instances/expense_approval%2Fnope-404", headers=bob), 404, "instance-not-found")
    assert_problem(
        await tclient.post(
            "/tasks/expense_approval%2Fnope-404/manager_approval/complete", json={"data": {}}, headers=bob
        ),
        404,
        "instance-not-found",
    )
    assert_problem(
        await tclient.post(f"/tasks/{iid}/ceo_approval/complete", json={"data": {}}, headers=bob),
        404,
        "task-not-found",
    )
    assert_problem(
        await tclient.post(f"/tasks/{iid}/vp_approval/complete", json={"data": {"approved": True}}, headers=bob),
        409,
        "step-not-waiting",
        detail_contains="manager_approval",
    )
    form = assert_problem(
        await tclient.post(url, json={"data": {"approved": "yes", "extra": 1}}, headers=bob), 422, "form-invalid"
    )
    assert {e["pointer"] for e in form["errors"]} == {"/approved", "/extra"}
    conflict = await tclient.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {"amount": 1}, "business_key": bk},
        headers=bob,
    )
    assert_problem(conflict, 409, "business-key-conflict")

    # Nothing above changed the instance.
    unchanged = await get(tclient, started["id"])
    assert unchanged["status"] == "waiting"
    assert [t["step_name"] for t in unchanged["pending_tasks"]] == ["manager_approval"]
    assert unchanged["history"] == started["history"]

    done = await tclient.post(url, json={"data": {"approved": True}}, headers=bob)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert_problem(await tclient.post(url, json={"data": {"approved": True}}, headers=bob), 409, "instance-finished")
    assert_problem(await tclient.post(done.json()["links"]["self"] + "/cancel", headers=bob), 403, "forbidden")
    assert_problem(
        await tclient.post(done.json()["links"]["self"] + "/cancel", headers=auth_headers("alice")),
        409,
        "instance-finished",
    )


async def test_task_already_completed_on_temporal(tclient: AsyncTestClient[Any]) -> None:
    started = await start(tclient, key(), amount=9000)
    url = started["pending_tasks"][0]["links"]["complete"]
    assert (await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers("bob"))).status_code == 200
    assert_problem(
        await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers("bert")),
        409,
        "task-already-completed",
        detail_contains="by 'bob'",
    )


async def test_two_users_complete_concurrently_one_wins(live_temporal_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=live_temporal_gateway, timeout=60) as http:
        started = await http.post(
            "/instances",
            json={
                "workflow_name": "expense_approval",
                "initial_data": {**EXPENSE, "amount": 9000},
                "business_key": key(),
            },
            headers=auth_headers("alice"),
        )
        assert started.status_code == 201, started.text
        url = started.json()["pending_tasks"][0]["links"]["complete"]
        responses = await asyncio.gather(
            http.post(url, json={"data": {"approved": True}}, headers=auth_headers("bob")),
            http.post(url, json={"data": {"approved": False}}, headers=auth_headers("bert")),
        )
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.headers["content-type"].startswith("application/problem+json")
        assert loser.json()["code"] in ("task-already-completed", "step-not-waiting")
        winner = next(r for r in responses if r.status_code == 200).json()
        state = (await http.get(started.json()["links"]["self"], headers=auth_headers("bob"))).json()
    completions = [h for h in state["history"] if h["step_name"] == "manager_approval" and h["completed_by"]]
    assert len(completions) == 1
    assert completions[0]["completed_by"] == next(
        h["completed_by"] for h in winner["history"] if h["step_name"] == "manager_approval"
    )
    assert state["current_step"] == ("vp_approval" if completions[0]["data"]["approved"] else None)


async def test_refused_completions_write_nothing(tclient: AsyncTestClient[Any], temporal_client: Client) -> None:
    # temporal_client (on the test's loop) reads the history between requests.
    started = await start(tclient, key())
    handle = temporal_client.get_workflow_handle(started["id"])
    before = len((await handle.fetch_history()).events)
    url = started["pending_tasks"][0]["links"]["complete"]
    # alice may read her instance but not approve it; mallory and carol took no part: 404.
    response = await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers("alice"))
    body = assert_problem(response, 403, "not-allowed", detail_contains="'managers'")
    assert body["step_name"] == "manager_approval"
    for user in ("mallory", "carol"):
        response = await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers(user))
        assert_problem(response, 404, "instance-not-found")
    after = await get(tclient, started["id"])
    assert after["status"] == "waiting"
    assert [t["step_name"] for t in after["pending_tasks"]] == ["manager_approval"]
    # Rejected in the update validator: not a single event was written to the history.
    assert len((await handle.fetch_history()).events) == before


async def test_idempotent_start_and_completion(tclient: AsyncTestClient[Any]) -> None:
    bk = key()
    first = await start(tclient, bk)
    again = await tclient.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": EXPENSE, "business_key": bk},
        headers=auth_headers("alice"),
    )
    assert again.status_code == 200 and again.json()["id"] == first["id"]

    header_key = key()
    headers = auth_headers("alice", **{"Idempotency-Key": header_key})
    payload = {"workflow_name": "expense_approval", "initial_data": EXPENSE}
    created = await tclient.post("/instances", json=payload, headers=headers)
    replayed = await tclient.post("/instances", json=payload, headers=headers)
    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json()["id"] == replayed.json()["id"]
    assert created.json()["id"].startswith("expense_approval/idem-")  # the key is scoped by user

    url = first["pending_tasks"][0]["links"]["complete"]
    decision = auth_headers("bob", **{"Idempotency-Key": "decide-" + bk})
    one = await tclient.post(url, json={"data": {"approved": True}}, headers=decision)
    two = await tclient.post(url, json={"data": {"approved": True}}, headers=decision)
    assert one.status_code == two.status_code == 200
    assert one.json()["status"] == two.json()["status"] == "completed"
    history = (await get(tclient, first["id"]))["history"]
    assert len([h for h in history if h["step_name"] == "manager_approval" and h["completed_by"]]) == 1
    assert_problem(
        await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers("bob")),
        409,
        "instance-finished",
    )


async def test_cancel_on_temporal(tclient: AsyncTestClient[Any]) -> None:
    started = await start(tclient, key())
    canceled = await tclient.post(started["links"]["cancel"], json={"reason": "dup"}, headers=auth_headers("alice"))
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["status"] == "canceled"
    assert "dup" in canceled.json()["error"]


async def test_settle_timeout_is_202_and_the_instance_goes_on(temporal_address: str) -> None:
    queue = f"tests-api-slow-{uuid.uuid4().hex[:6]}"
    settings = temporal_settings(temporal_address, queue, definitions="tests.api.defs:slow", settle_timeout=0.5)
    with ThreadWorker(temporal_address, slow_registry(), queue):
        async with AsyncTestClient(create_app(settings)) as client:
            bk = key()
            response = await client.post(
                "/instances",
                json={"workflow_name": "slow", "initial_data": {"delay": 2.0}, "business_key": bk},
                headers=auth_headers("alice"),
            )
            assert response.status_code == 202, response.text
            assert response.headers["location"] == f"/instances/slow%2F{bk}"
            assert response.json()["instance_id"] == f"slow/{bk}"
            for _ in range(100):
                state = (await client.get(response.headers["location"], headers=auth_headers("alice"))).json()
                if state["status"] == "completed":
                    break
                await asyncio.sleep(0.1)
            assert state["status"] == "completed" and state["data"]["slept"] is True


async def test_ready_needs_a_polling_worker(tclient: AsyncTestClient[Any], temporal_address: str) -> None:
    ready = await tclient.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["worker"].startswith("polling")
    async with AsyncTestClient(create_app(temporal_settings(temporal_address, "nobody-polls-this"))) as client:
        response = await client.get("/ready")
        assert_problem(response, 503, "not-ready", detail_contains="nobody-polls-this")
        assert response.headers["retry-after"] == "5"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_503_when_temporal_is_unreachable() -> None:
    settings = temporal_settings(f"127.0.0.1:{_closed_port()}")
    async with AsyncTestClient(create_app(settings)) as client:
        assert (await client.get("/health")).status_code == 200
        for method, path, body in (
            ("GET", "/instances", None),
            ("GET", "/instances/expense_approval%2Fx", None),
            ("POST", "/instances", {"workflow_name": "expense_approval", "initial_data": EXPENSE}),
            ("POST", "/tasks/expense_approval%2Fx/manager_approval/complete", {"data": {"approved": True}}),
        ):
            response = await client.request(method, path, json=body, headers=auth_headers("bob"))
            assert_problem(response, 503, "engine-unavailable")
            assert response.headers["retry-after"] == "5"
        assert_problem(await client.get("/ready"), 503, "not-ready")
        # Definitions come from the gateway's own registry: still served.
        assert (await client.get("/definitions", headers=auth_headers("bob"))).status_code == 200


async def test_openapi_document_validates_on_temporal(tclient: AsyncTestClient[Any]) -> None:
    doc = (await tclient.get("/schema/openapi.json", headers=auth_headers("alice"))).json()
    validate(doc)
    schemas = doc["components"]["schemas"]
    assert {"expense_approval.1.0.0.manager_approval.Form", "expense_approval.1.0.0.vp_approval.Form"} <= set(schemas)


async def test_made_up_cursors_and_filters_are_400_not_5xx(tclient: AsyncTestClient[Any]) -> None:
    bob = auth_headers("bob")
    for path in ("/instances", "/tasks"):
        # Valid base64 that Temporal cannot use as a page token.
        body = assert_problem(await tclient.get(path, params={"cursor": "AAAA"}, headers=bob), 400, "validation-error")
        assert body["errors"][0]["pointer"] == "/cursor"
        assert_problem(await tclient.get(path, params={"cursor": "not base64!"}, headers=bob), 400, "validation-error")
        nul = await tclient.get(path, params={"workflow_name": "a\x00b"}, headers=bob)
        assert_problem(nul, 400, "validation-error")
    page = (await tclient.get("/instances", params={"limit": 1}, headers=bob)).json()
    if page["next_cursor"]:
        follow = await tclient.get("/instances", params={"limit": 1, "cursor": page["next_cursor"]}, headers=bob)
        assert follow.status_code == 200
