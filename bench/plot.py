"""The benchmark plot: throughput and latency per contender, from ``bench/results/*.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt

from bench.common import RESULTS

__all__ = ["plot"]


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def plot(out: Path = RESULTS / "benchmarks.png") -> Path:
    """Draw the throughput and latency panels from whatever results exist; return the PNG path."""
    throughput: list[tuple[str, float, float, float]] = []  # label, median, min, max
    latency: list[tuple[str, float, float]] = []  # label, p50, p95
    for name, n in (("interpreter_200", 200), ("interpreter_1000", 1000)):
        data = _load(name)
        if data is None:
            continue
        for key, label in (("generic", "generic"), ("hand_written", "hand-written")):
            s = data["summary"][key]
            rate = s["per_second"]
            throughput.append((f"Temporal {label}\nN={n}", rate["median"], rate["min"], rate["max"]))
            latency.append((f"Temporal {label}\nN={n} start->finish", s["p50_ms"]["median"], s["p95_ms"]["median"]))
    local = _load("local_engine")
    if local is not None:
        for key, label in (("ours", "ours"), ("published", "0.3.3")):
            s = local["stats"][key]
            throughput.append((f"in-process {label}", s["median"], s["min"], s["max"]))
    gateway = _load("gateway")
    if gateway is not None:
        for key, label in (
            ("complete_direct", "complete direct"),
            ("complete_gateway", "complete via HTTP"),
            ("start_direct", "start direct"),
            ("start_gateway", "start via HTTP"),
        ):
            s = gateway["stats"][key]
            latency.append((label, s["p50_ms"], s["p95_ms"]))
    scale = _load("scale")
    if scale is not None:
        latency.append((f"inbox, {scale['n']} waiting", scale["inbox_ms"]["p50"], scale["inbox_ms"]["p95"]))

    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6.5))
    if throughput:
        labels = [t[0] for t in throughput]
        medians = [t[1] for t in throughput]
        errors = [[t[1] - t[2] for t in throughput], [t[3] - t[1] for t in throughput]]
        left.barh(labels, medians, xerr=errors, color="#4C72B0")
        left.set_xscale("log")
        left.set_xlabel("instances / s (median, min-max; log scale)")
        left.set_title("Throughput")
        left.invert_yaxis()
    if latency:
        labels = [t[0] for t in latency]
        y = range(len(labels))
        right.barh([i - 0.2 for i in y], [t[1] for t in latency], height=0.4, label="p50", color="#55A868")
        right.barh([i + 0.2 for i in y], [t[2] for t in latency], height=0.4, label="p95", color="#C44E52")
        right.set_yticks(list(y), labels)
        right.set_xscale("log")
        right.set_xlabel("milliseconds (log scale)")
        right.set_title("Latency")
        right.legend()
        right.invert_yaxis()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


if __name__ == "__main__":
    print(plot())
