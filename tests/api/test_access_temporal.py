"""Issue #11 on Temporal, through the real gateway and the dev server's SQLite visibility: the read
policy (404 for outsiders on instance, task and listing; complete pages for insiders, filtered in
the visibility query), four-eyes refusals in the workflow's validator, idempotency keys bound to
their request, and identities that a visibility query could misread."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient
from temporalio.client import Client

from api.app import create_app
from tests.api.conftest import assert_problem, auth_headers, temporal_settings


def uid(prefix: str) -> str:
    """A name no other test uses (the dev server lives for the whole session)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def tclient(temporal_address: str, api_worker: str) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(create_app(temporal_settings(temporal_address, api_worker))) as client:
        yield client


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Visibility is eventually consistent: poll until ``check`` holds (15 s at most)."""
    async with asyncio.timeout(15):
        for _ in range(1000):
            if await check():
                return
            await asyncio.sleep(0.2)


async def start_expense(client: AsyncTestClient[Any], user: str, groups: list[str], amount: float = 100) -> Any:
    response = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {"amount": amount}, "business_key": uid("x")},
        headers=auth_headers(user, groups),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_outsiders_get_404_and_pages_hold_only_what_one_may_read(tclient: AsyncTestClient[Any]) -> None:
    insider, outsider = uid("insider"), uid("outsider")
    started = [await start_expense(tclient, insider, ["employees"]) for _ in range(3)]
    one = started[0]
    task_url = one["pending_tasks"][0]["links"]["self"]
    for url in (one["links"]["self"], task_url):
        assert_problem(await tclient.get(url, headers=auth_headers(outsider, [])), 404, "instance-not-found")
        assert (await tclient.get(url, headers=auth_headers(insider, ["employees"]))).status_code == 200
        assert (await tclient.get(url, headers=auth_headers("dave", ["admins"]))).status_code == 200
    # Offered a task: a manager may read it (and the history with it).
    assert (await tclient.get(one["links"]["self"], headers=auth_headers(uid("m"), ["managers"]))).status_code == 200

    ids = {s["id"] for s in started}

    async def insider_page_complete() -> bool:
        first = (await tclient.get("/instances?limit=2", headers=auth_headers(insider, ["employees"]))).json()
        if len(first["items"]) < 2 or not first["next_cursor"]:
            return False
        rest = await tclient.get(
            f"/instances?limit=2&cursor={first['next_cursor']}", headers=auth_headers(insider, ["employees"])
        )
        seen = [i["id"] for i in first["items"] + rest.json()["items"]]
        return sorted(seen) == sorted(ids) and rest.json()["next_cursor"] is None

    # Filtered in the visibility query itself: full pages of the insider's own instances only.
    await eventually(insider_page_complete)
    outsider_page = (await tclient.get("/instances?limit=50", headers=auth_headers(outsider, []))).json()
    assert outsider_page == {"items": [], "next_cursor": None}
    assert (await tclient.get("/tasks", headers=auth_headers(outsider, []))).json()["items"] == []


async def test_four_eyes_refused_in_the_validator(tclient: AsyncTestClient[Any], temporal_client: Client) -> None:
    bob = uid("bob")
    started = await start_expense(tclient, bob, ["employees", "managers"], amount=9000)
    assert started["pending_tasks"][0]["can_complete"] is False  # the hint says so before trying
    handle = temporal_client.get_workflow_handle(started["id"])
    before = len((await handle.fetch_history()).events)
    url = started["pending_tasks"][0]["links"]["complete"]
    refused = await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers(bob, ["managers"]))
    assert_problem(refused, 403, "not-allowed", detail_contains="started the instance")
    assert len((await handle.fetch_history()).events) == before  # nothing written

    # Idempotency keys are bound to the request: the same key for another step is a 422 naming it.
    bert = uid("bert")
    key = {"Idempotency-Key": "approve-1"}
    ok = await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers(bert, ["managers"], **key))
    assert ok.status_code == 200, ok.text
    assert ok.json()["current_step"] == "vp_approval"
    again = await tclient.post(url, json={"data": {"approved": True}}, headers=auth_headers(bert, ["managers"], **key))
    assert again.status_code == 200  # a true retry replays the first answer
    vp_url = url.replace("manager_approval", "vp_approval")
    reused = await tclient.post(
        vp_url, json={"data": {"approved": False}}, headers=auth_headers(bert, ["managers", "vps"], **key)
    )
    assert_problem(reused, 422, "idempotency-key-conflict", detail_contains="'approve-1'")
    # The manager who approved may not sign off as VP as well.
    second = await tclient.post(vp_url, json={"data": {"approved": True}}, headers=auth_headers(bert, ["vps"]))
    assert_problem(second, 403, "not-allowed", detail_contains="completed 'manager_approval'")
    done = await tclient.post(vp_url, json={"data": {"approved": True}}, headers=auth_headers(uid("carol"), ["vps"]))
    assert done.json()["status"] == "completed"
    manager = next(h for h in done.json()["history"] if h["step_name"] == "manager_approval")
    assert manager["completed_by"] == bert


async def test_self_review_refused_at_start(tclient: AsyncTestClient[Any]) -> None:
    alice = uid("alice")
    response = await tclient.post(
        "/instances",
        json={
            "workflow_name": "document_review",
            "initial_data": {"title": "t", "author_id": "nobody", "reviewer_id": alice},
        },
        headers=auth_headers(alice, ["employees"]),
    )
    body = assert_problem(response, 422, "initial-data-invalid")
    assert body["errors"][0]["pointer"] == "/reviewer_id"


async def test_identities_a_query_could_misread(tclient: AsyncTestClient[Any]) -> None:
    reviewer = f"CORP\\{uid('alice')}"
    started = await tclient.post(
        "/instances",
        json={"workflow_name": "document_review", "initial_data": {"title": "t", "reviewer_id": reviewer}},
        headers=auth_headers(uid("author"), ["employees"]),
    )
    assert started.status_code == 201, started.text
    iid = started.json()["id"]

    async def in_inbox() -> bool:
        inbox = await tclient.get("/tasks", headers=auth_headers(reviewer, []))
        assert inbox.status_code == 200, inbox.text
        return [t["instance_id"] for t in inbox.json()["items"]] == [iid]

    await eventually(in_inbox)
    listed = (await tclient.get("/instances", headers=auth_headers(reviewer, []))).json()["items"]
    assert [i["id"] for i in listed] == [iid]
    # Quotes in a user or group: answered, never an SQL error or a 503.
    for user, groups in ((f'{uid("x")}"', []), ("bob", ['man"agers', "o'brien"])):
        for path in ("/tasks", "/instances"):
            response = await tclient.get(path, headers=auth_headers(user, groups))
            assert response.status_code == 200, response.text
            assert response.json()["items"] == []
    # What cannot be represented is a clear 400.
    too_long = await tclient.get("/tasks", headers=auth_headers("bob", ["g" * 300]))
    assert_problem(too_long, 400, "invalid-query", detail_contains="255 bytes")
    one = await tclient.get(f"/instances/{quote(iid, safe='')}", headers=auth_headers(reviewer, []))
    assert one.status_code == 200
