"""``litestar-workflows`` command line: configuration errors and busy ports, before anything starts."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.devstack.helpers import dev_env

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "litestar_workflows.devstack.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )


def test_invalid_variable_is_named(tmp_path: Path) -> None:
    result = run_cli("dev", env=dev_env(tmp_path, DEV_TEMPORAL_PORT="abc"))
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr
    assert "DEV_TEMPORAL_PORT" in result.stderr


def test_invalid_flag_is_rejected(tmp_path: Path) -> None:
    result = run_cli("dev", "--gateway-port", "70000", env=dev_env(tmp_path))
    assert result.returncode == 2
    assert "70000 is not a port number" in result.stderr


def test_busy_temporal_port_stops_the_real_command_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        result = run_cli("dev", env=dev_env(tmp_path, DEV_TEMPORAL_PORT=str(busy)))
    assert result.returncode == 1
    assert f"port {busy} (Temporal server (gRPC)) is already in use" in result.stdout
    assert "DEV_TEMPORAL_PORT=<port>" in result.stdout
    assert "--temporal-port" in result.stdout
    assert "starting the" not in result.stdout
    assert not (tmp_path / "data" / "temporal.db").exists()
