"""Edges and workflow definitions: what users write."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from litestar_workflows.core.compile import compile_definition
from litestar_workflows.steps.base import BaseStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["Condition", "Edge", "WorkflowDefinition"]

Condition = Union[str, "Callable[[WorkflowContext], bool]", None]
"""An edge condition: a safe expression over the data, or a pure callable ``context -> bool``."""


def _step_name(ref: str | BaseStep | type[BaseStep]) -> str:
    return ref if isinstance(ref, str) else ref.name


@dataclass(frozen=True, init=False)
class Edge:
    """A transition from ``source`` to ``target``, taken when ``condition`` holds.

    Every outgoing edge whose condition holds is taken; two or more start parallel
    branches.

    Args:
        source: Source step name (or step / step class).
        target: Target step name (or step / step class).
        condition: ``None`` (always), a string expression such as ``"amount > 5000"``
            evaluated over the instance data, or a pure callable ``context -> bool``.
    """

    source: str
    target: str
    condition: Condition = None

    def __init__(
        self,
        source: str | BaseStep | type[BaseStep],
        target: str | BaseStep | type[BaseStep],
        condition: Condition = None,
    ) -> None:
        object.__setattr__(self, "source", _step_name(source))
        object.__setattr__(self, "target", _step_name(target))
        object.__setattr__(self, "condition", condition)

    def get_source_name(self) -> str:
        """Name of the source step."""
        return self.source

    def get_target_name(self) -> str:
        """Name of the target step."""
        return self.target


@dataclass
class WorkflowDefinition:
    """A workflow: its steps, the edges between them, where it starts and ends.

    Attributes:
        name: Definition name (also the prefix of instance ids on Temporal).
        version: Semantic version, e.g. ``"1.2.0"``.
        description: Human-readable description.
        steps: Step name to step instance; each key must equal the step's ``name``.
        edges: Transitions between steps.
        initial_step: Step executed first.
        terminal_steps: Steps that end their branch; the instance completes when every
            branch has ended.
    """

    name: str
    version: str
    description: str = ""
    steps: dict[str, BaseStep] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    initial_step: str = ""
    terminal_steps: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Defensive copies: a registered definition must not change under a running instance.
        self.steps = dict(self.steps)
        self.edges = list(self.edges)
        self.terminal_steps = set(self.terminal_steps)

    def get_step(self, name: str) -> BaseStep:
        """Return the step called ``name``.

        Raises:
            KeyError: There is no such step.
        """
        return self.steps[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible description of the definition (its graph snapshot)."""
        return compile_definition(self).to_dict()
