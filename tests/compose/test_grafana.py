"""deploy/grafana's sample dashboard: valid JSON whose queries use only documented metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path

from litestar_workflows.temporal.metrics import DOMAIN_METRICS

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "litestar-workflows.json"
OPERATIONS = (ROOT / "docs" / "operations.md").read_text()


def test_dashboard_queries_use_documented_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 15
    used = {
        m.removesuffix("_bucket").removesuffix("_count")
        for e in exprs
        for m in re.findall(r"\b((?:workflows|temporal)_[a-z_]+)\b", e)
    }
    assert used, exprs
    for metric in used:
        assert f"`{metric}`" in OPERATIONS, f"{metric} is used by the dashboard but not documented"
    # Every domain metric is on the dashboard and documented.
    for metric in DOMAIN_METRICS:
        assert metric in used and f"`{metric}`" in OPERATIONS, metric
