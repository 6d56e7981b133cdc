"""``GET /instances`` on Temporal: summaries from the visibility rows, no query per run (issue #10).

The gateway is built as in production over the session's dev server and the gateway tests'
thread worker (``api_worker``); the engine's per-run state read
(``TemporalExecutionEngine._state``, our code) is wrapped with a counter, and a page must not call it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.api.conftest import auth_headers, temporal_settings
from tests.temporal.helpers import eventually

EXPENSE = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}


async def test_listing_reads_no_run_and_links_to_the_full_instance(
    temporal_address: str, api_worker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = 0
    read_state = TemporalExecutionEngine._state

    async def counted(
        self: TemporalExecutionEngine, instance_id: str, rpc_timeout: timedelta | None = None
    ) -> InstanceState:
        nonlocal reads
        reads += 1
        return await read_state(self, instance_id, rpc_timeout)

    monkeypatch.setattr(TemporalExecutionEngine, "_state", counted)
    user = f"u-{uuid.uuid4().hex[:10]}"
    headers = auth_headers(user, ["employees"])
    async with AsyncTestClient(create_app(temporal_settings(temporal_address, api_worker))) as client:
        waiting = []
        for i in range(2):
            body = {"workflow_name": "expense_approval", "initial_data": EXPENSE, "business_key": f"k-{user}-{i}"}
            started = await client.post("/instances", json=body, headers=headers)
            assert started.status_code == 201, started.text
            waiting.append(started.json())
        other = await client.post(
            "/instances", json={"workflow_name": "expense_approval", "initial_data": EXPENSE}, headers=headers
        )
        canceled = await client.post(other.json()["links"]["cancel"], json={"reason": "not needed"}, headers=headers)
        assert canceled.status_code == 200, canceled.text
        canceled_id = canceled.json()["id"]

        async def page() -> dict[str, Any]:
            response = await client.get("/instances?limit=50", headers=headers)
            assert response.status_code == 200, response.text
            listed: dict[str, Any] = response.json()
            return listed

        def settled(listed: dict[str, Any]) -> bool:
            statuses = {i["id"]: i["status"] for i in listed["items"]}
            return len(statuses) == 3 and statuses.get(canceled_id) == "canceled"

        reads = 0
        listed = await eventually(page, settled)
        assert reads == 0  # every page so far came from visibility alone
        rows = {i["id"]: i for i in listed["items"]}
        assert set(rows) == {canceled_id, waiting[0]["id"], waiting[1]["id"]}
        row = rows[waiting[0]["id"]]
        assert row == {
            "id": waiting[0]["id"],
            "workflow_name": "expense_approval",
            "workflow_version": waiting[0]["workflow_version"],
            "status": "waiting",
            "pending_steps": ["manager_approval"],
            "started_at": row["started_at"],
            "completed_at": None,
            "started_by": user,
            "business_key": f"k-{user}-0",
            "links": waiting[0]["links"],
        }
        done = rows[canceled_id]
        assert done["completed_at"] is not None and done["pending_steps"] == [] and done["links"]["cancel"] is None
        only_waiting = (await client.get("/instances?status=waiting", headers=headers)).json()["items"]
        assert sorted(i["id"] for i in only_waiting) == sorted(w["id"] for w in waiting)
        assert reads == 0
        # Data and history: the instance itself (one read).
        full = (await client.get(row["links"]["self"], headers=headers)).json()
        assert full["data"]["amount"] == 250.0 and full["history"] and reads == 1
