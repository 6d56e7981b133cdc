"""The server-drawn graph: every step once, loops and deadlines drawn, markers, and nothing unescaped."""

from __future__ import annotations

import re

from api.ui.graph import render_svg, step_rows
from examples import build_registry
from litestar_workflows.core.types import StepType
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec


def test_every_example_draws_each_step_once_in_layer_order() -> None:
    registry = build_registry()
    for definition in registry.list_definitions(latest_only=True):
        graph = registry.get_graph(definition.name, definition.version)
        svg = str(render_svg(graph))
        assert sorted(re.findall(r'data-step="([^"]+)"', svg)) == sorted(s.name for s in graph.steps)
        rows = step_rows(graph)
        assert rows[0].name == graph.initial_step and {r.state for r in rows} == {""}
        assert svg.count('<path class="edge') == len(graph.edges) + sum(1 for s in graph.steps if s.on_deadline)


def test_loops_deadlines_and_hostile_titles() -> None:
    graph = GraphSpec(
        name="loop<&>",
        version="1.0.0",
        description="",
        steps=(
            StepSpec("a", StepType.MACHINE),
            StepSpec("b", StepType.HUMAN, title='<script>alert("x")</script>', deadline_seconds=60, on_deadline="c"),
            StepSpec("c", StepType.MACHINE),
        ),
        edges=(
            EdgeSpec(0, "a", "b"),
            EdgeSpec(1, "b", "a", expression="again == 'yes' & x < 3"),
            EdgeSpec(2, "b", "c"),
        ),
        initial_step="a",
        terminal_steps=("c",),
    )
    svg = str(render_svg(graph))
    assert "<script" not in svg and "&lt;script&gt;" in svg and "loop&lt;&amp;&gt;" in svg
    assert "again == &#39;yes&#39; &amp; x &lt; 3" in svg  # the loop's condition, escaped
    assert 'class="edge deadline"' in svg and "deadline 60s" in svg
    assert [r.name for r in step_rows(graph)] == ["a", "b", "c"]
