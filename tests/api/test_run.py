"""The gateway runs as documented: ``litestar --app api.app:create_app run`` and ``uvicorn --factory``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.api.conftest import SECRET, auth_headers

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(command: Sequence[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        list(command),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(url: str, process: subprocess.Popen[str], within: float = 60) -> requests.Response:
    deadline = time.monotonic() + within
    last: requests.Response | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the gateway exited with {process.returncode}:\n{output}")
        try:
            last = requests.get(f"{url}/ready", timeout=5)
            if last.status_code == 200:
                return last
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the gateway never became ready: {last.text if last is not None else 'no answer'}")


@pytest.mark.parametrize("cli", ["litestar", "uvicorn"])
def test_the_documented_commands_serve_the_gateway(cli: str, temporal_address: str, api_worker: str) -> None:
    port = free_port()
    env = {
        "TEMPORAL_ADDRESS": temporal_address,
        "TEMPORAL_TASK_QUEUE": api_worker,
        "WORKFLOWS_DEFINITIONS": "examples:registry",
        "WORKFLOWS_JWT_SECRET": SECRET,
        "WORKFLOWS_DEV_TOKENS": "false",
    }
    if cli == "litestar":
        command = [str(BIN / "litestar"), "--app", "api.app:create_app", "run", "--port", str(port)]
    else:
        command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serve(command, env) as process:
        ready = wait_ready(url, process)
        assert ready.json()["checks"]["worker"].startswith("polling")
        definitions = requests.get(f"{url}/definitions", headers=auth_headers("bob"), timeout=10)
        assert definitions.status_code == 200
        assert "expense_approval" in {d["name"] for d in definitions.json()}
        assert requests.get(f"{url}/definitions", timeout=10).status_code == 401


def test_dev_tokens_refuse_a_public_bind() -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:create_app",
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
    ]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "WORKFLOWS_DEV_TOKENS": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "loopback" in result.stdout + result.stderr
