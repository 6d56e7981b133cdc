"""POST /tasks/{instance}/{step}/send-back (api/task_operations.py) over LocalExecutionEngine:
the answer, every refusal as problem+json, idempotency, and the OpenAPI entry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from litestar_workflows import LocalExecutionEngine, WorkflowRegistry
from tests.api.conftest import assert_problem, auth_headers, gateway_settings
from tests.api.send_back_defs import SEND_BACK_DEFINITION

REVIEWERS = ("reviewers",)


@pytest.fixture
async def sclient() -> AsyncIterator[AsyncTestClient[Any]]:
    registry = WorkflowRegistry()
    registry.register_definition(SEND_BACK_DEFINITION)
    engine = LocalExecutionEngine(registry, admin_groups=["admins"])
    async with AsyncTestClient(create_app(gateway_settings(admin_groups=["admins"]), engine)) as client:
        yield client


async def _start(client: AsyncTestClient[Any]) -> tuple[str, str]:
    body = {"workflow_name": "doc_send_back", "initial_data": {"author": "alice"}}
    started = await client.post("/instances", json=body, headers=auth_headers("alice", ("authors",)))
    assert started.status_code == 201, started.text
    iid = quote(started.json()["id"], safe="")
    return iid, f"/tasks/{iid}/review"


async def test_send_back_answers_the_record_and_the_instance_goes_on_at_the_send_back_edge(
    sclient: AsyncTestClient[Any],
) -> None:
    iid, task = await _start(sclient)
    etag = (await sclient.get(f"{task}/record", headers=auth_headers("bob", REVIEWERS))).headers["etag"]
    sent = await sclient.post(
        f"{task}/send-back",
        json={"comment": "Please add the Q3 figures"},
        headers={**auth_headers("bob", REVIEWERS), "If-Match": etag},
    )
    assert sent.status_code == 200, sent.text
    record = sent.json()
    assert record["waiting"] is False and sent.headers["etag"] == f'"{record["revision"]}"'
    decision = record["decisions"][-1]
    assert (decision["user_id"], decision["outcome"], decision["comment"], decision["sent_to"]) == (
        "bob",
        "sent back",
        "Please add the Q3 figures",
        ["revise"],
    )
    instance = (await sclient.get(f"/instances/{iid}", headers=auth_headers("alice"))).json()
    assert [t["step_name"] for t in instance["pending_tasks"]] == ["revise"]
    assert instance["data"]["drafts"] == 1 and "approved" not in instance["data"]  # no form data
    again = await sclient.post(f"{task}/send-back", json={"comment": "x"}, headers=auth_headers("bob", REVIEWERS))
    assert_problem(again, 409, "step-not-waiting")


async def test_send_back_refusals_are_problems_and_change_nothing(sclient: AsyncTestClient[Any]) -> None:
    iid, task = await _start(sclient)
    bob = auth_headers("bob", REVIEWERS)
    before = (await sclient.get(f"{task}/record", headers=bob)).json()["revision"]
    url = f"{task}/send-back"
    assert_problem(await sclient.post(url, headers=bob), 400, "validation-error")  # the body is required
    assert_problem(await sclient.post(url, json={"comment": ""}, headers=bob), 400, "validation-error")
    assert_problem(await sclient.post(url, json={"comment": "x", "data": {}}, headers=bob), 400, "validation-error")
    blank = assert_problem(await sclient.post(url, json={"comment": "   "}, headers=bob), 400, "validation-error")
    assert blank["errors"][0]["pointer"] == "/comment"
    big = await sclient.post(url, json={"comment": "é" * 1100}, headers=bob)  # 1100 characters, 2200 bytes
    assert_problem(big, 413, "budget-exceeded")
    assert_problem(
        await sclient.post(url, json={"comment": "x"}, headers=auth_headers("mallory")), 404, "instance-not-found"
    )
    starter = await sclient.post(url, json={"comment": "x"}, headers=auth_headers("alice", REVIEWERS))
    assert_problem(starter, 403, "not-allowed", detail_contains="four-eyes")
    stale = await sclient.post(url, json={"comment": "x"}, headers={**bob, "If-Match": '"0123"'})
    assert_problem(stale, 412, "revision-mismatch")
    keys = await sclient.post(
        url, json={"comment": "x", "idempotency_key": "k1"}, headers={**bob, "Idempotency-Key": "k2"}
    )
    mismatch = assert_problem(keys, 400, "validation-error", detail_contains="idempotency_key")
    assert mismatch["errors"][0]["pointer"] == "/idempotency_key"
    unknown = await sclient.post(f"/tasks/{iid}/nope/send-back", json={"comment": "x"}, headers=bob)
    assert_problem(unknown, 404, "task-not-found")
    assert (await sclient.get(f"{task}/record", headers=bob)).json()["revision"] == before
    claimed = await sclient.post(f"{task}/claim", headers=auth_headers("carol", REVIEWERS))
    assert claimed.status_code == 200
    assert_problem(await sclient.post(url, json={"comment": "x"}, headers=bob), 409, "task-claimed")
    sent = await sclient.post(url, json={"comment": "fix it"}, headers=auth_headers("carol", REVIEWERS))
    assert sent.status_code == 200, sent.text
    no_edge = await sclient.post(f"/tasks/{iid}/revise/send-back", json={"comment": "x"}, headers=auth_headers("alice"))
    assert_problem(no_edge, 403, "not-allowed", detail_contains="no send-back edge")


async def test_a_retried_send_back_with_the_same_key_answers_like_the_first(sclient: AsyncTestClient[Any]) -> None:
    _, task = await _start(sclient)
    body = {"comment": "needs work", "idempotency_key": "sb-1"}
    first = await sclient.post(f"{task}/send-back", json=body, headers=auth_headers("bob", REVIEWERS))
    retry = await sclient.post(
        f"{task}/send-back",
        json={"comment": "needs work"},
        headers={**auth_headers("bob", REVIEWERS), "Idempotency-Key": "sb-1"},
    )
    assert first.status_code == retry.status_code == 200, retry.text
    assert retry.json()["revision"] == first.json()["revision"]
    assert len(retry.json()["decisions"]) == 1


async def test_openapi_documents_the_route_its_body_and_problems(sclient: AsyncTestClient[Any]) -> None:
    doc = (await sclient.get("/schema/openapi.json", headers=auth_headers("alice"))).json()
    route = doc["paths"]["/tasks/{instance_id}/{step_name}/send-back"]["post"]
    assert {"200", "202", "400", "403", "404", "409", "412", "413", "422"} <= set(route["responses"])
    body = route["requestBody"]["content"]["application/json"]
    assert body["schema"]["examples"][0] == {"comment": "Please add the Q3 figures to section 2"}
    schema = doc["components"]["schemas"]["SendBackRequest"]
    assert schema["required"] == ["comment"] and schema["additionalProperties"] is False
