"""The dev stack supervisor, over fake services: ordering, readiness, signals, crashes, ports, locking.

Each test runs the real supervisor (``tests/devstack/fake_stack.py``) as a separate process so
that signals are real; the children are ``fake_service.py`` processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from litestar_workflows.devstack.config import DevStackConfig, PortInUseError, check_ports
from litestar_workflows.settings import Settings
from tests.devstack.helpers import OutputReader, alive, dev_env, free_port, wait_until

HERE = Path(__file__).parent


def start_stack(tmp_path: Path, spec: list[dict[str, Any]], **env: str) -> tuple[subprocess.Popen[str], OutputReader]:
    process = subprocess.Popen(
        [sys.executable, str(HERE / "fake_stack.py"), str(tmp_path), json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dev_env(tmp_path, **{"DEV_STOP_TIMEOUT": "1", **env}),
        cwd=HERE.parent.parent,
    )
    return process, OutputReader(process)


def events(tmp_path: Path) -> list[str]:
    path = tmp_path / "events"
    return path.read_text().splitlines() if path.exists() else []


def pids(tmp_path: Path) -> dict[str, int]:
    found = {}
    for line in events(tmp_path):
        name, event, *rest = line.split()
        if event == "started":
            found[name] = int(rest[0].split("=")[1])
    return found


THREE = [{"name": "first"}, {"name": "second"}, {"name": "third"}]


def test_starts_in_order_and_sigint_stops_in_reverse(tmp_path: Path) -> None:
    process, out = start_stack(tmp_path, THREE)
    out.wait_for("READY", 30)
    state = json.loads((tmp_path / "data" / "devstack.json").read_text())
    children = pids(tmp_path)
    assert list(children) == ["first", "second", "third"]
    assert state["services"] == children
    assert state["pid"] == process.pid
    for name, pid in children.items():
        # Own process group and session: the terminal's Ctrl-C reaches only the supervisor.
        assert os.getpgid(pid) == pid, name
        assert os.getsid(pid) == pid, name
    assert "   first | first says hello" in out.text()

    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    out.drain()
    assert [e for e in events(tmp_path) if "SIGTERM" in e] == ["third SIGTERM", "second SIGTERM", "first SIGTERM"]
    assert not any(alive(pid) for pid in children.values())
    assert "stopped cleanly" in out.text()
    assert not (tmp_path / "data" / "devstack.json").exists()
    assert (tmp_path / "data" / "logs" / "second.log").read_text().count("second says hello") == 1


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_too(tmp_path: Path, sig: signal.Signals) -> None:
    process, out = start_stack(tmp_path, THREE[:1])
    out.wait_for("READY", 30)
    process.send_signal(sig)
    assert process.wait(30) == 0
    assert not alive(pids(tmp_path)["first"])


def test_child_ignoring_sigterm_is_killed_after_the_stop_timeout(tmp_path: Path) -> None:
    process, out = start_stack(tmp_path, [{"name": "stubborn", "flags": ["--ignore-term"]}])
    out.wait_for("READY", 30)
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    out.drain()
    assert "did not exit within 1s of SIGTERM; killing it" in out.text()
    assert not alive(pids(tmp_path)["stubborn"])


def test_second_ctrl_c_kills_at_once(tmp_path: Path) -> None:
    process, out = start_stack(tmp_path, [{"name": "stubborn", "flags": ["--ignore-term"]}], DEV_STOP_TIMEOUT="60")
    out.wait_for("READY", 30)
    process.send_signal(signal.SIGINT)
    out.wait_for("stopping the stubborn", 10)
    process.send_signal(signal.SIGINT)
    assert process.wait(10) == 0
    out.drain()
    assert "killing every process now" in out.text()
    assert not alive(pids(tmp_path)["stubborn"])


def test_grandchildren_are_stopped_with_their_parent(tmp_path: Path) -> None:
    process, out = start_stack(tmp_path, [{"name": "parent", "flags": ["--grandchild"]}])
    out.wait_for("READY", 30)
    grandchild = int((tmp_path / "parent.grandchild").read_text())
    assert alive(grandchild)
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    wait_until(lambda: not alive(grandchild), 5, "the grandchild to exit")


def test_a_crashing_child_stops_the_whole_stack(tmp_path: Path) -> None:
    spec: list[dict[str, Any]] = [{"name": "steady"}, {"name": "flaky", "flags": ["--crash-after", "0.5"]}]
    process, out = start_stack(tmp_path, spec)
    out.wait_for("READY", 30)
    assert process.wait(30) == 1
    out.drain()
    assert "the flaky exited unexpectedly with status 7" in out.text()
    assert "flaky crashes now" in out.text()
    assert "steady SIGTERM" in events(tmp_path)
    assert not alive(pids(tmp_path)["steady"])


def test_a_child_dying_during_startup_is_reported_and_later_ones_never_start(tmp_path: Path) -> None:
    spec: list[dict[str, Any]] = [{"name": "good"}, {"name": "broken", "flags": ["--exit-early"]}, {"name": "never"}]
    process, out = start_stack(tmp_path, spec)
    assert process.wait(30) == 1
    out.drain()
    assert "the broken exited before it was ready with status 3" in out.text()
    assert "broken fails to start: boom" in out.text()
    assert "never" not in pids(tmp_path)
    assert not alive(pids(tmp_path)["good"])


def test_readiness_timeout_names_the_variable(tmp_path: Path) -> None:
    process, out = start_stack(tmp_path, [{"name": "slow", "flags": ["--never-ready"]}], DEV_READY_TIMEOUT="1")
    assert process.wait(30) == 1
    out.drain()
    assert "the slow was not ready after 1s" in out.text()
    assert "DEV_READY_TIMEOUT" in out.text()
    assert not alive(pids(tmp_path)["slow"])


def test_sigint_during_startup_stops_what_was_started(tmp_path: Path) -> None:
    process, _out = start_stack(tmp_path, [{"name": "slow", "flags": ["--never-ready"]}])
    wait_until(lambda: "slow" in pids(tmp_path), 30, "the child to start")
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    assert not alive(pids(tmp_path)["slow"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_children_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    process, out = start_stack(tmp_path, THREE[:2])
    out.wait_for("READY", 30)
    children = pids(tmp_path)
    process.kill()
    process.wait(10)
    wait_until(lambda: not any(alive(pid) for pid in children.values()), 10, "the orphans to exit")
    assert {"first SIGTERM", "second SIGTERM"} <= set(events(tmp_path))


def test_two_stacks_cannot_share_a_data_directory(tmp_path: Path) -> None:
    first, out = start_stack(tmp_path, THREE[:1])
    out.wait_for("READY", 30)
    try:
        second = subprocess.run(
            [sys.executable, str(HERE / "fake_stack.py"), str(tmp_path), json.dumps([{"name": "other"}])],
            capture_output=True,
            text=True,
            env=dev_env(tmp_path),
            timeout=60,
        )
        assert second.returncode == 1
        assert f"another dev stack (pid {first.pid}) is using the data directory" in second.stdout
        assert "DEV_DATA_DIR" in second.stdout
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(30) == 0


def test_busy_port_is_named_with_its_variable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        process, out = start_stack(tmp_path, THREE, WORKFLOWS_PORT=str(busy))
        assert process.wait(30) == 1
    out.drain()
    assert f"port {busy} (gateway (HTTP)) is already in use on 127.0.0.1" in out.text()
    assert "WORKFLOWS_PORT=<port>" in out.text()
    assert "--gateway-port" in out.text()
    assert events(tmp_path) == []  # nothing was started


def test_check_ports_lists_every_problem() -> None:
    with socket.socket() as a, socket.socket() as b:
        for sock in (a, b):
            sock.bind(("127.0.0.1", 0))
            sock.listen()
        config = DevStackConfig(temporal_port=a.getsockname()[1], ui_port=b.getsockname()[1], gateway_port=free_port())
        with pytest.raises(PortInUseError) as info:
            check_ports(config)
    message = str(info.value)
    assert f"port {config.temporal_port} (Temporal server (gRPC))" in message
    assert "DEV_TEMPORAL_PORT" in message
    assert f"port {config.ui_port} (Temporal Web UI)" in message
    assert "DEV_TEMPORAL_UI_PORT" in message


def test_check_ports_rejects_the_same_port_twice() -> None:
    port = free_port()
    with pytest.raises(PortInUseError, match=f"port {port} is configured for both"):
        check_ports(DevStackConfig(temporal_port=port, ui_port=port, gateway_port=free_port()))


def test_config_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_TEMPORAL_PORT", "17000")
    monkeypatch.setenv("WORKFLOWS_PORT", "18000")
    monkeypatch.delenv("WORKFLOWS_DEFINITIONS", raising=False)
    config = DevStackConfig.from_settings(Settings(), gateway_port=19000, data_dir="/tmp/x")  # type: ignore[call-arg]
    assert (config.temporal_port, config.ui_port, config.gateway_port) == (17000, 8233, 19000)
    assert config.data_dir == Path("/tmp/x")
    assert config.definitions == "examples:registry"
    monkeypatch.setenv("WORKFLOWS_DEFINITIONS", "mine:registry")
    assert DevStackConfig.from_settings(Settings()).definitions == "mine:registry"  # type: ignore[call-arg]
