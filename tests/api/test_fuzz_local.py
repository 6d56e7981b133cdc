"""Schemathesis over every route of the gateway's own OpenAPI schema (LocalExecutionEngine, real HTTP).

Bounded by ``FUZZ_EXAMPLES`` (default 12, so `make test` stays within its time budget; `make fuzz`
runs 200) positive and as many negative cases per operation.
"""

from __future__ import annotations

import os
from typing import Any

import requests

from api.app import create_app
from examples.expense_approval import registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import LiveServer, auth_headers, gateway_settings
from tests.api.fuzz import fuzz

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def test_every_route_without_5xx() -> None:
    with LiveServer(create_app(gateway_settings(settle_timeout=5.0), LocalExecutionEngine(registry))) as server:
        # Instances the documented examples name, so generated completions reach the engine.
        # (the start request's documented example, so replaying it is an idempotent 200).
        example = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}
        starts: list[tuple[str, dict[str, Any]]] = [("expense-2024-0042", example), ("vp-1", {"amount": 9000})]
        for key, data in starts:
            response = requests.post(
                f"{server.url}/instances",
                json={"workflow_name": "expense_approval", "initial_data": data, "business_key": key},
                headers=auth_headers("alice"),
                timeout=10,
            )
            assert response.status_code == 201, response.text
        # bob completes manager steps and, as an admin, may cancel.
        targets = {"instance_id": "expense_approval/vp-1", "step_name": "manager_approval", "name": "expense_approval"}
        report = fuzz(server.url, auth_headers("bob", ["managers", "admins"]), FUZZ_EXAMPLES, targets)
    print(f"\nschemathesis over LocalExecutionEngine: {report.total} cases, {len(report.operations)} operations")
    print("\n".join(f"  {label}: {count} {report.statuses.get(label)}" for label, count in report.cases.items()))
    assert not report.failures, "\n\n".join(report.failures)
    assert len(report.operations) == 24
    assert report.total >= 500
