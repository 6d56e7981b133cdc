"""The task-operation routes (api/task_operations.py) and If-Match on completion, over LocalExecutionEngine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from examples.purchase_order import purchase_order_workflow
from litestar_workflows import LocalExecutionEngine, WorkflowRegistry
from tests.api.conftest import assert_problem, auth_headers, gateway_settings

FIN = ("finance",)


@pytest.fixture
async def pclient() -> AsyncIterator[AsyncTestClient[Any]]:
    registry = WorkflowRegistry()
    registry.register_definition(purchase_order_workflow)
    engine = LocalExecutionEngine(registry, admin_groups=["admins"])
    async with AsyncTestClient(create_app(gateway_settings(admin_groups=["admins"]), engine)) as client:
        yield client


async def _start(client: AsyncTestClient[Any]) -> str:
    body = {"workflow_name": "purchase_order", "initial_data": {"amount": 40}}
    started = await client.post("/instances", json=body, headers=auth_headers("alice", ("employees",)))
    assert started.status_code == 201, started.text
    return f"/tasks/{quote(started.json()['id'], safe='')}/finance_approval"


async def test_claim_conflict_outsider_and_record(pclient: AsyncTestClient[Any]) -> None:
    task = await _start(pclient)
    claimed = await pclient.post(f"{task}/claim", headers=auth_headers("bob", FIN))
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claimed_by"] == "bob"
    assert claimed.headers["etag"] == f'"{claimed.json()["revision"]}"'
    assert_problem(await pclient.post(f"{task}/claim", headers=auth_headers("carol", FIN)), 409, "task-claimed")
    assert_problem(await pclient.post(f"{task}/claim", headers=auth_headers("mallory", ())), 404, "instance-not-found")
    done = await pclient.post(f"{task}/complete", json={"data": {"approved": True}}, headers=auth_headers("carol", FIN))
    assert_problem(done, 409, "task-claimed")
    assert_problem(await pclient.post(f"{task}/unclaim", headers=auth_headers("carol", FIN)), 403, "not-allowed")
    freed = await pclient.post(f"{task}/unclaim", headers=auth_headers("dave", ("admins",)))
    assert freed.status_code == 200 and freed.json()["claimed_by"] is None
    assert_problem(await pclient.post(f"{task}/unclaim", headers=auth_headers("bob", FIN)), 409, "step-not-waiting")
    record = await pclient.get(f"{task}/record", headers=auth_headers("bob", FIN))
    assert [h["kind"] for h in record.json()["handovers"]] == ["claim", "unclaim"]
    assert record.headers["etag"] == f'"{record.json()["revision"]}"'


async def test_reassign_delegate_take_back_and_errors(pclient: AsyncTestClient[Any]) -> None:
    task = await _start(pclient)
    refused = await pclient.post(f"{task}/reassign", json={"to_user": "zoe"}, headers=auth_headers("bob", FIN))
    assert_problem(refused, 403, "not-allowed")
    missing = await pclient.post(f"{task}/reassign", json={}, headers=auth_headers("lea", ("finance-leads",)))
    body = assert_problem(missing, 422, "form-invalid")
    assert body["errors"][0]["pointer"] == "/to_user"
    unknown = await pclient.post(f"{task}/reassign", json={"to": "x"}, headers=auth_headers("lea", ("finance-leads",)))
    assert_problem(unknown, 400, "validation-error")
    moved = await pclient.post(
        f"{task}/reassign", json={"to_user": "erin", "reason": "bob is away"}, headers=auth_headers("lea", ("leads",))
    )
    assert_problem(moved, 404, "instance-not-found")  # not a manager, not a participant
    moved = await pclient.post(
        f"{task}/reassign",
        json={"to_user": "erin", "reason": "bob is away"},
        headers=auth_headers("lea", ("finance-leads",)),
    )
    assert moved.status_code == 200 and moved.json()["assignee"] == "erin"
    delegated = await pclient.post(
        f"{task}/delegate", json={"to_user": "zoe", "keep_right": True}, headers=auth_headers("erin", ())
    )
    assert delegated.status_code == 200 and delegated.json()["delegated_by"] == "erin"
    back = await pclient.post(f"{task}/take-back", headers=auth_headers("erin", ()))
    assert back.status_code == 200 and back.json()["claimed_by"] == "erin"
    assert_problem(await pclient.post(f"{task}/take-back", headers=auth_headers("zoe", ())), 403, "not-allowed")


async def test_comments_and_if_match(pclient: AsyncTestClient[Any]) -> None:
    task = await _start(pclient)
    seen = (await pclient.get(f"{task}/record", headers=auth_headers("bob", FIN))).headers["etag"]
    commented = await pclient.post(f"{task}/comments", json={"text": "quote?"}, headers=auth_headers("carol", FIN))
    assert commented.status_code == 200 and commented.json()["comments"][0]["author"] == "carol"
    blank = await pclient.post(f"{task}/comments", json={"text": " "}, headers=auth_headers("carol", FIN))
    assert_problem(blank, 400, "validation-error")  # the schema refuses a blank comment
    long = await pclient.post(f"{task}/comments", json={"text": "x" * 3000}, headers=auth_headers("carol", FIN))
    assert_problem(long, 400, "validation-error")
    stale = await pclient.post(
        f"{task}/complete", json={"data": {"approved": True}}, headers=auth_headers("bob", FIN, **{"If-Match": seen})
    )
    assert_problem(stale, 412, "revision-mismatch")
    claim = await pclient.post(f"{task}/claim", headers=auth_headers("bob", FIN, **{"If-Match": seen}))
    assert_problem(claim, 412, "revision-mismatch")
    current = commented.headers["etag"]
    first = await pclient.post(
        f"{task}/complete", json={"data": {"approved": True}}, headers=auth_headers("bob", FIN, **{"If-Match": current})
    )
    assert first.status_code == 200, first.text
    second = await pclient.post(
        f"{task}/complete", json={"data": {"approved": True}}, headers=auth_headers("carol", FIN)
    )
    assert second.status_code == 200 and second.json()["status"] == "completed"
    assert second.json()["data"]["approvals"] == 2
    decisions = second.json()["decisions"]
    assert [(d["user_id"], d["outcome"]) for d in decisions] == [("bob", "approved"), ("carol", "approved")]
    assert decisions[0]["revision_seen"] == current.strip('"') and second.json()["revision"]


async def test_inbox_shows_claims_and_filters(pclient: AsyncTestClient[Any]) -> None:
    await _start(pclient)
    task = await _start(pclient)
    await pclient.post(f"{task}/claim", headers=auth_headers("bob", FIN))

    async def inbox(user: str, show: str) -> list[dict[str, Any]]:
        answer = await pclient.get(f"/tasks?show={show}", headers=auth_headers(user, FIN))
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    mine = await inbox("bob", "assigned")
    assert [t["claimed_by"] for t in mine] == ["bob"] and mine[0]["escalation_level"] == 0
    assert len(await inbox("carol", "claimable")) == 1  # the other order only
    assert await inbox("carol", "assigned") == []
    assert await inbox("carol", "overdue") == []
    everything = (await pclient.get("/tasks", headers=auth_headers("carol", FIN))).json()["items"]
    assert sorted(str(t["claimed_by"]) for t in everything) == ["None", "bob"]
    assert_problem(await pclient.get("/tasks?show=late", headers=auth_headers("carol", FIN)), 400, "validation-error")


async def test_idempotency_key_answers_a_retry_like_the_first(pclient: AsyncTestClient[Any]) -> None:
    task = await _start(pclient)
    headers = auth_headers("carol", FIN, **{"Idempotency-Key": "note-1"})
    first = await pclient.post(f"{task}/comments", json={"text": "once"}, headers=headers)
    again = await pclient.post(f"{task}/comments", json={"text": "once"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and len(again.json()["comments"]) == 1
    other = await pclient.post(f"{task}/comments", json={"text": "twice"}, headers=headers)
    assert len(other.json()["comments"]) == 2  # another operation under the key is a new request
