"""``litestar-workflows dev`` (what ``make run`` runs), end to end, as a subprocess.

Starts the real stack (Temporal dev server, worker, gateway) on free ports with its own data
directory, runs the curl walkthrough exactly as printed, stops it with SIGINT, checks that no
process is left and the SQLite database is intact, starts it again and finds the instance.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from litestar_workflows.devstack.banner import WALKTHROUGH_HEADER
from tests.devstack.helpers import OutputReader, alive, dev_env, wait_until

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Press Ctrl-C to stop everything."


def start(env: dict[str, str]) -> tuple[subprocess.Popen[str], OutputReader]:
    process = subprocess.Popen(
        [sys.executable, "-m", "litestar_workflows.devstack.cli", "dev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    return process, OutputReader(process)


def stop(process: subprocess.Popen[str], out: OutputReader, data_dir: Path) -> None:
    children = json.loads((data_dir / "devstack.json").read_text())["services"]
    assert set(children) == {"temporal", "worker", "gateway"}
    process.send_signal(signal.SIGINT)
    try:
        assert process.wait(60) == 0, out.text()
    finally:
        if process.poll() is None:
            process.kill()
    out.drain()
    assert "stopped cleanly" in out.text()
    wait_until(lambda: not any(alive(pid) for pid in children.values()), 10, "every child to exit")
    with sqlite3.connect(data_dir / "temporal.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def walkthrough(out: OutputReader) -> list[str]:
    lines = out.lines[out.lines.index(WALKTHROUGH_HEADER) + 2 :]
    return lines[: lines.index("")]


def json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_readme_queries(temporal_port: str, instance_id: str) -> None:
    """The README's `temporal workflow list --query` examples are valid against the dev stack."""
    readme = (ROOT / "README.md").read_text()
    queries = re.findall(r'^\$T --query "(.+?)"', readme, re.MULTILINE)
    assert len(queries) >= 5
    cli = str(Path(sys.executable).parent / "temporal")
    for query in queries:
        listed = subprocess.run(
            [cli, "workflow", "list", "--address", f"127.0.0.1:{temporal_port}", "--query", query, "-o", "json"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert listed.returncode == 0, f"README query {query!r} fails: {listed.stderr}"
    # A completed run's status is its execution status (its InstanceStatus may stay 'running').
    query = "DefinitionName = 'expense_approval' AND ExecutionStatus = 'Completed'"

    def listed_as_completed() -> bool:
        found = subprocess.run(
            [cli, "workflow", "list", "--address", f"127.0.0.1:{temporal_port}", "-o", "json", "--query", query],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return instance_id in found.stdout

    # Visibility is eventually consistent.
    wait_until(listed_as_completed, 15, "the instance to be listed as completed")


def test_make_run_stack_runs_the_printed_walkthrough_and_keeps_instances_across_a_restart(tmp_path: Path) -> None:
    env = dev_env(tmp_path)
    data_dir = Path(env["DEV_DATA_DIR"])
    gateway = f"http://127.0.0.1:{env['WORKFLOWS_PORT']}"

    process, out = start(env)
    try:
        out.wait_for(READY_LINE, 180)
    except AssertionError:
        process.kill()
        raise
    try:
        assert f"Gateway          {gateway}" in out.text()
        assert f"Temporal Web UI  http://127.0.0.1:{env['DEV_TEMPORAL_UI_PORT']}/namespaces/default/workflows" in (
            out.text()
        )
        assert "expense_approval 1.0.0" in out.text()
        assert "document_review 1.0.0" in out.text()
        assert "employee_onboarding 1.0.0" in out.text()

        commands = walkthrough(out)
        script = "\n".join(commands)
        assert script.count("curl ") == 4
        ran = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        started, inbox, completed, shown = json_lines(ran.stdout)
        assert started["status"] == "waiting"
        assert started["current_step"] == "manager_approval"
        instance_id = started["id"]
        assert instance_id.startswith("expense_approval/demo-")
        assert any(t["instance_id"] == instance_id for t in inbox["items"])
        assert completed["status"] == "completed"
        assert completed["data"]["status"] == "approved"
        assert shown["status"] == "completed"
        requester_token = next(c for c in commands if c.startswith("REQUESTER=")).split("=", 1)[1]
        check_readme_queries(env["DEV_TEMPORAL_PORT"], instance_id)
    finally:
        stop(process, out, data_dir)

    process, out = start(env)
    try:
        out.wait_for(READY_LINE, 180)
        # Same data directory: the instance is still there, and the earlier demo token still works.
        path = "/instances/" + instance_id.replace("/", "%2F")
        response = httpx.get(gateway + path, headers={"Authorization": f"Bearer {requester_token}"}, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "completed"
        assert response.json()["data"]["status"] == "approved"
        listed = httpx.get(
            gateway + "/instances",
            params={"workflow_name": "expense_approval"},
            headers={"Authorization": f"Bearer {requester_token}"},
            timeout=30,
        )
        assert instance_id in [i["id"] for i in listed.json()["items"]]
    finally:
        stop(process, out, data_dir)
