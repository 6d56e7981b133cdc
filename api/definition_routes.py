"""The gateway's definition routes: list definitions, one definition with its steps and forms, its graph."""

from __future__ import annotations

from litestar import Controller, MediaType, get
from litestar.di import NamedDependency

from api.gateway import Gateway
from api.models import (
    DefinitionSummary,
    DefinitionView,
    GraphEdge,
    GraphNode,
    GraphView,
)
from api.problems import problem_responses
from api.route_support import (
    AUTH_PROBLEMS,
    NameParam,
    VersionParam,
)
from litestar_workflows.rules.spec import to_mermaid

__all__ = ["DefinitionsController"]


class DefinitionsController(Controller):
    """Registered workflow definitions."""

    path = "/definitions"
    tags = ["definitions"]

    @get("/", summary="List definitions (latest version of each)", responses=problem_responses(*AUTH_PROBLEMS))
    async def list_definitions(self, gateway: NamedDependency[Gateway]) -> list[DefinitionSummary]:
        """Every registered definition at its latest version, with all its versions."""
        registry = gateway.registry
        return [
            DefinitionSummary(
                name=d.name,
                version=d.version,
                versions=registry.get_versions(d.name),
                description=d.description,
                human_steps=[s.name for s in registry.get_graph(d.name, d.version).steps if s.is_human],
            )
            for d in registry.list_definitions(latest_only=True)
        ]

    @get(
        "/{name:str}",
        summary="Get a definition with its steps and form schemas",
        responses=problem_responses(*AUTH_PROBLEMS, "definition-not-found"),
    )
    async def get_definition(
        self, gateway: NamedDependency[Gateway], name: NameParam, version: VersionParam = None
    ) -> DefinitionView:
        """The definition's steps (each human step with its ``form_schema`` and assignment) and edges."""
        graph = gateway.registry.get_graph(name, version)
        return DefinitionView.from_graph(graph, gateway.registry.get_versions(name))

    @get(
        "/{name:str}/graph",
        summary="Get a definition's graph (nodes, edges and Mermaid source)",
        responses=problem_responses(*AUTH_PROBLEMS, "definition-not-found"),
    )
    async def get_graph(
        self, gateway: NamedDependency[Gateway], name: NameParam, version: VersionParam = None
    ) -> GraphView:
        """Nodes and edges (including deadline paths) plus the same graph as Mermaid ``flowchart`` source."""
        graph = gateway.registry.get_graph(name, version)
        edges = [GraphEdge(source=e.source, target=e.target, label=e.label) for e in graph.edges]
        edges += [
            GraphEdge(source=s.name, target=s.on_deadline, label=f"deadline {s.deadline_seconds:g}s", kind="deadline")
            for s in graph.steps
            if s.on_deadline
        ]
        return GraphView(
            name=graph.name,
            version=graph.version,
            nodes=[
                GraphNode(
                    id=s.name,
                    label=s.title or s.name,
                    kind=s.kind,
                    initial=s.name == graph.initial_step,
                    terminal=graph.is_terminal(s.name),
                )
                for s in graph.steps
            ],
            edges=edges,
            mermaid=to_mermaid(graph),
        )

    @get(
        "/{name:str}/graph/mermaid",
        summary="Get a definition's graph as Mermaid source",
        media_type=MediaType.TEXT,
        responses=problem_responses(*AUTH_PROBLEMS, "definition-not-found"),
    )
    async def get_mermaid(
        self, gateway: NamedDependency[Gateway], name: NameParam, version: VersionParam = None
    ) -> str:
        """Mermaid ``flowchart`` source, ready to paste into a Markdown file or https://mermaid.live."""
        return to_mermaid(gateway.registry.get_graph(name, version))
