"""Issue #11 over LocalExecutionEngine through the real app: the read policy, four-eyes, idempotency
keys, identities in listings, and the token checks (scheme, subject, leeway, secrets, algorithms)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt
import pytest
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import AsyncTestClient

import examples
from api.app import create_app
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import SECRET, assert_problem, auth_headers, gateway_settings, make_token


@pytest.fixture
async def app_client() -> Any:
    engine = LocalExecutionEngine(examples.build_registry(), admin_groups=["admins"])
    async with AsyncTestClient(create_app(gateway_settings(), engine)) as client:
        yield client


async def start(client: AsyncTestClient[Any], user: str, groups: list[str], **data: Any) -> Any:
    body = {"workflow_name": "expense_approval", "initial_data": {"amount": 100, "secret": "medical", **data}}
    response = await client.post("/instances", json=body, headers=auth_headers(user, groups))
    assert response.status_code == 201, response.text
    return response.json()


async def test_outsider_sees_nothing_insider_gets_complete_pages(app_client: AsyncTestClient[Any]) -> None:
    mine = [await start(app_client, "alice", ["employees"]) for _ in range(3)]
    await start(app_client, "erin", ["employees"])  # someone else's
    one = mine[0]
    for url in (one["links"]["self"], one["pending_tasks"][0]["links"]["self"]):
        assert_problem(await app_client.get(url, headers=auth_headers("mallory", [])), 404, "instance-not-found")
    first = (await app_client.get("/instances?limit=2", headers=auth_headers("alice", ["employees"]))).json()
    rest = (
        await app_client.get(
            f"/instances?limit=2&cursor={first['next_cursor']}", headers=auth_headers("alice", ["employees"])
        )
    ).json()
    assert len(first["items"]) == 2 and rest["next_cursor"] is None
    assert sorted(i["id"] for i in first["items"] + rest["items"]) == sorted(m["id"] for m in mine)
    assert (await app_client.get("/instances", headers=auth_headers("mallory", []))).json()["items"] == []
    everything = (await app_client.get("/instances", headers=auth_headers("dave", ["admins"]))).json()["items"]
    assert len(everything) == 4
    # Managers were offered the tasks: they see all four, and still after approving (a past offer).
    url = one["pending_tasks"][0]["links"]["complete"]
    approved = await app_client.post(url, json={"data": {"approved": True}}, headers=auth_headers("bert", ["managers"]))
    assert approved.json()["status"] == "completed"
    assert (await app_client.get(one["links"]["self"], headers=auth_headers("kim", ["managers"]))).status_code == 200
    # A cursor is only good for whoever it was issued to.
    stolen = await app_client.get(f"/instances?limit=2&cursor={first['next_cursor']}", headers=auth_headers("bob"))
    assert stolen.status_code == 400


async def test_identities_come_from_the_token_and_four_eyes_holds(app_client: AsyncTestClient[Any]) -> None:
    started = await start(app_client, "bob", ["employees", "managers"], requester_id="alice")
    assert started["started_by"] == "bob"
    assert started["data"]["requester_id"] == "bob"  # the request's requester_id is overridden
    url = started["pending_tasks"][0]["links"]["complete"]
    refused = await app_client.post(url, json={"data": {"approved": True}}, headers=auth_headers("bob"))
    body = assert_problem(refused, 403, "not-allowed", detail_contains="four-eyes")
    assert body["step_name"] == "manager_approval"
    review = {"title": "t", "author_id": "nobody", "reviewer_id": "alice"}
    response = await app_client.post(
        "/instances", json={"workflow_name": "document_review", "initial_data": review}, headers=auth_headers("alice")
    )
    assert_problem(response, 422, "initial-data-invalid", detail_contains="/reviewer_id")
    onboarding = {"employee_name": "M", "role": "engineer", "manager_id": "mallory", "start_date": "2027-01-04"}
    response = await app_client.post(
        "/instances",
        json={"workflow_name": "employee_onboarding", "initial_data": onboarding},
        headers=auth_headers("mallory", []),
    )
    assert_problem(response, 422, "initial-data-invalid", detail_contains="/manager_id")


async def test_idempotency_keys_are_bound_to_user_step_and_body(app_client: AsyncTestClient[Any]) -> None:
    started = await start(app_client, "alice", ["employees"], amount=9000)
    url = started["pending_tasks"][0]["links"]["complete"]
    key = {"Idempotency-Key": "approve-1"}
    first = await app_client.post(url, json={"data": {"approved": True}}, headers=auth_headers("bob", **key))
    assert first.json()["current_step"] == "vp_approval"
    vp = url.replace("manager_approval", "vp_approval")
    other_step = await app_client.post(
        vp, json={"data": {"approved": False}}, headers=auth_headers("carol", ["vps"], **key)
    )
    assert other_step.json()["status"] == "completed"  # carol's key is hers: no replay of bob's answer
    # Same user and key on another step or body: refused, naming the key (nothing replayed, nothing applied).
    again = await app_client.post(url, json={"data": {"approved": False}}, headers=auth_headers("bob", **key))
    assert_problem(again, 422, "idempotency-key-conflict", detail_contains="'approve-1'")
    # "corp" with key "bob:k1" is not "corp:bob" with key "k1" (no separator collisions).
    two = await start(app_client, "alice", ["employees"])
    url2 = two["pending_tasks"][0]["links"]["complete"]
    corp_bob = await app_client.post(
        url2,
        json={"data": {"approved": True}},
        headers=auth_headers("corp:bob", ["managers"], **{"Idempotency-Key": "k1"}),
    )
    assert corp_bob.status_code == 200
    corp = await app_client.post(
        url2,
        json={"data": {"approved": True}},
        headers=auth_headers("corp", ["managers"], **{"Idempotency-Key": "bob:k1"}),
    )
    assert_problem(corp, 409, "instance-finished")  # not a replay of corp:bob's 200


async def test_identity_characters_and_limits(app_client: AsyncTestClient[Any]) -> None:
    reviewer = "CORP\\alice"
    started = await app_client.post(
        "/instances",
        json={"workflow_name": "document_review", "initial_data": {"title": "t", "reviewer_id": reviewer}},
        headers=auth_headers("author"),
    )
    inbox = (await app_client.get("/tasks", headers=auth_headers(reviewer, []))).json()["items"]
    assert [t["instance_id"] for t in inbox] == [started.json()["id"]]
    quoted = await app_client.get("/tasks", headers=auth_headers('a"b', ["x'y"]))
    assert quoted.status_code == 200 and quoted.json()["items"] == []
    assert_problem(await app_client.get("/tasks", headers=auth_headers("bob", ["g" * 300])), 400, "invalid-query")
    many = [f"g{i}" for i in range(101)]
    assert_problem(await app_client.get("/instances", headers=auth_headers("bob", many)), 400, "invalid-query")
    iid = quote(started.json()["id"], safe="")
    assert (await app_client.get(f"/instances/{iid}", headers=auth_headers(reviewer, []))).status_code == 200


async def test_only_well_formed_bearer_tokens(app_client: AsyncTestClient[Any]) -> None:
    token = make_token("alice")
    for header in (f"Basic {token}", token, "Bearer ", f"bearer{token}"):
        assert_problem(await app_client.get("/tasks", headers={"Authorization": header}), 401, "unauthorized")
    assert (await app_client.get("/tasks", headers={"Authorization": f"bearer {token}"})).status_code == 200
    blank = make_token("   ")
    assert_problem(await app_client.get("/tasks", headers={"Authorization": f"Bearer {blank}"}), 401, "unauthorized")
    now = datetime.now(UTC)
    ahead = jwt.encode(
        {"sub": "alice", "iat": int((now + timedelta(seconds=3)).timestamp()), "exp": int(now.timestamp()) + 600},
        SECRET,
        algorithm="HS256",
    )
    # A clock 3 s ahead is within the default 10 s leeway.
    assert (await app_client.get("/tasks", headers={"Authorization": f"Bearer {ahead}"})).status_code == 200
    no_exp = jwt.encode({"sub": "alice"}, SECRET, algorithm="HS256")
    assert_problem(await app_client.get("/tasks", headers={"Authorization": f"Bearer {no_exp}"}), 401, "unauthorized")


def test_weak_secrets_and_algorithms_are_refused_at_start() -> None:
    engine = LocalExecutionEngine(examples.build_registry())
    for secret in ("a", "x" * 31, "change-me-to-a-long-random-secret-of-at-least-32-bytes"):
        with pytest.raises(ImproperlyConfiguredException, match="WORKFLOWS_JWT_SECRET"):
            create_app(gateway_settings(jwt_secret=secret), engine)
    for algorithm in ("none", "None", "HS1"):
        with pytest.raises(ImproperlyConfiguredException, match="not supported"):
            create_app(gateway_settings(jwt_algorithm=algorithm), engine)
    create_app(gateway_settings(jwt_secret="y" * 32), engine)


async def test_input_schema_and_visible_to_groups_through_the_app() -> None:
    from litestar_workflows import BaseHumanStep, Edge, WorkflowDefinition, WorkflowRegistry

    class Decide(BaseHumanStep):
        name = "decide"
        candidate_groups = ("hr",)

    registry = WorkflowRegistry()
    registry.register_definition(
        WorkflowDefinition(
            name="leave",
            version="1.0.0",
            steps={"decide": Decide(), "done": Decide(name="done", candidate_groups=("hr",))},
            edges=[Edge("decide", "done")],
            initial_step="decide",
            terminal_steps={"done"},
            input_schema={
                "type": "object",
                "properties": {"days": {"type": "integer", "minimum": 1}, "reason": {"type": "string"}},
                "required": ["days"],
                "additionalProperties": False,
            },
            visible_to_groups=["auditors"],
        )
    )
    async with AsyncTestClient(create_app(gateway_settings(), LocalExecutionEngine(registry))) as client:
        bad = await client.post(
            "/instances",
            json={"workflow_name": "leave", "initial_data": {"days": 0, "extra": 1}},
            headers=auth_headers("alice"),
        )
        body = assert_problem(bad, 422, "initial-data-invalid")
        assert sorted(e["pointer"] for e in body["errors"]) == ["/days", "/extra"]
        assert (await client.get("/instances", headers=auth_headers("alice"))).json()["items"] == []  # nothing started
        ok = await client.post(
            "/instances", json={"workflow_name": "leave", "initial_data": {"days": 2}}, headers=auth_headers("alice")
        )
        assert ok.status_code == 201, ok.text
        url = ok.json()["links"]["self"]
        described = (await client.get("/definitions/leave", headers=auth_headers("alice"))).json()
        assert described["input_schema"]["required"] == ["days"]
        assert described["visible_to_groups"] == ["auditors"]
        assert (await client.get(url, headers=auth_headers("erin", ["auditors"]))).status_code == 200
        assert_problem(await client.get(url, headers=auth_headers("erin", ["staff"])), 404, "instance-not-found")
