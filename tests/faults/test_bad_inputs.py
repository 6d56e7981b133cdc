"""Bad input at every boundary: a clear, specific error, and nothing changes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from litestar_workflows import Edge, WorkflowDefinition, WorkflowValidationError
from tests.faults.flows import Approve, Record, Submit, registry
from tests.faults.harness import Cluster, token


async def history_length(cluster: Cluster, instance_id: str) -> int:
    client = await cluster.client()
    return len([e async for e in client.get_workflow_handle(instance_id).fetch_history_events()])


async def test_bad_inputs_change_nothing(cluster: Cluster, record_figures: Any) -> None:
    cluster.start_worker()
    await cluster.start_gateway()
    alice = {"Authorization": f"Bearer {token('alice')}"}
    bob = {"Authorization": f"Bearer {token('bob', 'managers')}"}
    async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
        created = await http.post(
            "/instances",
            json={"workflow_name": "fault_approval", "initial_data": {"ledger": str(cluster.ledger)}},
            headers=alice,
        )
        assert created.status_code == 201, created.text
        iid = created.json()["id"]
        task = f"/tasks/{quote(iid, safe='')}/approve/complete"
        before = (await http.get(f"/instances/{quote(iid, safe='')}", headers=alice)).json()
        events = await history_length(cluster, iid)
        listed = len((await http.get("/instances", headers=alice)).json()["items"])

        cases: list[tuple[str, str, dict[str, str], Any, int, str]] = [
            ("malformed JSON", task, bob, b'{"data": {"approved": tru', 400, ""),
            ("body is not an object", task, bob, b"[1, 2]", 400, ""),
            ("unknown field", task, bob, {"data": {"approved": True}, "user_id": "mallory"}, 400, "user_id"),
            ("wrong type", task, bob, {"data": {"approved": "yes"}}, 422, "/approved"),
            ("missing required field", task, bob, {"data": {}}, 422, "/approved"),
            ("field not in the form", task, bob, {"data": {"approved": True, "amount": 1}}, 422, "/amount"),
            ("too long", task, bob, {"data": {"approved": True, "note": "x" * 500}}, 422, "/note"),
            ("huge body", task, bob, {"data": {"approved": True, "note": "x" * 2_000_000}}, 413, ""),
            ("no token", task, {}, {"data": {"approved": True}}, 401, ""),
            ("forged token", task, {"Authorization": "Bearer abc.def.ghi"}, {"data": {"approved": True}}, 401, ""),
            ("not in the candidate group", task, alice, {"data": {"approved": True}}, 403, ""),
            ("unknown step", f"/tasks/{quote(iid, safe='')}/nope/complete", bob, {"data": {}}, 404, "nope"),
            ("machine step", f"/tasks/{quote(iid, safe='')}/record/complete", bob, {"data": {}}, 409, "record"),
            ("unknown instance", "/tasks/fault_approval%2Fmissing/approve/complete", bob, {"data": {}}, 404, ""),
            ("unknown definition", "/instances", alice, {"workflow_name": "nope", "initial_data": {}}, 404, "nope"),
            (
                "unknown version",
                "/instances",
                alice,
                {"workflow_name": "fault_approval", "version": "9.9.9"},
                404,
                "9.9.9",
            ),
            (
                "initial data not an object",
                "/instances",
                alice,
                {"workflow_name": "fault_approval", "initial_data": 3},
                400,
                "",
            ),
        ]
        for what, url, headers, body, status, mention in cases:
            if isinstance(body, bytes):
                response = await http.post(url, content=body, headers={**headers, "Content-Type": "application/json"})
            else:
                response = await http.post(url, json=body, headers=headers)
            assert response.status_code == status, (what, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json"), what
            problem = response.json()
            assert problem["status"] == status and problem["title"] and problem.get("detail"), (what, problem)
            assert mention in response.text, (what, problem)

        after = (await http.get(f"/instances/{quote(iid, safe='')}", headers=alice)).json()
        assert after == before
        assert await history_length(cluster, iid) == events
        assert len((await http.get("/instances", headers=alice)).json()["items"]) == listed

    # Registration: an invalid definition is refused whole and the registry keeps what it had.
    versions = registry.get_versions("fault_approval")
    broken = WorkflowDefinition(
        name="fault_approval",
        version="2.0",
        steps={"submit": Submit(), "approve": Approve(), "record": Record()},
        edges=[Edge("submit", "approve", "amount >"), Edge("approve", "ghost")],
        initial_step="submit",
        terminal_steps={"record"},
    )
    with pytest.raises(WorkflowValidationError) as info:
        registry.register_definition(broken)
    assert len(info.value.errors) >= 3
    assert registry.get_versions("fault_approval") == versions
    record_figures(bad_requests=len(cases), state_changes=0, definition_errors_reported=len(info.value.errors))
