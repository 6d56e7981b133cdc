"""The banner's curl walkthrough, run verbatim with bash against a real gateway (in-process engine).

The end-to-end test in ``test_dev_stack.py`` runs it against the full Temporal stack; this one
needs no Temporal and pins the walkthrough to the gateway's routes and the example's behaviour.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from litestar_workflows.devstack.banner import WALKTHROUGH_HEADER, render_banner
from litestar_workflows.devstack.config import DevStackConfig
from litestar_workflows.devstack.supervisor import DevStack
from tests.devstack.helpers import OutputReader, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gateway_port() -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "WORKFLOWS_DEV_TOKENS": "true", "WORKFLOWS_HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "tests.devstack.local_gateway:create_local_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    out = OutputReader(process)
    try:
        out.wait_for("Uvicorn running on", 60)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_printed_walkthrough_completes_an_expense_approval(gateway_port: int, tmp_path: Path) -> None:
    config = DevStackConfig(gateway_port=gateway_port, data_dir=tmp_path)
    banner = asyncio.run(render_banner(DevStack(config, []), 1.5))
    assert f"Gateway          http://127.0.0.1:{gateway_port}" in banner
    assert "expense_approval 1.0.0" in banner
    lines = banner.splitlines()
    commands = lines[lines.index(WALKTHROUGH_HEADER) + 2 :]
    commands = commands[: commands.index("")]
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(commands)], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    started, inbox, completed, shown = (json.loads(line) for line in ran.stdout.splitlines() if line.strip())
    assert started["status"] == "waiting"
    assert [t["step_name"] for t in inbox["items"]] == ["manager_approval"]
    assert completed["status"] == "completed"
    assert completed["data"]["status"] == "approved"
    assert shown["status"] == "completed"
    # Pasting it again starts nothing new: the business key makes the start idempotent, and the
    # completion is refused because the task is no longer waiting.
    again = subprocess.run(["bash", "-uo", "pipefail", "-c", "\n".join(commands)], capture_output=True, text=True)
    results = [json.loads(line) for line in again.stdout.splitlines() if line.strip()]
    assert results[0]["id"] == started["id"]
    assert results[2]["status"] == 409


def test_readme_rest_api_snippets_run(gateway_port: int) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The REST API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    script = "\n".join(blocks).replace("GW=http://127.0.0.1:8000", f"GW=http://127.0.0.1:{gateway_port}")
    ran = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    # 7500 > 5000: after the manager's approval the instance waits for a VP.
    assert '"step_name":"vp_approval"' in ran.stdout.replace(" ", "")
    assert '"candidate_groups":["vps"]' in ran.stdout.replace(" ", "")
