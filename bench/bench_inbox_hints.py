"""Benchmark: the inbox page with ``can_complete`` hints under four-eyes options (issues #10, #12).

``GET /tasks?limit=50`` as a manager (bob, in ``managers``) with 50 expense-example instances
waiting at ``manager_approval`` (``exclude_starter``): 40 started by alice, 10 by bob, so the
page's hints are 40 ``true`` and 10 ``false``. The hints come from the visibility rows (the runs'
memo: starter, deciders); before, they fetched each instance (a workflow query per task).
Real processes: dev server (in-memory SQLite), ``worker.py``, gateway. Usage:
``python -m bench.bench_inbox_hints [--samples 40]``. Not one of ``make bench``'s steps.
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


async def run(samples: int) -> dict[str, Any]:
    harness.DEFINITIONS = "examples:registry"  # the harness's processes load the examples
    with tempfile.TemporaryDirectory(prefix="bench-hints-") as tmp:
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
                    await engine.start_workflow(
                        "expense_approval", data, business_key=f"b{i}", user_id="alice" if i % 5 else "bob"
                    )

            await asyncio.gather(*(start(i) for i in range(50)))
            bob = {"Authorization": f"Bearer {harness.token('bob', 'employees', 'managers')}"}
            async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
                items: list[dict[str, Any]] = []
                for _ in range(100):  # visibility catches up with the runs
                    items = (await http.get("/tasks", headers=bob, params={"limit": 50})).json()["items"]
                    if len(items) == 50:
                        break
                    await asyncio.sleep(0.2)
                for _ in range(3):  # warm-up
                    await http.get("/tasks", headers=bob, params={"limit": 50})
                wall: list[float] = []
                for _ in range(samples):
                    started = time.perf_counter()
                    response = await http.get("/tasks", headers=bob, params={"limit": 50})
                    wall.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
        finally:
            cluster.stop()
    hints = [t["can_complete"] for t in items]
    return {
        "tasks": len(items),
        "hints": {str(v).lower(): hints.count(v) for v in (True, False, None)},
        "p50": percentile(wall, 50),
        "p95": percentile(wall, 95),
        "load_averages_1_5_15min": os.getloadavg(),
        "samples": wall,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/inbox_hints.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=40, help="requests timed")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.samples))
    table = [
        ["measure", "wall p50 / p95 (ms)", "hints"],
        [
            "GET /tasks?limit=50 as a manager, 50 expense tasks",
            f"{result['p50']:.1f} / {result['p95']:.1f}",
            str(result["hints"]),
        ],
    ]
    notes = (
        "Before (hints fetched each instance, commit d25bf9d, the same measurement): p50 312.6 / p95 434.6 ms and "
        "p50 354.1 / p95 506.7 ms (load about 2 and 3.5; 2 cores shared with other work)."
    )
    md = write_results("inbox_hints", "Inbox hints from the visibility rows", result, table, notes)
    print(md.read_text())
    return result


if __name__ == "__main__":
    main()
