"""Benchmark: the instance listing from visibility rows (issue #10).

``GET /instances?limit=50`` as an admin with 55 expense-example instances waiting at
``manager_approval``; before, the gateway queried each listed run for its state (a worker round
trip each). Real processes: dev server (in-memory SQLite), ``worker.py``, gateway. Usage:
``python -m bench.bench_instance_list [--samples 40]``. Not one of ``make bench``'s steps.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import tests.faults.harness as harness
from bench.common import percentile, write_results
from examples import build_registry
from litestar_workflows.temporal.engine import TemporalExecutionEngine

INSTANCES = 55


async def run(samples: int) -> dict[str, Any]:
    harness.DEFINITIONS = "examples:registry"  # the harness's processes load the examples
    with tempfile.TemporaryDirectory(prefix="bench-instances-") as tmp:
        cluster = harness.Cluster(Path(tmp), in_memory=True)
        await cluster.start_server()
        try:
            cluster.start_worker()
            await cluster.start_gateway()
            engine = TemporalExecutionEngine(build_registry(), await cluster.client(), cluster.task_queue)
            slots = asyncio.Semaphore(8)

            async def start(i: int) -> None:
                async with slots:
                    data = {"amount": 100 + i, "description": "bench"}
                    await engine.start_workflow("expense_approval", data, business_key=f"b{i}", user_id="alice")

            await asyncio.gather(*(start(i) for i in range(INSTANCES)))
            admin = {"Authorization": f"Bearer {harness.token('dave', 'admins')}"}
            async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
                items: list[dict[str, Any]] = []
                for _ in range(100):  # visibility catches up with the runs
                    response = await http.get("/instances", headers=admin, params={"limit": 50})
                    items = response.json()["items"]
                    if len(items) == 50:
                        break
                    await asyncio.sleep(0.2)
                for _ in range(3):  # warm-up
                    await http.get("/instances", headers=admin, params={"limit": 50})
                wall: list[float] = []
                for _ in range(samples):
                    started = time.perf_counter()
                    response = await http.get("/instances", headers=admin, params={"limit": 50})
                    wall.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
        finally:
            cluster.stop()
    return {
        "rows": len(items),
        "p50": percentile(wall, 50),
        "p95": percentile(wall, 95),
        "load_averages_1_5_15min": os.getloadavg(),
        "samples": wall,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/instance_list.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=40, help="requests timed")
    parser.add_argument("--no-write", action="store_true", help="print only (a 'before' run)")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.samples))
    print(
        f"rows {result['rows']} p50 {result['p50']:.1f} p95 {result['p95']:.1f}",
        f"load {result['load_averages_1_5_15min']}",
    )
    if args.no_write:
        return result
    table = [
        ["measure", "wall p50 / p95 (ms)"],
        [
            f"GET /instances?limit=50 as an admin, {INSTANCES} waiting instances",
            f"{result['p50']:.1f} / {result['p95']:.1f}",
        ],
    ]
    notes = (
        "Before (a query per listed run, the commit before 8ba1946, the same measurement): p50 321.7 / p95 435.6 ms "
        "and p50 331.6 / p95 445.6 ms (load about 3; 2 cores shared with other work)."
    )
    md = write_results("instance_list", "Instance listing from the visibility rows", result, table, notes)
    print(md.read_text())
    return result


if __name__ == "__main__":
    main()
