"""Response bodies of the definition routes: a definition with its steps, forms and edges, and its
graph (built from the compiled :class:`~litestar_workflows.rules.spec.GraphSpec`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from litestar_workflows.core.types import StepType
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec

__all__ = ["DefinitionSummary", "DefinitionView", "EdgeView", "GraphEdge", "GraphNode", "GraphView", "StepView"]


class StepView(BaseModel):
    """One step of a definition.

    Attributes:
        name: Step name.
        kind: ``machine`` or ``human``.
        title: Task title (human steps).
        description: Description.
        form_schema: JSON Schema of the form (human steps).
        assignee: Fixed assignee (human steps).
        assignee_key: Instance-data key naming the assignee (human steps).
        candidate_groups: Groups whose members may complete it (human steps).
        deadline_seconds: Deadline of a human step.
        on_deadline: Step taken when the deadline passes.
    """

    name: str
    kind: StepType
    title: str = ""
    description: str = ""
    form_schema: dict[str, Any] | None = None
    assignee: str | None = None
    assignee_key: str | None = None
    candidate_groups: list[str] = Field(default_factory=list)
    deadline_seconds: float | None = None
    on_deadline: str | None = None

    @classmethod
    def from_spec(cls, step: StepSpec) -> StepView:
        """Build from a graph step."""
        return cls(
            name=step.name,
            kind=step.kind,
            title=step.title,
            description=step.description,
            form_schema=step.form_schema,
            assignee=step.assignee,
            assignee_key=step.assignee_key,
            candidate_groups=list(step.candidate_groups),
            deadline_seconds=step.deadline_seconds,
            on_deadline=step.on_deadline,
        )


class EdgeView(BaseModel):
    """One edge of a definition.

    Attributes:
        source: Source step.
        target: Target step.
        condition: String condition, or ``module.function()`` of a callable one; ``null`` if unconditional.
    """

    source: str
    target: str
    condition: str | None = None

    @classmethod
    def from_spec(cls, edge: EdgeSpec) -> EdgeView:
        """Build from a graph edge."""
        return cls(source=edge.source, target=edge.target, condition=edge.label or None)


class DefinitionSummary(BaseModel):
    """A registered definition in the listing.

    Attributes:
        name: Definition name.
        version: Latest version.
        versions: Every registered version, oldest first.
        description: Description.
        human_steps: Names of its human steps.
    """

    name: str
    version: str
    versions: list[str]
    description: str
    human_steps: list[str]


class DefinitionView(BaseModel):
    """A definition in full, with each human step's form schema.

    Attributes:
        name: Definition name.
        version: This version.
        versions: Every registered version, oldest first.
        description: Description.
        initial_step: First step.
        terminal_steps: Steps that end their branch.
        steps: Steps in definition order.
        edges: Edges in definition order.
        input_schema: JSON Schema ``initial_data`` must satisfy at start, if the definition has one.
        visible_to_groups: Groups that may read every instance besides its participants.
    """

    name: str
    version: str
    versions: list[str]
    description: str
    initial_step: str
    terminal_steps: list[str]
    steps: list[StepView]
    edges: list[EdgeView]
    input_schema: dict[str, Any] | None = None
    visible_to_groups: list[str] = Field(default_factory=list)

    @classmethod
    def from_graph(cls, graph: GraphSpec, versions: list[str]) -> DefinitionView:
        """Build from a graph snapshot."""
        return cls(
            name=graph.name,
            version=graph.version,
            versions=versions,
            description=graph.description,
            initial_step=graph.initial_step,
            terminal_steps=list(graph.terminal_steps),
            steps=[StepView.from_spec(s) for s in graph.steps],
            edges=[EdgeView.from_spec(e) for e in graph.edges],
            input_schema=graph.input_schema,
            visible_to_groups=list(graph.visible_to_groups),
        )


class GraphNode(BaseModel):
    """A node of the graph.

    Attributes:
        id: Step name.
        label: Title or name.
        kind: ``machine`` or ``human``.
        initial: Whether it is the initial step.
        terminal: Whether it ends its branch.
    """

    id: str
    label: str
    kind: StepType
    initial: bool
    terminal: bool


class GraphEdge(BaseModel):
    """An edge of the graph.

    Attributes:
        source: Source step.
        target: Target step.
        label: Condition text (empty when unconditional).
        kind: ``edge``, or ``deadline`` for the path taken when a human step's deadline passes.
    """

    source: str
    target: str
    label: str
    kind: Literal["edge", "deadline"] = "edge"


class GraphView(BaseModel):
    """The graph of a definition, as nodes and edges and as Mermaid source.

    Attributes:
        name: Definition name.
        version: Definition version.
        nodes: Steps.
        edges: Transitions.
        mermaid: Mermaid ``flowchart`` source of the same graph.
    """

    name: str
    version: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    mermaid: str
