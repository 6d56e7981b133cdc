"""Benchmark 4: LocalExecutionEngine vs the published litestar-workflows 0.3.3 in-process engine.

The same three-machine-step flow (``bench/local_flow.py``) runs under both, each in its own
virtualenv (the published package is installed into ``bench/.venv-published`` on first use),
alternating for several rounds. Usage: ``python -m bench.bench_local [--n 2000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

from bench.common import summary, write_results

HERE = Path(__file__).resolve().parent
PUBLISHED_VENV = HERE / ".venv-published"
FLOW = HERE / "local_flow.py"


def published_python() -> Path:
    """The interpreter of a virtualenv holding litestar-workflows 0.3.3 (created once)."""
    python = PUBLISHED_VENV / "bin" / "python"
    if not python.exists():
        venv.create(PUBLISHED_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "litestar-workflows==0.3.3"], check=True)
    return python


def run(python: Path, contender: str, n: int) -> dict[str, Any]:
    # -I: neither contender may import the other's package from the working directory.
    out = subprocess.run(
        [str(python), "-I", str(FLOW), contender, str(n)], capture_output=True, text=True, check=True, cwd="/"
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if result["completed"] != n:
        raise RuntimeError(f"{contender}: only {result['completed']} of {n} instances completed")
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and write bench/results/local_engine.{json,md}."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="instances per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    contenders = {"ours": Path(sys.executable), "published": published_python()}
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, python in contenders.items():
            rates[name].append(run(python, name, args.n)["per_second"])
    stats = {name: summary(values) for name, values in rates.items()}
    ratio = stats["ours"]["median"] / stats["published"]["median"]
    table = [
        ["contender", "instances/s median", "min", "max"],
        *([name, f"{s['median']:.0f}", f"{s['min']:.0f}", f"{s['max']:.0f}"] for name, s in stats.items()),
        ["ratio ours / published", f"{ratio:.2f}", "", ""],
    ]
    notes = (
        f"{args.n} instances of a three-machine-step flow started concurrently per round, {args.rounds} rounds, "
        "contenders alternating, each in its own process and virtualenv. Target: ratio >= 1.0."
    )
    md = write_results(
        "local_engine",
        "In-process engine: ours vs litestar-workflows 0.3.3",
        {"n": args.n, "rounds": args.rounds, "rates": rates, "stats": stats, "ratio": ratio},
        table,
        notes,
    )
    print(md.read_text())
    return {"stats": stats, "ratio": ratio}


if __name__ == "__main__":
    main()
