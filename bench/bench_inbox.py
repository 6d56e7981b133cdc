"""Benchmark: the inbox's first page with N instances waiting (issue 10; default 10,000).

The inbox is served from Temporal's visibility store plus the registry (no workflow is
queried), so its latency should not depend on the worker's cache: the worker keeps at most
1,000 runs cached (temporalio's default), far fewer than are waiting. Instances are started
with plain ``start_workflow`` calls (no wait for their settle point) to fill the server fast;
the clock starts once visibility counts N waiting runs. Real processes: dev server (in-memory
SQLite), ``worker.py``, gateway. Usage: ``python -m bench.bench_inbox [--n 10000]``.

Besides wall-clock latency (which on a shared machine follows its load, reported as the load
averages), it reports the CPU time the dev server and the gateway spend per request, read from
``/proc``: that is what a page costs, whatever else runs. The visibility query is timed twice,
through the SDK's ``list_workflows`` (which decodes every search attribute of every row) and the
way the engine reads it now (:func:`~litestar_workflows.temporal.visibility.visible_run`).

Not one of ``make bench``'s steps (its fill would double the run): there the scale benchmark
(:mod:`bench.bench_scale`) reports the gateway's inbox p50 at 10,000 waiting instances with
the same default cache.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import cpu_seconds, percentile, write_results
from litestar_workflows.temporal.contracts import WORKFLOW_TYPE, InterpreterInput
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.faults.flows import registry
from tests.faults.harness import Cluster, token


def _process_cpu_ms(pid: int | None) -> float:
    """User + system CPU time of process ``pid`` so far (ms); 0 when it cannot be read."""
    seconds = None if pid is None else cpu_seconds(pid)
    return (seconds or 0.0) * 1000


def _own_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


async def _fill(engine: TemporalExecutionEngine, n: int, concurrency: int, ledger: str) -> float:
    graph = registry.get_graph("fault_approval", "1.0.0")
    slots = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with slots:
            await engine.client.start_workflow(
                WORKFLOW_TYPE,
                InterpreterInput(graph=graph, initial_data={"ledger": ledger, "i": i}, started_by="alice"),
                id=f"fault_approval/{uuid.uuid4().hex}",
                task_queue=engine.task_queue,
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    query = f"WorkflowType = '{WORKFLOW_TYPE}' AND PendingSteps = 'approve'"
    for _ in range(3600):  # visibility catches up with the workers
        if (await engine.client.count_workflows(query)).count >= n:
            break
        await asyncio.sleep(1)
    return time.perf_counter() - started


async def _timed(
    samples: int, call: Callable[[], Awaitable[Any]], cpu_of: dict[str, Callable[[], float]]
) -> dict[str, Any]:
    """Wall time of ``samples`` sequential calls, and the CPU each process in ``cpu_of`` spent per call."""
    await call()  # warm-up: connections, first-use imports
    before = {name: read() for name, read in cpu_of.items()}
    wall: list[float] = []
    for _ in range(samples):
        started = time.perf_counter()
        await call()
        wall.append((time.perf_counter() - started) * 1000)
    cpu = {name: (read() - before[name]) / samples for name, read in cpu_of.items()}
    return {
        "p50": percentile(wall, 50),
        "p95": percentile(wall, 95),
        "cpu_ms_per_request": cpu,
        "samples": wall,
    }


async def run(n: int, concurrency: int, samples: int) -> dict[str, Any]:
    load: dict[str, str] = {"before fill": _load()}
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        cluster = Cluster(Path(tmp), in_memory=True)
        await cluster.start_server()
        try:
            cluster.start_worker("--max-concurrent-workflow-tasks", "200")
            gateway = await cluster.start_gateway()
            client = await cluster.client()
            engine = TemporalExecutionEngine(registry, client, cluster.task_queue, settle_timeout=300)
            fill_seconds = await _fill(engine, n, concurrency, str(cluster.ledger))
            await asyncio.sleep(5)  # let the worker's last workflow tasks settle
            load["measuring"] = _load()
            server_pid = cluster.server.popen.pid if cluster.server.popen else None
            gateway_pid = gateway.popen.pid if gateway.popen else None
            server_cpu = {"server": lambda: _process_cpu_ms(server_pid)}
            in_process = {**server_cpu, "this process": _own_cpu_ms}
            through_gateway = {**server_cpu, "gateway": lambda: _process_cpu_ms(gateway_pid)}
            query = (
                f"WorkflowType = '{WORKFLOW_TYPE}' AND TaskQueue = '{cluster.task_queue}' AND "
                "ExecutionStatus = 'Running' AND WaitingOn IN ('anyone', 'group:managers', 'user:bob')"
            )

            async def sdk_listing() -> None:
                listing = engine.client.list_workflows(query, page_size=50)
                await listing.fetch_next_page()

            async def engine_listing() -> None:
                await engine._list(query, 50, None)

            pages: dict[str, int] = {}

            async def engine_inbox() -> None:
                page = await engine.list_pending_tasks("bob", ["managers"], limit=50)
                pages["engine"] = len(page.items)

            result: dict[str, Any] = {
                "visibility_sdk_ms": await _timed(samples, sdk_listing, in_process),
                "visibility_engine_ms": await _timed(samples, engine_listing, in_process),
                "engine_ms": await _timed(samples, engine_inbox, in_process),
            }
            bob = {"Authorization": f"Bearer {token('bob', 'managers')}"}
            async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
                for limit in (50, 25):

                    async def gateway_inbox(limit: int = limit) -> None:
                        response = await http.get("/tasks", headers=bob, params={"limit": limit})
                        assert response.status_code == 200, response.text
                        pages[f"gateway_{limit}"] = len(response.json()["items"])

                    result[f"gateway_{limit}_ms"] = await _timed(samples, gateway_inbox, through_gateway)
            load["after"] = _load()
        finally:
            cluster.stop()
    return {"n": n, "fill_seconds": fill_seconds, "load_averages_1_5_15min": load, "first_page_tasks": pages, **result}


def _row(label: str, figures: dict[str, Any]) -> list[str]:
    cpu = ", ".join(f"{name} {ms:.1f}" for name, ms in figures["cpu_ms_per_request"].items())
    return [label, f"{figures['p50']:.1f} / {figures['p95']:.1f}", cpu]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/inbox.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="instances waiting at a human step")
    parser.add_argument("--concurrency", type=int, default=128, help="starts in flight")
    parser.add_argument("--samples", type=int, default=30, help="requests timed per measure")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.n, args.concurrency, args.samples))
    load = result["load_averages_1_5_15min"]
    table = [
        ["measure (first page, user bob in group managers)", "wall p50 / p95 (ms)", "CPU per request (ms)"],
        _row("visibility query, 50 rows, SDK list_workflows (decodes every attribute)", result["visibility_sdk_ms"]),
        _row("visibility query, 50 rows, as the engine reads it (visible_run)", result["visibility_engine_ms"]),
        _row("engine.list_pending_tasks, limit 50", result["engine_ms"]),
        _row("gateway GET /tasks?limit=50 (the default page)", result["gateway_50_ms"]),
        _row("gateway GET /tasks?limit=25", result["gateway_25_ms"]),
    ]
    notes = (
        f"{args.n} instances waiting (worker cache: 1,000 runs); fill until visibility counted them all: "
        f"{result['fill_seconds']:.0f} s; tasks on the first page: {result['first_page_tasks']}. "
        f"Load averages (1/5/15 min; 2 cores shared with other work): before the fill {load['before fill']}, "
        f"while measuring {load['measuring']}, after {load['after']}.\n\n"
        "Dev server (in-memory SQLite), one worker process (default cache of 1,000 runs), one gateway process. "
        "CPU per request is read from /proc (server, gateway) or getrusage (this process, which also runs "
        "the client side of the first three rows); no cache of results anywhere."
    )
    md = write_results("inbox", "Inbox at scale (served from visibility)", result, table, notes)
    print(md.read_text())
    return result


if __name__ == "__main__":
    main()
