"""``WorkflowGraph``: the published graph-navigation API, answered by our graph snapshot.

There is one graph implementation, :class:`~litestar_workflows.rules.spec.GraphSpec` (what both
engines run); this class only asks it questions in 0.3.3's vocabulary. Routing (which edges are
taken) is :func:`litestar_workflows.rules.machine.select_targets`, through
:meth:`WorkflowDefinition.get_next_steps`; validation is the registry's own
(:func:`~litestar_workflows.core.definition.validate_definition`), so a graph this class calls
valid is one the registry accepts.
"""

from __future__ import annotations

from collections import deque

from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.core.definition import WorkflowDefinition, compile_definition, validate_definition
from litestar_workflows.rules.spec import GraphSpec

__all__ = ["WorkflowGraph"]

MAX_PATH_SEARCH_STEPS = 100_000
"""Bound on the work :meth:`WorkflowGraph.get_all_paths` does (paths can be exponential in number)."""


class WorkflowGraph:
    """Navigation over a definition's graph.

    Args:
        definition: The definition; its graph snapshot is taken once, here.

    Attributes:
        definition: The definition.
        spec: Its :class:`GraphSpec` (the snapshot the engines run).
    """

    def __init__(self, definition: WorkflowDefinition) -> None:
        self.definition = definition
        self.spec: GraphSpec = compile_definition(definition)

    @classmethod
    def from_definition(cls, definition: WorkflowDefinition) -> WorkflowGraph:
        """The graph of ``definition``."""
        return cls(definition)

    def get_next_steps(self, current: str, context: WorkflowContext) -> list[str]:
        """Steps the edges leaving ``current`` lead to for ``context`` (their conditions evaluated).

        Raises:
            ConditionError: A condition could not be evaluated (a name missing from the data, ...).
        """
        return self.definition.get_next_steps(current, context)

    def get_previous_steps(self, current: str) -> list[str]:
        """Sources of the edges entering ``current``, each once, in edge order."""
        return list(dict.fromkeys(e.source for e in self.spec.incoming(current)))

    def is_terminal(self, step_name: str) -> bool:
        """Whether ``step_name`` ends its branch."""
        return self.spec.is_terminal(step_name)

    def validate(self) -> list[str]:
        """Every problem of the definition (the registry's rules); empty when it is valid."""
        return validate_definition(self.definition)

    def _targets(self, name: str) -> list[str]:
        return list(dict.fromkeys(e.target for e in self.spec.outgoing(name)))

    def get_all_paths(self, start: str, end: str, max_paths: int = 100) -> list[list[str]]:
        """Simple paths (no step twice) from ``start`` to ``end`` along edges, at most ``max_paths``.

        The search also stops after :data:`MAX_PATH_SEARCH_STEPS` expansions, so a dense graph
        cannot make it run for long; the paths found by then are returned.
        """
        paths: list[list[str]] = []
        if max_paths <= 0 or not self.spec.has_step(start):
            return paths
        stack: list[list[str]] = [[start]]
        budget = MAX_PATH_SEARCH_STEPS
        while stack and len(paths) < max_paths and budget > 0:
            budget -= 1
            path = stack.pop()
            if path[-1] == end:
                paths.append(path)
                continue
            # Reversed so paths come out in edge order.
            stack.extend([*path, t] for t in reversed(self._targets(path[-1])) if t not in path)
        return paths

    def get_step_depth(self, step_name: str) -> int:
        """Fewest edges from the initial step to ``step_name``; ``-1`` if it cannot be reached."""
        start = self.spec.initial_step
        depth = {start: 0}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == step_name:
                return depth[node]
            for target in self._targets(node):
                if target not in depth:
                    depth[target] = depth[node] + 1
                    queue.append(target)
        return -1
