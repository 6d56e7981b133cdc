"""The webhook callback route and the pause/resume routes, over LocalExecutionEngine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from litestar_workflows import LocalExecutionEngine
from tests import step_kind_defs
from tests.api.conftest import assert_problem, auth_headers, gateway_settings


@pytest.fixture
def kinds_engine() -> LocalExecutionEngine:
    return LocalExecutionEngine(step_kind_defs.build_registry(timedelta(milliseconds=10)), admin_groups=["admins"])


@pytest.fixture
async def kclient(kinds_engine: LocalExecutionEngine) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(create_app(gateway_settings(admin_groups=["admins"]), kinds_engine)) as client:
        yield client


async def test_webhook_callback_is_taken_once_with_the_secret(
    kclient: AsyncTestClient[Any], kinds_engine: LocalExecutionEngine
) -> None:
    started = await kclient.post("/instances", json={"workflow_name": "hook_flow"}, headers=auth_headers("alice"))
    assert started.status_code == 201, started.text
    iid = started.json()["id"]
    assert "webhook_secret" not in started.text  # never in the instance view
    secret = (await kinds_engine.get_instance(iid)).context.metadata["webhook_secret"]
    url = f"/instances/{quote(iid, safe='')}/webhooks/hook"

    assert_problem(await kclient.post(url, json={"n": 1}), 400, "malformed-request")  # no secret header
    assert_problem(
        await kclient.post(url, json={"n": 1}, headers={"X-Webhook-Secret": "guess"}), 403, "webhook-secret-invalid"
    )
    assert_problem(
        await kclient.post(
            f"/instances/{quote(iid, safe='')}/webhooks/nope", json={}, headers={"X-Webhook-Secret": secret}
        ),
        404,
        "task-not-found",
    )
    ok = await kclient.post(url, json={"n": 1}, headers={"X-Webhook-Secret": secret})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"instance_id": iid, "step_name": "hook", "status": "waiting"}
    again = await kclient.post(url, json={"n": 2}, headers={"X-Webhook-Secret": secret})
    assert_problem(again, 409, "webhook-already-delivered")
    assert (await kinds_engine.get_instance(iid)).context.data["webhook_data"] == {"n": 1}


async def test_webhook_payload_is_validated_against_the_schema(
    kclient: AsyncTestClient[Any], kinds_engine: LocalExecutionEngine
) -> None:
    instance = await kinds_engine.start_workflow("kinds_flow", {"amount": 5, "hours": 0})
    for _ in range(200):
        instance = await kinds_engine.get_instance(instance.id)
        if any(h.step_name == "payment" for h in instance.context.step_history):
            break
        import asyncio

        await asyncio.sleep(0.01)
    secret = instance.context.metadata["webhook_secret"]
    url = f"/instances/{quote(instance.id, safe='')}/webhooks/payment"
    body = assert_problem(
        await kclient.post(url, json={"paid": "yes", "extra": 1}, headers={"X-Webhook-Secret": secret}),
        422,
        "form-invalid",
    )
    assert {e["pointer"] for e in body["errors"]} >= {"/paid"}
    ok = await kclient.post(url, json={"paid": True}, headers={"X-Webhook-Secret": secret})
    assert ok.json()["status"] == "completed"


async def test_pause_and_resume_routes(kclient: AsyncTestClient[Any]) -> None:
    started = await kclient.post("/instances", json={"workflow_name": "pause_flow"}, headers=auth_headers("alice"))
    iid = quote(started.json()["id"], safe="")
    assert_problem(
        await kclient.post(f"/instances/{iid}/pause", headers=auth_headers("mallory")),
        403,
        "forbidden",
        detail_contains="may pause it",
    )
    assert_problem(await kclient.post(f"/instances/{iid}/pause"), 401, "unauthorized")
    paused = await kclient.post(f"/instances/{iid}/pause", json={"reason": "audit"}, headers=auth_headers("dave"))
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    assert_problem(await kclient.post(f"/instances/{iid}/pause", headers=auth_headers("alice")), 409, "instance-paused")
    complete = await kclient.post(
        f"/tasks/{iid}/approve/complete", json={"data": {"ok": True}}, headers=auth_headers("alice")
    )
    assert_problem(complete, 409, "instance-paused", detail_contains="completing step 'approve'")
    resumed = await kclient.post(f"/instances/{iid}/resume", headers=auth_headers("alice"))
    assert resumed.json()["status"] == "waiting"
    assert_problem(
        await kclient.post(f"/instances/{iid}/resume", headers=auth_headers("alice")), 409, "instance-not-paused"
    )
