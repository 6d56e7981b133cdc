"""Definitions with their graphs, and starting an instance from a form."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter

from api.auth import Identity
from api.gateway import Gateway
from api.models import BUSINESS_KEY_PATTERN
from api.ui import calls
from api.ui.forms import FormField, build_fields, fill_errors, parse_form
from api.ui.graph import render_svg
from api.ui.site import UISite
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import FieldError, WorkflowsError
from litestar_workflows.rules.spec import GraphSpec

__all__ = ["DefinitionPages"]

NameParam = Annotated[str, PathParameter(max_length=200)]


def _input_schema(graph: GraphSpec) -> dict[str, Any] | None:
    """The definition's input schema, when it declares one (else the start form is a JSON field)."""
    schema = getattr(graph, "input_schema", None)
    return schema if isinstance(schema, dict) else None


class DefinitionPages(Controller):
    """``/ui/definitions`` and ``/ui/start/{name}``."""

    path = "/"

    @get("/definitions", name="ui-definitions")
    async def definitions(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        identity: NamedDependency[Identity],
    ) -> Response[str]:
        """Every definition (latest version) with its graph and a start link."""
        registry = site.gateway.registry
        items = []
        for definition in registry.list_definitions(latest_only=True):
            graph = registry.get_graph(definition.name, definition.version)
            items.append((graph, render_svg(graph), site.url("start", definition.name)))
        return site.page(request, "definitions.html", identity=identity, title="Workflows", items=items)

    @get("/start/{name:str}", name="ui-start")
    async def start_page(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        identity: NamedDependency[Identity],
        name: NameParam,
    ) -> Response[str]:
        """The start form of the definition's latest version."""
        graph = site.gateway.registry.get_graph(name, None)
        return self._page(request, site, identity, graph, build_fields(_input_schema(graph)))

    @post("/start/{name:str}", status_code=303)
    async def start(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        gateway: NamedDependency[Gateway],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        name: NameParam,
    ) -> Response[Any]:
        """Start an instance as the signed-in user; the engine validates the data."""
        form = await site.read_form(request)
        graph = site.gateway.registry.get_graph(name, None)
        fields = build_fields(_input_schema(graph))
        data = parse_form(fields, form)
        raw_key = form.get("_business_key")
        key = raw_key.strip() if isinstance(raw_key, str) and raw_key.strip() else None
        errors: list[FieldError] = []
        if not isinstance(data, dict):
            errors.append(FieldError("", "the data must be a JSON object"))
        if key is not None and not re.fullmatch(BUSINESS_KEY_PATTERN, key):
            key_error = "up to 200 printable ASCII characters, no spaces"
            return self._page(request, site, identity, graph, fields, key_error=key_error, status_code=422)
        if not errors:
            try:
                instance = await calls.start(gateway, engine, identity, name, data, key)
            except WorkflowsError as exc:
                # Per-field errors (the definition's input schema); anything else is an error page.
                errors = [e for e in getattr(exc, "errors", []) if isinstance(e, FieldError)]
                if not errors:
                    raise
            else:
                return site.redirect(site.url("instances", instance.id))
        general = fill_errors(fields, [e for e in errors if isinstance(e, FieldError)])
        return self._page(request, site, identity, graph, fields, general=general, status_code=422)

    def _page(
        self,
        request: Request[Any, Any, Any],
        site: UISite,
        identity: Identity,
        graph: GraphSpec,
        fields: list[FormField],
        *,
        general: list[str] | None = None,
        key_error: str | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        return site.page(
            request,
            "start.html",
            identity=identity,
            title=f"Start {graph.name}",
            graph=graph,
            fields=fields,
            general=general or [],
            key_error=key_error,
            status_code=status_code,
        )
