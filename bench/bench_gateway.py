"""Gateway overhead: ``POST /tasks/.../complete`` (and ``POST /instances``) through HTTP vs the engine call.

One Temporal dev server, one worker process and one gateway process (uvicorn) serve both
contenders in the same run. This process drives them: the *direct* contender calls
``TemporalExecutionEngine.complete_human_task`` (and ``start_workflow``) on its own client, the
*gateway* contender sends the same request over HTTP (httpx, keep-alive) with a bearer token.
Calls are sequential (latency, not throughput) and alternate between the contenders so drift
affects both alike; the first ``--warmup`` calls of each are discarded.

Usage: ``python -m bench.bench_gateway [--n 200] [--warmup 20]``. Writes
``bench/results/gateway.{json,md}``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
from temporalio.testing import WorkflowEnvironment

from bench.common import percentile, write_results
from litestar_workflows.temporal.contracts import SEARCH_ATTRIBUTES
from litestar_workflows.temporal.engine import TemporalExecutionEngine

ROOT = Path(__file__).resolve().parents[1]
QUEUE = "bench-gateway"
SECRET = "bench-secret-" + uuid.uuid4().hex
DEFINITIONS = "examples.expense_approval:registry"
EXPENSE = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _token(user: str, groups: list[str]) -> str:
    now = int(time.time())
    return jwt.encode({"sub": user, "groups": groups, "iat": now, "exp": now + 3600}, SECRET, algorithm="HS256")


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "mean_ms": sum(ms) / len(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
    }


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def _wait_ready(url: str, process: subprocess.Popen[bytes], within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
            try:
                if (await http.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the gateway never became ready")


async def run(n: int, warmup: int) -> dict[str, Any]:
    """Measure and return the results."""
    temporal = str(Path(sys.executable).parent / "temporal")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal, search_attributes=SEARCH_ATTRIBUTES, dev_server_log_level="error"
    )
    address = str(env.client.service_client.config.target_host)
    port = _free_port()
    child_env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_TASK_QUEUE": QUEUE,
        "WORKFLOWS_DEFINITIONS": DEFINITIONS,
        "WORKFLOWS_JWT_SECRET": SECRET,
        "WORKFLOWS_DEV_TOKENS": "false",
    }
    # Popen returns at once; nothing here waits on the children while the loop has work.
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=child_env)  # noqa: ASYNC220
    gateway_command = [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--port", str(port)]
    gateway = subprocess.Popen(  # noqa: ASYNC220
        [*gateway_command, "--no-access-log", "--log-level", "warning"], cwd=ROOT, env=child_env
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(url, gateway)
        from api.temporal import load_registry

        engine = TemporalExecutionEngine(load_registry(DEFINITIONS), env.client, QUEUE, settle_timeout=60)
        alice = {"Authorization": f"Bearer {_token('alice', ['employees'])}"}
        bob = {"Authorization": f"Bearer {_token('bob', ['managers'])}"}
        samples: dict[str, list[float]] = {
            "complete_gateway": [],
            "complete_direct": [],
            "start_gateway": [],
            "start_direct": [],
        }
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            total = n + warmup
            for i in range(total):
                # Alternate who goes first, so neither contender always follows the other.
                order = ("gateway", "direct") if i % 2 == 0 else ("direct", "gateway")
                ids: dict[str, str] = {}
                for who in order:
                    key = f"b-{uuid.uuid4().hex[:12]}"
                    if who == "gateway":

                        async def start_http(key: str = key) -> None:
                            response = await http.post(
                                "/instances",
                                json={
                                    "workflow_name": "expense_approval",
                                    "initial_data": EXPENSE,
                                    "business_key": key,
                                },
                                headers=alice,
                            )
                            assert response.status_code == 201, response.text

                        elapsed = await _timed(start_http)
                    else:

                        async def start_direct(key: str = key) -> None:
                            await engine.start_workflow("expense_approval", EXPENSE, business_key=key, user_id="alice")

                        elapsed = await _timed(start_direct)
                    ids[who] = f"expense_approval/{key}"
                    if i >= warmup:
                        samples[f"start_{who}"].append(elapsed)
                for who in order:
                    iid = ids[who]
                    if who == "gateway":

                        async def complete_http(iid: str = iid) -> None:
                            response = await http.post(
                                f"/tasks/{iid.replace('/', '%2F')}/manager_approval/complete",
                                json={"data": {"approved": True}},
                                headers=bob,
                            )
                            assert response.status_code == 200, response.text
                            assert response.json()["status"] == "completed"

                        elapsed = await _timed(complete_http)
                    else:

                        async def complete_direct(iid: str = iid) -> None:
                            done = await engine.complete_human_task(
                                iid, "manager_approval", "bob", {"approved": True}, groups=["managers"]
                            )
                            assert done.status.value == "completed"

                        elapsed = await _timed(complete_direct)
                    if i >= warmup:
                        samples[f"complete_{who}"].append(elapsed)
        stats = {name: _stats(values) for name, values in samples.items()}
        return {"n": n, "warmup": warmup, "stats": stats, "samples_s": samples}
    finally:
        for process in (gateway, worker):
            process.terminate()
        for process in (gateway, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        await env.shutdown()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/gateway.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="measured calls per contender and operation")
    parser.add_argument("--warmup", type=int, default=20, help="discarded calls per contender and operation")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.n, args.warmup))
    stats = result["stats"]
    rows = [["Operation", "Contender", "p50 (ms)", "p95 (ms)", "mean (ms)", "min-max (ms)", "p50 ratio", "p95 ratio"]]
    for op in ("complete", "start"):
        direct, gateway = stats[f"{op}_direct"], stats[f"{op}_gateway"]
        label = "POST /tasks/.../complete" if op == "complete" else "POST /instances"
        call = "engine.complete_human_task" if op == "complete" else "engine.start_workflow"
        for name, s in ((f"{call} (direct)", direct), ("gateway (HTTP)", gateway)):
            ratio50 = s["p50_ms"] / direct["p50_ms"]
            ratio95 = s["p95_ms"] / direct["p95_ms"]
            rows.append(
                [
                    label,
                    name,
                    f"{s['p50_ms']:.1f}",
                    f"{s['p95_ms']:.1f}",
                    f"{s['mean_ms']:.1f}",
                    f"{s['min_ms']:.1f}-{s['max_ms']:.1f}",
                    f"{ratio50:.2f}x",
                    f"{ratio95:.2f}x",
                ]
            )
    notes = (
        f"{result['n']} measured calls per contender and operation (after {result['warmup']} warm-up calls), "
        "sequential, alternating gateway and direct; one Temporal dev server, one worker process "
        "(`worker.py`), one gateway process (`uvicorn --factory api.app:create_app`), the driver in a third "
        "process. A completion returns once the instance has run its last machine step (`process_result`) "
        "and completed. Reproduce: `python -m bench.bench_gateway`."
    )
    md = write_results(
        "gateway",
        "Gateway overhead: HTTP vs direct engine calls",
        {k: v for k, v in result.items() if k != "samples_s"} | {"samples_s": result["samples_s"]},
        rows,
        notes,
    )
    print(md.read_text())
    return result


if __name__ == "__main__":
    main()
