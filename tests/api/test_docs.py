"""docs/api.md stays true: every problem code and route is documented, and the curl walkthrough runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.problems import CATALOGUE
from examples.expense_approval import registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import LiveServer, auth_headers, gateway_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_problem_code_is_documented() -> None:
    text = DOC.read_text()
    for code, kind in CATALOGUE.items():
        assert re.search(rf"\| {kind.status} \| `{re.escape(code)}` \|", text), code


async def test_every_route_is_documented(client: AsyncTestClient[Any]) -> None:
    text = DOC.read_text()
    doc = (await client.get("/schema/openapi.json", headers=auth_headers("alice"))).json()
    for path, item in doc["paths"].items():
        for method in item:
            assert f"`{method.upper()} {path}" in text, (method, path)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_walkthrough_runs_verbatim() -> None:
    script = DOC.read_text().split("## The whole flow with curl", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    app = create_app(gateway_settings(dev_tokens=True, jwt_secret=None), LocalExecutionEngine(registry))
    with LiveServer(app) as server:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env={**os.environ, "GW": server.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    outputs = result.stdout.strip().splitlines()
    assert '"status":"waiting"' in outputs[0] and '"current_step":"manager_approval"' in outputs[0]
    assert '"step_name":"manager_approval"' in outputs[1]
    assert '"form_schema"' in outputs[2]
    assert '"current_step":"vp_approval"' in outputs[3]
    assert '"code":"not-allowed"' in outputs[4]
    assert '"status":"completed"' in outputs[5]
    assert '"status":"approved"' in outputs[6] and '"completed_by":"carol"' in outputs[6]
