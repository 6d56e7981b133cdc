"""Size budgets and deep JSON at the gateway over LocalExecutionEngine (issue 10): a specific
problem naming the field and the limit, and the instance unchanged (its deadline still armed)."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.api.conftest import assert_problem, auth_headers

EXPENSE = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


async def test_oversized_form_field_is_refused_and_the_instance_still_completes(
    client: AsyncTestClient[Any],
) -> None:
    started = await client.post(
        "/instances", json={"workflow_name": "expense_approval", "initial_data": EXPENSE}, headers=auth_headers("alice")
    )
    assert started.status_code == 201, started.text
    instance = started.json()
    complete = instance["pending_tasks"][0]["links"]["complete"]

    refused = await client.post(
        complete, json={"data": {"approved": True, "comments": "x" * 1_000_000}}, headers=auth_headers("bob")
    )
    body = assert_problem(refused, 413, "budget-exceeded", detail_contains="over the limit of 65536 bytes")
    assert body["errors"][0]["pointer"] == "/data"

    again = (await client.get(instance["links"]["self"], headers=auth_headers("alice"))).json()
    assert again["status"] == "waiting" and again["history"] == instance["history"]

    done = await client.post(complete, json={"data": {"approved": True}}, headers=auth_headers("bob"))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"


async def test_deeply_nested_initial_data_is_a_400_not_a_500(client: AsyncTestClient[Any]) -> None:
    response = await client.post(
        "/instances",
        json={"workflow_name": "expense_approval", "initial_data": {**EXPENSE, "extra": _nested(500)}},
        headers=auth_headers("alice"),
    )
    assert response.status_code == 400, response.text
    assert (await client.get("/instances", headers=auth_headers("alice"))).json()["items"] == []


async def test_a_body_nested_too_deep_to_decode_is_a_400(client: AsyncTestClient[Any]) -> None:
    depth = 50_000
    body = '{"workflow_name": "expense_approval", "initial_data": {"x": ' + "[" * depth + "]" * depth + "}}"
    response = await client.post(
        "/instances", content=body, headers={**auth_headers("alice"), "Content-Type": "application/json"}
    )
    assert_problem(response, 400, "input-too-deep", detail_contains="nests too deep")
