"""Timing one gateway page of 50 over waiting expense instances, on real processes.

Shared by the listing benchmarks (``bench_inbox_hints``, ``bench_instance_list``): dev server
(in-memory SQLite), ``worker.py`` and the gateway as processes, the instances started through
``TemporalExecutionEngine``, the page fetched until visibility shows 50 rows, three warm-up
requests, then ``samples`` timed ones.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

import tests.faults.harness as harness
from bench.common import percentile
from examples import build_registry
from litestar_workflows.temporal.engine import TemporalExecutionEngine

__all__ = ["PAGE", "time_page"]

PAGE = 50
"""Rows per page asked for (the gateway's default page size)."""


async def time_page(
    path: str, caller: Sequence[str], starters: Sequence[str], samples: int, *, prefix: str
) -> dict[str, Any]:
    """Start one waiting expense instance per entry of ``starters`` (its starter), then time
    ``GET path?limit=50`` as ``caller`` (user id, then groups).

    Returns:
        ``items`` (the last page's rows), ``p50``/``p95`` (ms), the load averages and the samples.
    """
    harness.DEFINITIONS = "examples:registry"  # the harness's processes load the examples
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        cluster = harness.Cluster(Path(tmp), in_memory=True)
        await cluster.start_server()
        try:
            cluster.start_worker()
            await cluster.start_gateway()
            engine = TemporalExecutionEngine(build_registry(), await cluster.client(), cluster.task_queue)
            slots = asyncio.Semaphore(8)

            async def start(i: int, starter: str) -> None:
                async with slots:
                    data = {"amount": 100 + i, "description": "bench"}
                    await engine.start_workflow("expense_approval", data, business_key=f"b{i}", user_id=starter)

            await asyncio.gather(*(start(i, s) for i, s in enumerate(starters)))
            headers = {"Authorization": f"Bearer {harness.token(*caller)}"}
            params = {"limit": PAGE}
            async with httpx.AsyncClient(base_url=cluster.url, timeout=60) as http:
                items: list[dict[str, Any]] = []
                for _ in range(100):  # visibility catches up with the runs
                    items = (await http.get(path, headers=headers, params=params)).json()["items"]
                    if len(items) == PAGE:
                        break
                    await asyncio.sleep(0.2)
                for _ in range(3):  # warm-up
                    await http.get(path, headers=headers, params=params)
                wall: list[float] = []
                for _ in range(samples):
                    started = time.perf_counter()
                    response = await http.get(path, headers=headers, params=params)
                    wall.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text
        finally:
            cluster.stop()
    return {
        "items": items,
        "p50": percentile(wall, 50),
        "p95": percentile(wall, 95),
        "load_averages_1_5_15min": os.getloadavg(),
        "samples": wall,
    }
