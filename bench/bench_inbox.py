"""Benchmark: the inbox's first page with N instances waiting (issue 10; default 10,000).

The inbox is served from Temporal's visibility store plus the registry (no workflow is
queried), so its latency should not depend on the worker's cache: the worker keeps at most
1,000 runs cached (temporalio's default), far fewer than are waiting. Instances are started
with plain ``start_workflow`` calls (no wait for their settle point) to fill the server fast;
the clock starts once visibility counts N waiting runs. Real processes: dev server (in-memory
SQLite), ``worker.py``, gateway. Usage: ``python -m bench.bench_inbox [--n 10000]``.

Not one of ``make bench``'s steps (its fill would double the run): there the scale benchmark
(:mod:`bench.bench_scale`) reports the gateway's inbox p50 at 10,000 waiting instances with
the same default cache. This one adds the visibility query alone and the engine's own time.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile, write_results
from litestar_workflows.temporal.contracts import WORKFLOW_TYPE, InterpreterInput
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.faults.flows import registry
from tests.faults.harness import Cluster, token


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


async def run(n: int, concurrency: int, samples: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-inbox-") as tmp:
        cluster = Cluster(Path(tmp), in_memory=True)
        await cluster.start_server()
        try:
            cluster.start_worker("--max-concurrent-workflow-tasks", "200")
            await cluster.start_gateway()
            client = await cluster.client()
            engine = TemporalExecutionEngine(registry, client, cluster.task_queue, settle_timeout=300)
            fill_seconds = await _fill(engine, n, concurrency, str(cluster.ledger))
            engine_ms: list[float] = []
            for _ in range(samples):
                t = time.perf_counter()
                page = await engine.list_pending_tasks(None, ["managers"], limit=50)
                engine_ms.append((time.perf_counter() - t) * 1000)
            visibility_ms: list[float] = []
            query = (
                f"WorkflowType = '{WORKFLOW_TYPE}' AND TaskQueue = '{cluster.task_queue}' AND "
                "ExecutionStatus = 'Running' AND WaitingOn IN ('anyone', 'group:managers')"
            )
            for _ in range(samples):
                t = time.perf_counter()
                listing = engine.client.list_workflows(query, page_size=50)
                await listing.fetch_next_page()
                visibility_ms.append((time.perf_counter() - t) * 1000)
            gateway_ms: list[float] = []
            bob = {"Authorization": f"Bearer {token('bob', 'managers')}"}
            async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
                for _ in range(samples):
                    t = time.perf_counter()
                    response = await http.get("/tasks", headers=bob)
                    gateway_ms.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200, response.text
                    first_page = len(response.json()["items"])
        finally:
            cluster.stop()
    return {
        "n": n,
        "fill_seconds": fill_seconds,
        "engine_first_page_tasks": len(page.items),
        "gateway_first_page_tasks": first_page,
        "visibility_query_ms": {"p50": percentile(visibility_ms, 50), "p95": percentile(visibility_ms, 95)},
        "engine_ms": {"p50": percentile(engine_ms, 50), "p95": percentile(engine_ms, 95), "samples": engine_ms},
        "gateway_ms": {"p50": percentile(gateway_ms, 50), "p95": percentile(gateway_ms, 95), "samples": gateway_ms},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/inbox.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="instances waiting at a human step")
    parser.add_argument("--concurrency", type=int, default=128, help="starts in flight")
    parser.add_argument("--samples", type=int, default=30, help="inbox requests timed")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.n, args.concurrency, args.samples))
    table = [
        ["measure", "value"],
        ["instances waiting (worker cache: 1,000 runs)", f"{args.n}"],
        ["fill until visibility counts them all (s)", f"{result['fill_seconds']:.0f}"],
        [
            "the visibility query alone, 50 runs p50 / p95 (ms)",
            f"{result['visibility_query_ms']['p50']:.1f} / {result['visibility_query_ms']['p95']:.1f}",
        ],
        [
            "inbox first page, engine.list_pending_tasks p50 / p95 (ms)",
            f"{result['engine_ms']['p50']:.1f} / {result['engine_ms']['p95']:.1f}",
        ],
        [
            "inbox first page, gateway GET /tasks p50 / p95 (ms)",
            f"{result['gateway_ms']['p50']:.1f} / {result['gateway_ms']['p95']:.1f}",
        ],
        ["tasks on the first page", f"{result['gateway_first_page_tasks']}"],
    ]
    md = write_results(
        "inbox",
        "Inbox at scale (served from visibility)",
        result,
        table,
        "Dev server (in-memory SQLite), one worker process (default cache of 1,000 runs), one gateway process.",
    )
    print(md.read_text())
    return result


if __name__ == "__main__":
    main()
