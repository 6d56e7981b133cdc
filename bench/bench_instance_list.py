"""Benchmark: the instance listing from visibility rows (issue #10).

``GET /instances?limit=50`` as an admin with 55 expense-example instances waiting at
``manager_approval``; before, the gateway queried each listed run for its state (a worker round
trip each). Real processes: dev server (in-memory SQLite), ``worker.py``, gateway. Usage:
``python -m bench.bench_instance_list [--samples 40]``. Not one of ``make bench``'s steps.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bench.common import write_results
from bench.gateway_page import time_page

INSTANCES = 55


async def run(samples: int) -> dict[str, Any]:
    page = await time_page("/instances", ("dave", "admins"), ["alice"] * INSTANCES, samples, prefix="bench-instances-")
    return {"rows": len(page.pop("items")), **page}


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
