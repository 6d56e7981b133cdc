"""``make bench``: every benchmark, side by side, then the plot. Budget: under 15 minutes on 2 cores.

Each benchmark starts its own servers and writes ``bench/results/<name>.{json,md}``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from bench import bench_gateway, bench_interpreter, bench_local, bench_scale
from bench.plot import plot

STEPS: list[tuple[str, Callable[[], object]]] = [
    ("in-process engine vs litestar-workflows 0.3.3", lambda: bench_local.main(["--n", "2000", "--rounds", "5"])),
    (
        "interpreter overhead, N=200",
        lambda: bench_interpreter.main(["--n", "200", "--rounds", "3", "--out", "interpreter_200"]),
    ),
    (
        "interpreter overhead, N=1000",
        lambda: bench_interpreter.main(["--n", "1000", "--rounds", "2", "--out", "interpreter_1000"]),
    ),
    ("gateway overhead", lambda: bench_gateway.main(["--n", "200", "--warmup", "20"])),
    ("scale of waiting work", lambda: bench_scale.main(["--n", "10000"])),
]


def main() -> int:
    """Run every benchmark in turn and draw the plot."""
    only = set(sys.argv[1:])
    began = time.perf_counter()
    for title, run in STEPS:
        if only and not any(word in title for word in only):
            continue
        start = time.perf_counter()
        print(f"\n=== {title} ===", flush=True)
        run()
        print(f"({title}: {time.perf_counter() - start:.0f} s)", flush=True)
    print(f"\nplot: {plot()}\nall benchmarks: {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
