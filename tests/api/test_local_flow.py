"""The gateway over LocalExecutionEngine: flows, idempotency, inbox, paging, cancel, definitions."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import httpx
from litestar.testing import AsyncTestClient

from api.app import create_app
from examples.expense_approval import registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import LiveServer, assert_problem, auth_headers, gateway_settings
from tests.api.defs import slow_registry

EXPENSE = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}


async def start(client: AsyncTestClient[Any], user: str = "alice", **body: Any) -> dict[str, Any]:
    payload = {"workflow_name": "expense_approval", "initial_data": EXPENSE, **body}
    response = await client.post("/instances", json=payload, headers=auth_headers(user))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_expense_flow_over_http(client: AsyncTestClient[Any]) -> None:
    started = await start(client, business_key="exp-1")
    assert started["id"] == "expense_approval/exp-1"
    assert started["status"] == "waiting"
    assert started["current_step"] == "manager_approval"
    assert started["started_by"] == "alice"
    [task] = started["pending_tasks"]
    assert task["form_schema"]["required"] == ["approved"]
    assert task["candidate_groups"] == ["managers"]
    assert task["can_complete"] is False  # alice is not a manager
    assert task["links"]["complete"] == "/tasks/expense_approval%2Fexp-1/manager_approval/complete"

    # The inbox: bob (managers) sees it, alice does not.
    bob_inbox = (await client.get("/tasks", headers=auth_headers("bob"))).json()
    assert [t["instance_id"] for t in bob_inbox["items"]] == ["expense_approval/exp-1"]
    assert bob_inbox["items"][0]["can_complete"] is True
    assert (await client.get("/tasks", headers=auth_headers("alice"))).json()["items"] == []

    one = await client.get(task["links"]["self"], headers=auth_headers("bob"))
    assert one.status_code == 200
    assert one.json()["form_schema"] == task["form_schema"]

    done = await client.post(
        task["links"]["complete"],
        json={"data": {"approved": True, "comments": "ok"}, "comment": "within budget"},
        headers=auth_headers("bob"),
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "completed"
    assert body["data"]["status"] == "approved"
    assert body["pending_tasks"] == []
    assert "cancel" not in body["links"] or body["links"]["cancel"] is None
    approval = next(h for h in body["history"] if h["step_name"] == "manager_approval")
    assert approval["completed_by"] == "bob"
    assert approval["comment"] == "within budget"
    assert approval["data"] == {"approved": True, "comments": "ok"}

    fetched = await client.get(started["links"]["self"], headers=auth_headers("bob"))
    assert fetched.json()["status"] == "completed"
    # Someone who took no part in it is told it does not exist (docs/security.md).
    assert_problem(
        await client.get(started["links"]["self"], headers=auth_headers("mallory")), 404, "instance-not-found"
    )


async def test_large_amount_goes_to_a_vp(client: AsyncTestClient[Any]) -> None:
    started = await start(client, initial_data={"amount": 9000})
    iid = quote(started["id"], safe="")
    after_manager = await client.post(
        f"/tasks/{iid}/manager_approval/complete", json={"data": {"approved": True}}, headers=auth_headers("bob")
    )
    assert after_manager.json()["current_step"] == "vp_approval"
    assert_problem(
        await client.post(
            f"/tasks/{iid}/vp_approval/complete", json={"data": {"approved": True}}, headers=auth_headers("bob")
        ),
        403,
        "not-allowed",
        detail_contains="'vps'",
    )
    final = await client.post(
        f"/tasks/{iid}/vp_approval/complete", json={"data": {"approved": False}}, headers=auth_headers("carol")
    )
    assert final.json()["data"]["status"] == "rejected"


async def test_idempotent_start_by_business_key_and_header(client: AsyncTestClient[Any]) -> None:
    first = await start(client, business_key="k-1")
    again = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": EXPENSE, "business_key": "k-1"},
        headers=auth_headers("alice"),
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.headers["location"] == "/instances/expense_approval%2Fk-1"

    headers = auth_headers("alice", **{"Idempotency-Key": "req-7"})
    payload = {"workflow_name": "expense_approval", "initial_data": EXPENSE}
    created = await client.post("/instances", json=payload, headers=headers)
    replayed = await client.post("/instances", json=payload, headers=headers)
    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json()["id"] == replayed.json()["id"]
    # The key is the caller's own: scoped by user, so another user's same key starts another instance.
    assert created.json()["business_key"].startswith("idem-")
    by_bob = await client.post("/instances", json=payload, headers=auth_headers("bob", **{"Idempotency-Key": "req-7"}))
    assert by_bob.status_code == 201
    assert by_bob.json()["id"] != created.json()["id"]

    listed = (await client.get("/instances", headers=auth_headers("alice"))).json()["items"]
    assert len(listed) == 2  # alice's own two; bob's is not hers

    conflict = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {"amount": 1}, "business_key": "k-1"},
        headers=auth_headers("alice"),
    )
    assert_problem(conflict, 409, "business-key-conflict")


async def test_idempotent_completion(client: AsyncTestClient[Any]) -> None:
    started = await start(client)
    url = started["pending_tasks"][0]["links"]["complete"]
    headers = auth_headers("bob", **{"Idempotency-Key": "decision-1"})
    first = await client.post(url, json={"data": {"approved": True}}, headers=headers)
    second = await client.post(url, json={"data": {"approved": True}}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    history = first.json()["history"]
    assert [h["step_name"] for h in history].count("manager_approval") == 1
    # Without the key (or with another user's key) a repeat is a conflict, not a replay.
    assert_problem(
        await client.post(url, json={"data": {"approved": True}}, headers=auth_headers("bob")), 409, "instance-finished"
    )
    other = auth_headers("bert", **{"Idempotency-Key": "decision-1"})
    assert_problem(await client.post(url, json={"data": {"approved": True}}, headers=other), 409, "instance-finished")


async def test_concurrent_completions_one_wins() -> None:
    # Real HTTP: the test client serialises requests, a server does not.
    app = create_app(gateway_settings(), LocalExecutionEngine(registry))
    with LiveServer(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            started = await http.post(
                "/instances",
                json={"workflow_name": "expense_approval", "initial_data": {"amount": 9000}},
                headers=auth_headers("alice"),
            )
            url = started.json()["pending_tasks"][0]["links"]["complete"]
            responses = await asyncio.gather(
                *(
                    http.post(url, json={"data": {"approved": True}}, headers=auth_headers(user))
                    for user in ("bob", "bert", "bob", "bert")
                )
            )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["code"] == "task-already-completed"


async def test_listing_filters_and_pages(client: AsyncTestClient[Any]) -> None:
    ids = [(await start(client, business_key=f"p-{i}"))["id"] for i in range(5)]
    await client.post(
        f"/instances/{quote(ids[0], safe='')}/cancel", json={"reason": "test"}, headers=auth_headers("alice")
    )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/instances", params=params, headers=auth_headers("bob"))).json()
        assert len(page["items"]) <= 2
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    canceled = await client.get("/instances", params={"status": "canceled"}, headers=auth_headers("bob"))
    assert [i["id"] for i in canceled.json()["items"]] == [ids[0]]
    none = await client.get("/instances", params={"workflow_name": "nope"}, headers=auth_headers("bob"))
    assert none.json() == {"items": [], "next_cursor": None}

    inbox = (await client.get("/tasks", params={"limit": 3}, headers=auth_headers("bob"))).json()
    assert len(inbox["items"]) == 3 and inbox["next_cursor"]
    rest = await client.get("/tasks", params={"cursor": inbox["next_cursor"]}, headers=auth_headers("bob"))
    assert len(rest.json()["items"]) == 1


async def test_cancel_rules(client: AsyncTestClient[Any]) -> None:
    first = await start(client, business_key="c-1")
    url = first["links"]["cancel"]
    # mallory took no part: the instance does not exist for her; bob (offered a task) may not cancel it.
    assert_problem(await client.post(url, headers=auth_headers("mallory")), 404, "instance-not-found")
    assert_problem(await client.post(url, headers=auth_headers("bob")), 403, "forbidden")
    assert (await client.get(first["links"]["self"], headers=auth_headers("alice"))).json()["status"] == "waiting"
    canceled = await client.post(url, json={"reason": "duplicate"}, headers=auth_headers("alice"))
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    assert canceled.json()["error"] == "canceled: by alice: duplicate"
    assert_problem(await client.post(url, headers=auth_headers("alice")), 409, "instance-finished")

    second = await start(client, business_key="c-2")
    by_admin = await client.post(second["links"]["cancel"], headers=auth_headers("dave"))
    assert by_admin.json()["status"] == "canceled"


async def test_definitions_and_graph(client: AsyncTestClient[Any]) -> None:
    headers = auth_headers("mallory")
    listed = (await client.get("/definitions", headers=headers)).json()
    assert listed == [
        {
            "name": "expense_approval",
            "version": "1.0.0",
            "versions": ["1.0.0"],
            "description": "Expense request approval workflow",
            "human_steps": ["manager_approval", "vp_approval"],
        }
    ]
    one = (await client.get("/definitions/expense_approval", params={"version": "1.0.0"}, headers=headers)).json()
    steps = {s["name"]: s for s in one["steps"]}
    assert steps["manager_approval"]["form_schema"]["properties"]["approved"] == {
        "type": "boolean",
        "title": "Approve?",
    }
    assert steps["manager_approval"]["candidate_groups"] == ["managers"]
    assert {
        "source": "manager_approval",
        "target": "vp_approval",
        "condition": "approved and requires_vp_approval",
    } in one["edges"]
    assert_problem(
        await client.get("/definitions/expense_approval", params={"version": "9.9.9"}, headers=headers),
        404,
        "definition-not-found",
        detail_contains="'9.9.9'",
    )
    graph = (await client.get("/definitions/expense_approval/graph", headers=headers)).json()
    assert {n["id"] for n in graph["nodes"]} == {"submit_request", "manager_approval", "vp_approval", "process_result"}
    assert next(n for n in graph["nodes"] if n["id"] == "submit_request")["initial"] is True
    assert graph["mermaid"].startswith("flowchart TD")
    mermaid = await client.get("/definitions/expense_approval/graph/mermaid", headers=headers)
    assert mermaid.headers["content-type"].startswith("text/plain")
    assert mermaid.text == graph["mermaid"]


async def test_ids_with_slashes_and_percent_signs(client: AsyncTestClient[Any]) -> None:
    started = await start(client, business_key="2024/q4%20#1")
    assert started["id"] == "expense_approval/2024/q4%20#1"
    assert started["links"]["self"] == "/instances/expense_approval%2F2024%2Fq4%2520%231"
    fetched = await client.get(started["links"]["self"], headers=auth_headers("bob"))
    assert fetched.status_code == 200 and fetched.json()["id"] == started["id"]
    task = await client.get(started["pending_tasks"][0]["links"]["self"], headers=auth_headers("bob"))
    assert task.status_code == 200
    done = await client.post(
        started["pending_tasks"][0]["links"]["complete"], json={"data": {"approved": True}}, headers=auth_headers("bob")
    )
    assert done.json()["status"] == "completed"
    # The unencoded form names another (missing) route or instance, never a 500.
    missing = await client.get("/instances/expense_approval/2024", headers=auth_headers("bob"))
    assert missing.status_code == 404


async def test_health_and_ready_are_public(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["engine"] == "LocalExecutionEngine"
    # The document shows every form: it needs a token like the routes it documents.
    assert (await client.get("/schema/openapi.json")).status_code == 401
    assert (await client.get("/schema/openapi.json", headers=auth_headers("alice"))).status_code == 200


async def test_settle_timeout_answers_202_and_nothing_is_lost() -> None:
    engine = LocalExecutionEngine(slow_registry())
    app = create_app(gateway_settings(settle_timeout=0.2), engine)
    async with AsyncTestClient(app) as client:
        response = await client.post(
            "/instances",
            json={"workflow_name": "slow", "initial_data": {"delay": 0.6}, "business_key": "s-1"},
            headers=auth_headers("alice"),
        )
        assert response.status_code == 202, response.text
        assert response.headers["location"] == "/instances/slow%2Fs-1"
        assert response.json()["instance_id"] == "slow/s-1"
        anonymous = await client.post(
            "/instances", json={"workflow_name": "slow", "initial_data": {"delay": 0.6}}, headers=auth_headers("alice")
        )
        assert anonymous.status_code == 202
        assert anonymous.headers["location"] == "/instances?workflow_name=slow"
        await asyncio.sleep(0.8)
        settled = await client.get(response.headers["location"], headers=auth_headers("alice"))
        assert settled.json()["status"] == "completed"
        assert settled.json()["data"]["slept"] is True
        page = (await client.get("/instances", params={"workflow_name": "slow"}, headers=auth_headers("alice"))).json()
        assert {i["status"] for i in page["items"]} == {"completed"}
