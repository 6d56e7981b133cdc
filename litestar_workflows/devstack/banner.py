"""What ``litestar-workflows dev`` prints once the stack is ready: URLs, demo tokens, a curl walkthrough.

The demo tokens come from the running gateway's ``GET /dev/token`` (development mode), so
they carry exactly the claims the gateway verifies. The walkthrough is plain ``curl`` with
shell variables and a business key unique to this start, so it can be pasted as a whole
into another terminal, more than once, and on any later start.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from litestar_workflows.devstack.config import HOST, DevStackError
from litestar_workflows.devstack.services import http_get

if TYPE_CHECKING:
    from litestar_workflows.devstack.config import DevStackConfig
    from litestar_workflows.devstack.supervisor import DevStack

__all__ = ["REQUESTER", "REVIEWER", "expense_walkthrough", "render_banner"]

REQUESTER = "alice"
"""Demo user who submits the expense (group ``employees``)."""

REVIEWER = "bob"
"""Demo user who approves it (groups ``employees``, ``managers``)."""

WALKTHROUGH_HEADER = "Run the expense approval end to end (paste into another terminal):"
"""Line printed right above the walkthrough (tests find the commands after it)."""


def expense_walkthrough(gateway_url: str, requester_token: str, manager_token: str, business_key: str) -> list[str]:
    """Shell lines that start an expense request, show the manager's inbox, approve it and show the result."""
    instance = f"expense_approval%2F{business_key}"
    start = json.dumps(
        {
            "workflow_name": "expense_approval",
            "business_key": business_key,
            "initial_data": {"requester_id": REQUESTER, "amount": 250, "description": "Conference fee"},
        }
    )
    decision = json.dumps({"data": {"approved": True, "comments": "Approved for Q4 budget"}})
    json_header = "-H 'Content-Type: application/json'"
    return [
        f"GW={gateway_url}",
        f"REQUESTER={requester_token}",
        f"MANAGER={manager_token}",
        "# 1. alice submits an expense; the answer comes once it waits for a manager",
        f"curl -sS -w '\\n' -X POST $GW/instances -H \"Authorization: Bearer $REQUESTER\" {json_header} -d '{start}'",
        "# 2. bob (group managers) sees the task in his inbox",
        "curl -sS -w '\\n' $GW/tasks -H \"Authorization: Bearer $MANAGER\"",
        "# 3. bob approves; the answer is the instance after it has run to completion",
        f"curl -sS -w '\\n' -X POST $GW/tasks/{instance}/manager_approval/complete "
        f"-H \"Authorization: Bearer $MANAGER\" {json_header} -d '{decision}'",
        "# 4. the instance: status completed, data.status approved",
        f"curl -sS -w '\\n' $GW/instances/{instance} -H \"Authorization: Bearer $REQUESTER\"",
    ]


async def _token(port: int, user: str) -> str:
    status, body = await http_get(port, f"/dev/token?user={user}")
    if status != 200:
        raise DevStackError(f"the gateway did not mint a demo token for {user!r} (HTTP {status}): {body[:300]!r}")
    token: Any = json.loads(body).get("access_token")
    if not isinstance(token, str):
        raise DevStackError(f"the gateway's /dev/token answer has no access_token: {body[:300]!r}")
    return token


async def _definitions(port: int, token: str) -> list[str]:
    status, body = await http_get(port, "/definitions", {"Authorization": f"Bearer {token}"})
    if status != 200:
        return []
    listing: Any = json.loads(body)
    items = listing.get("items", listing) if isinstance(listing, dict) else listing
    if not isinstance(items, list):
        return []
    return [f"{d.get('name')} {d.get('version')}" for d in items if isinstance(d, dict)]


def _urls(config: DevStackConfig) -> list[str]:
    return [
        f"  Gateway          {config.gateway_url}",
        f"  Task UI          {config.gateway_url}/ui  (sign in as alice, bob, carol or dave)",
        f"  API docs         {config.gateway_url}/schema  (Swagger UI; also /schema/redoc, /schema/rapidoc)",
        f"  Temporal Web UI  {config.ui_url}",
        f"  Temporal gRPC    {config.temporal_address}  (temporal workflow list --address {config.temporal_address})",
        f"  Data             {config.db_path} (SQLite; instances survive a restart), logs in {config.log_dir}/",
        f"  Encryption       payloads encrypted (key in {config.data_dir}/dev-codec-keys unless WORKFLOWS_CODEC_KEYS);"
        f" the Web UI decrypts them via {config.gateway_url}/codec",
        f"  Metrics          gateway {config.gateway_url}/metrics, worker http://{HOST}:{config.worker_metrics_port}/metrics",
    ]


async def render_banner(stack: DevStack, took: float) -> str:
    """The "ready" message of the dev stack."""
    config = stack.config
    requester = await _token(config.gateway_port, REQUESTER)
    manager = await _token(config.gateway_port, REVIEWER)
    definitions = await _definitions(config.gateway_port, requester)
    lines = [
        "",
        "=" * 100,
        f"litestar-workflows dev stack is ready ({took:.1f}s) on {HOST}",
        "",
        *_urls(config),
        "",
        "  Definitions      " + (", ".join(definitions) or f"(see {config.gateway_url}/definitions)"),
        "",
        "Demo tokens (valid 8 hours; other users: GET /dev/token?user=<name>&groups=<a,b>):",
        f"  REQUESTER  {REQUESTER}, groups employees",
        f"  MANAGER    {REVIEWER}, groups employees, managers",
        "",
    ]
    if any(d.startswith("expense_approval ") for d in definitions):
        business_key = f"demo-{int(time.time())}"
        lines += [WALKTHROUGH_HEADER, ""]
        lines += expense_walkthrough(config.gateway_url, requester, manager, business_key)
        lines += [
            "",
            f"Then open {config.ui_url} to see the instance (expense_approval/{business_key}) and its history.",
            f"Or do it in the browser: {config.gateway_url}/ui, sign in as alice and start an expense, then as bob.",
        ]
    else:
        lines += [f"REQUESTER={requester}", f"MANAGER={manager}"]
    lines += ["", "Press Ctrl-C to stop everything.", "=" * 100, ""]
    return "\n".join(lines)
