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
from typing import Any

from bench.common import write_results
from bench.gateway_page import time_page


async def run(samples: int) -> dict[str, Any]:
    starters = ["alice" if i % 5 else "bob" for i in range(50)]
    page = await time_page("/tasks", ("bob", "employees", "managers"), starters, samples, prefix="bench-hints-")
    hints = [t["can_complete"] for t in page.pop("items")]
    return {"tasks": len(hints), "hints": {str(v).lower(): hints.count(v) for v in (True, False, None)}, **page}


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
