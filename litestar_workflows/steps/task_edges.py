"""Registration checks that tie a human step to its edges: send-back ("request changes") edges,
and a default decision, which the deadline takes without any worker code.

* A send-back edge (``Edge(source, target, send_back=True)``) must leave a human step and carry
  no condition: sending back is a person's decision, not a routing rule.
* A step with ``default_decision`` must not be routed by callable conditions. The deadline
  submits the default decision inside the engine (on Temporal: in the workflow, from a timer);
  callable conditions are user code that only runs in a worker (an activity on Temporal), so at
  the deadline they could not be evaluated and the instance would fail there. String conditions
  are evaluated by the engine itself and work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from litestar_workflows.steps.base import BaseHumanStep, BaseStep

__all__ = ["task_edge_errors"]


def task_edge_errors(steps: Mapping[str, BaseStep], edges: Iterable[Any]) -> list[str]:
    """Every problem of the send-back edges and of the default decisions' routing (empty: none)."""
    errors: list[str] = []
    edges = list(edges)
    for i, edge in enumerate(edges):
        if not getattr(edge, "send_back", False):
            continue
        where = f"edge {i} ({edge.source!r} -> {edge.target!r})"
        if edge.source in steps and not isinstance(steps[edge.source], BaseHumanStep):
            errors.append(f"{where}: a send-back edge must leave a human step")
        if edge.condition is not None:
            errors.append(f"{where}: a send-back edge takes no condition (it is followed when a person sends back)")
    for key, step in steps.items():
        if not isinstance(step, BaseHumanStep) or step.default_decision is None:
            continue
        for i, edge in enumerate(edges):
            if edge.source == key and not getattr(edge, "send_back", False) and callable(edge.condition):
                errors.append(
                    f"human step {key!r}: default_decision cannot be routed by the callable condition of "
                    f"edge {i} ({edge.source!r} -> {edge.target!r}): the deadline submits it without worker "
                    "code to call it; use a string condition, or on_deadline"
                )
    return errors
