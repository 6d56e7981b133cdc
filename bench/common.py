"""What every benchmark shares: machine description, statistics and result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

__all__ = ["RESULTS", "machine", "percentile", "summary", "write_results"]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    """Description of this machine and the versions under test."""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown"
    try:
        temporal = subprocess.run(
            [str(Path(sys.executable).parent / "temporal"), "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        temporal = "not installed"
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "temporalio": _version("temporalio"),
        "temporal_cli": temporal,
        "litestar": _version("litestar"),
        "litestar_workflows_temporal": _version("litestar-workflows-temporal"),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of ``values``."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def write_results(name: str, title: str, payload: dict[str, Any], table: list[list[str]], notes: str = "") -> Path:
    """Write ``bench/results/<name>.json`` and ``<name>.md``; return the Markdown path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = machine()
    (RESULTS / f"{name}.json").write_text(json.dumps({"machine": env, **payload}, indent=2, default=str) + "\n")
    header, *rows = table
    lines = [
        f"# {title}",
        "",
        f"Machine: {env['cpu']}, {env['cores']} cores, Python {env['python']}, temporalio {env['temporalio']}, "
        f"{env['temporal_cli'].splitlines()[0] if env['temporal_cli'] else ''}; run at {env['when']}.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    if notes:
        lines += ["", notes]
    md = RESULTS / f"{name}.md"
    md.write_text("\n".join(lines) + "\n")
    return md


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; ``None`` off Linux.

    The benchmarks share a noisy 2-core machine with the servers they start, so next to the
    wall-clock throughput they report each process's CPU time per instance, which moves far less
    from run to run and tells which process pays for a difference."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(parent: int, name: str) -> list[int]:
    """The running children of ``parent`` whose command is ``name`` (Linux; ``[]`` elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1].split()
        if command == name and int(rest[1]) == parent:
            found.append(int(entry.name))
    return found
