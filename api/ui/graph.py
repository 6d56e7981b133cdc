"""A definition's graph drawn as SVG on the server, with an instance's position marked.

No diagram library runs in the browser: the layout is simple layered placement (each step one
row below the furthest step that leads to it, loops drawn as arcs on the side), which is enough
for the graphs of human workflows and keeps the page working offline. Every piece of text is
escaped here; the same information is given as an ordered list (:func:`step_rows`) for screen
readers and small screens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.rules.spec import GraphSpec

__all__ = ["StepRow", "render_svg", "step_rows", "step_states"]

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN, SIDE = 190, 46, 30, 64, 24, 150
_STATE_TEXT = {
    "current": "current",
    "done": "completed",
    "failed": "failed",
    "skipped": "skipped",
    "timed_out": "timed out",
    "canceled": "canceled",
    "": "not reached",
}


@dataclass(frozen=True)
class StepRow:
    """One step in the ordered list beside the drawing."""

    name: str
    title: str
    kind: str
    state: str
    state_text: str


def step_states(instance: WorkflowInstance | None) -> dict[str, str]:
    """Marker of each step the instance has reached: current, done, failed, skipped, timed_out, canceled."""
    if instance is None:
        return {}
    states: dict[str, str] = {}
    for record in instance.context.step_history:
        status = str(record.status)
        states[record.step_name] = {"succeeded": "done", "waiting": "current", "running": "current"}.get(status, status)
    for name in (*instance.pending_steps, *instance.running_steps):
        states[name] = "current"
    if instance.failed_step:
        states[instance.failed_step] = "failed"
    return {k: v if v in _STATE_TEXT else "" for k, v in states.items()}


def _layers(graph: GraphSpec) -> dict[str, int]:
    """Longest-path layer of every step over the graph without its loops (back edges)."""
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        state[name] = 1
        for nxt in sorted(graph.successors(name), key=graph.order):
            if state.get(nxt) == 1:
                back.add((name, nxt))
            elif nxt not in state:
                visit(nxt)
        state[name] = 2
        order.append(name)

    for start in [graph.initial_step, *(s.name for s in graph.steps)]:
        if start not in state and graph.has_step(start):
            visit(start)
    layer = {name: 0 for name in order}
    for name in reversed(order):  # reverse post-order is a topological order of the forward edges
        for nxt in graph.successors(name):
            if (name, nxt) not in back:
                layer[nxt] = max(layer[nxt], layer[name] + 1)
    return layer


def step_rows(graph: GraphSpec, instance: WorkflowInstance | None = None) -> list[StepRow]:
    """The steps in drawing order (top to bottom, left to right) with their markers."""
    layer, states = _layers(graph), step_states(instance)
    steps = sorted(graph.steps, key=lambda s: (layer.get(s.name, 0), graph.order(s.name)))
    return [
        StepRow(s.name, s.title or s.name, str(s.kind), states.get(s.name, ""), _STATE_TEXT[states.get(s.name, "")])
        for s in steps
    ]


def _edges(graph: GraphSpec) -> Iterable[tuple[str, str, str, bool]]:
    for edge in graph.edges:
        yield edge.source, edge.target, edge.label, False
    for step in graph.steps:
        if step.on_deadline:
            yield step.name, step.on_deadline, f"deadline {step.deadline_seconds or 0:g}s", True


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _side(layer: dict[str, int], pos: dict[str, tuple[float, float]], source: str, target: str) -> str:
    """Where an edge is drawn: straight ``down`` to the next row, else an arc on the ``left`` (skipping
    rows towards the left) or the ``right`` (skipping rows towards the right, and loops)."""
    span = layer.get(target, 0) - layer.get(source, 0)
    if span == 1:
        return "down"
    if span > 1 and pos[target][0] <= pos[source][0]:
        return "left"
    return "right"


def render_svg(graph: GraphSpec, instance: WorkflowInstance | None = None) -> Markup:
    """The graph as an inline SVG; steps carry the class of their marker (see :func:`step_states`)."""
    layer, states = _layers(graph), step_states(instance)
    rows: dict[int, list[str]] = {}
    for step in sorted(graph.steps, key=lambda s: graph.order(s.name)):
        rows.setdefault(layer.get(step.name, 0), []).append(step.name)
    widest = max((len(r) for r in rows.values()), default=1)
    inner = widest * NODE_W + (widest - 1) * GAP_X
    width = SIDE * 2 + inner
    height = MARGIN * 2 + len(rows) * NODE_H + (len(rows) - 1) * GAP_Y
    pos: dict[str, tuple[float, float]] = {}
    for index, names in rows.items():
        span = len(names) * NODE_W + (len(names) - 1) * GAP_X
        x0 = SIDE + (inner - span) / 2
        for i, name in enumerate(names):
            pos[name] = (x0 + i * (NODE_W + GAP_X), MARGIN + index * (NODE_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="graph-title"><title id="graph-title">Graph of {escape(graph.name)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ]
    edges = [e for e in _edges(graph) if e[0] in pos and e[1] in pos]
    sides = [_side(layer, pos, source, target) for source, target, _, _ in edges]
    per_side = {side: sides.count(side) for side in set(sides)}
    seen = dict.fromkeys(per_side, 0)
    fan_out = {
        e[0]: sum(1 for f, side in zip(edges, sides, strict=True) if f[0] == e[0] and side == "down") for e in edges
    }
    for (source, target, label, dashed), side in zip(edges, sides, strict=True):
        (sx, sy), (tx, ty) = pos[source], pos[target]
        cls = "edge deadline" if dashed else "edge"
        if side == "down":
            x1, y1, x2, y2 = sx + NODE_W / 2, sy + NODE_H, tx + NODE_W / 2, ty
            path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + GAP_Y / 2:.0f} {x2:.0f},{y2 - GAP_Y / 2:.0f} {x2:.0f},{y2:.0f}"
            # Several edges leave this step downwards: each label nearer its target, so they do not overlap.
            t = 0.5 if fan_out[source] < 2 else 0.72
            lx, ly, show = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, True
        else:  # skips rows, or loops back up: an arc beside the steps, fanned out when there are several
            reach = min(SIDE * 0.45 + 18 * seen[side], SIDE * 0.95)
            seen[side] += 1
            if side == "left":
                x1, x2 = sx, tx
                bend, lx = min(x1, x2) - reach * 1.33, min(x1, x2) - SIDE / 2
            else:
                x1, x2 = sx + NODE_W, tx + NODE_W
                bend, lx = max(x1, x2) + reach * 1.33, max(x1, x2) + SIDE / 2
            y1, y2 = sy + NODE_H / 2, ty + NODE_H / 2
            path = f"M{x1:.0f},{y1:.0f} C{bend:.0f},{y1:.0f} {bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            ly, show = (y1 + y2) / 2, per_side[side] == 1  # several arcs: their conditions are in the tooltips
        parts.append(f'<path class="{cls}" d="{path}" marker-end="url(#arrow)"><title>{escape(label)}</title></path>')
        if label and show:
            limit = 22 if side != "down" else 34 if fan_out[source] < 2 else 24
            parts.append(f'<text class="edge-label" x="{lx:.0f}" y="{ly:.0f}">{escape(_short(label, limit))}</text>')
    for step in graph.steps:
        x, y = pos[step.name]
        state = states.get(step.name, "")
        kind = "human" if step.is_human else "machine"
        terminal = " terminal" if graph.is_terminal(step.name) else ""
        rx = 18 if step.is_human else 4
        title = step.title or step.name
        parts.append(
            f'<g class="node {kind} {state}{terminal}" data-step="{escape(step.name)}">'
            f"<title>{escape(title)} ({escape(step.name)}): {_STATE_TEXT[state]}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{NODE_W}" height="{NODE_H}" rx="{rx}"/>'
            f'<text x="{x + NODE_W / 2:.0f}" y="{y + 19:.0f}">{escape(_short(title, 26))}</text>'
            f'<text class="sub" x="{x + NODE_W / 2:.0f}" y="{y + 36:.0f}">'
            f"{escape(kind)}{' · ' + _STATE_TEXT[state] if state else ''}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above
