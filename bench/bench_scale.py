"""Benchmark 3: scale of waiting work.

N instances (default 10,000) wait at a human step: we report the worker's resident
memory, the inbox query latency through the gateway (``GET /tasks?group=managers``, first
page) and the time to start and to complete all of them. Everything runs as real
processes on this machine: dev server (in-memory SQLite), ``worker.py``, gateway.
Usage: ``python -m bench.bench_scale [--n 10000] [--concurrency 64]``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import percentile, write_results
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.faults.flows import registry
from tests.faults.harness import Cluster, token


def rss_mib(pid: int) -> float:
    """Resident set size of ``pid`` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def bounded(n: int, concurrency: int, make: Any) -> float:
    """Run ``make(i)`` for i < n with at most ``concurrency`` in flight; return the seconds taken."""
    slots = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with slots:
            await make(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - start


async def run(n: int, concurrency: int, samples: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        cluster = Cluster(Path(tmp), in_memory=True)
        await cluster.start_server()
        try:
            worker = cluster.start_worker("--max-concurrent-workflow-tasks", "200")
            await cluster.start_gateway()
            client = await cluster.client()
            engine = TemporalExecutionEngine(registry, client, cluster.task_queue, settle_timeout=300)
            ledger = str(cluster.ledger)
            await engine.start_workflow("fault_approval", {"ledger": ledger})  # warm-up
            rss_idle = rss_mib(worker.popen.pid)  # type: ignore[union-attr]
            ids: list[str] = []

            async def start(i: int) -> None:
                instance = await engine.start_workflow("fault_approval", {"ledger": ledger, "i": i})
                ids.append(instance.id)

            start_seconds = await bounded(n, concurrency, start)
            rss_waiting = rss_mib(worker.popen.pid)  # type: ignore[union-attr]

            latencies: list[float] = []
            bob = {"Authorization": f"Bearer {token('bob', 'managers')}"}
            async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
                for _ in range(samples):
                    t = time.perf_counter()
                    response = await http.get("/tasks", params={"group": "managers"}, headers=bob)
                    latencies.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200, response.text
                    first_page = len(response.json()["items"])

            async def complete(i: int) -> None:
                await engine.complete_human_task(ids[i], "approve", "bob", {"approved": True}, groups=["managers"])

            complete_seconds = await bounded(len(ids), concurrency, complete)
            rss_after = rss_mib(worker.popen.pid)  # type: ignore[union-attr]
        finally:
            cluster.stop()
    return {
        "n": n,
        "concurrency": concurrency,
        "start_seconds": start_seconds,
        "starts_per_second": n / start_seconds,
        "complete_seconds": complete_seconds,
        "completions_per_second": n / complete_seconds,
        "worker_rss_mib": {"idle": rss_idle, "all_waiting": rss_waiting, "after_completing": rss_after},
        "inbox_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "samples": latencies},
        "inbox_first_page_tasks": first_page,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/scale.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000, help="instances waiting at a human step")
    parser.add_argument("--concurrency", type=int, default=64, help="engine calls in flight")
    parser.add_argument("--samples", type=int, default=30, help="inbox requests timed")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.n, args.concurrency, args.samples))
    rss = result["worker_rss_mib"]
    table = [
        ["measure", "value"],
        ["instances waiting", f"{args.n}"],
        ["start all (s) / instances per s", f"{result['start_seconds']:.1f} / {result['starts_per_second']:.0f}"],
        [
            "worker RSS idle / all waiting / after (MiB)",
            f"{rss['idle']:.0f} / {rss['all_waiting']:.0f} / {rss['after_completing']:.0f}",
        ],
        [
            "inbox GET /tasks?group=managers p50 / p95 (ms)",
            f"{result['inbox_ms']['p50']:.0f} / {result['inbox_ms']['p95']:.0f}",
        ],
        [
            "complete all (s) / completions per s",
            f"{result['complete_seconds']:.1f} / {result['completions_per_second']:.0f}",
        ],
    ]
    md = write_results(
        "scale",
        "Scale of waiting work",
        result,
        table,
        f"Dev server (in-memory SQLite), one worker process, one gateway process; "
        f"engine calls {args.concurrency} in flight.",
    )
    print(md.read_text())
    return result


if __name__ == "__main__":
    main()
