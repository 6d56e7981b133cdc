"""Schemathesis over every route of the gateway wired to the real Temporal dev server and worker.

Bounded by ``FUZZ_EXAMPLES`` (default 12, so `make test` stays within its time budget; `make fuzz`
runs 200) positive and as many negative cases per operation.
"""

from __future__ import annotations

import os
import uuid

import requests

from api.app import create_app
from tests.api.conftest import LiveServer, auth_headers, temporal_settings
from tests.api.fuzz import fuzz

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


def test_every_route_without_5xx_on_temporal(temporal_address: str, api_worker: str) -> None:
    with LiveServer(create_app(temporal_settings(temporal_address, api_worker))) as server:
        # A waiting instance for the targeted pass (its task and its cancellation).
        target = f"fuzz-{uuid.uuid4().hex[:8]}"
        response = requests.post(
            f"{server.url}/instances",
            json={"workflow_name": "expense_approval", "initial_data": {"amount": 9000}, "business_key": target},
            headers=auth_headers("alice"),
            timeout=30,
        )
        assert response.status_code == 201, response.text
        targets = {
            "instance_id": f"expense_approval/{target}",
            "step_name": "manager_approval",
            "name": "expense_approval",
        }
        report = fuzz(server.url, auth_headers("bob", ["managers", "admins"]), FUZZ_EXAMPLES, targets)
    print(f"\nschemathesis over TemporalExecutionEngine: {report.total} cases, {len(report.operations)} operations")
    print("\n".join(f"  {label}: {count} {report.statuses.get(label)}" for label, count in report.cases.items()))
    assert not report.failures, "\n\n".join(report.failures)
    assert len(report.operations) == 24
    assert report.total >= 500
