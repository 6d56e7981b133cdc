"""Instance pages: the user's cases, where each one is, what happened, and cancelling."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import PathParameter, QueryParameter

from api.auth import Identity
from api.gateway import Gateway
from api.paths import segment_value
from api.ui import calls
from api.ui.graph import render_svg, step_rows
from api.ui.site import UISite
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import WorkflowNotFoundError

__all__ = ["InstancePages"]

IdParam = Annotated[str, PathParameter(max_length=1000)]


class InstancePages(Controller):
    """``/ui/instances`` and ``/ui/instances/{id}``."""

    path = "/instances"

    @get("/", name="ui-instances")
    async def list_page(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        workflow_name: Annotated[str | None, QueryParameter(max_length=200)] = None,
        status: Annotated[WorkflowStatus | None, QueryParameter()] = None,
    ) -> Response[str]:
        """Instances the user may see, newest first, filtered by definition and status."""
        page = await calls.list_instances(engine, identity, workflow_name or None, status)
        return site.page(
            request,
            "instances.html",
            identity=identity,
            title="Instances",
            instances=[(i, site.url("instances", i.id)) for i in page.items],
            more=page.next_cursor is not None,
            definitions=sorted(d.name for d in site.gateway.registry.list_definitions(latest_only=True)),
            statuses=[s.value for s in WorkflowStatus],
            selected=workflow_name or "",
            selected_status=status.value if status else "",
        )

    @get("/{instance_id:str}", name="ui-instance")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        gateway: NamedDependency[Gateway],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: IdParam,
        completed: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sent_back: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Response[str]:
        """Status, the graph with the current position, history, errors, open tasks and actions."""
        instance = await calls.get_instance(engine, identity, segment_value(instance_id))
        try:
            graph = engine.registry.get_graph(instance.workflow_name, instance.workflow_version)
        except WorkflowNotFoundError:
            graph = None
        tasks = [
            (t, site.url("tasks", instance.id, t.step_name), calls.completion_refusal(engine, t, identity, instance))
            for t in instance.pending_tasks
        ]
        temporal_link = None
        if site.temporal_ui_url and gateway.client is not None:
            namespace = quote(gateway.settings.temporal_namespace, safe="")
            temporal_link = f"{site.temporal_ui_url}/namespaces/{namespace}/workflows/{quote(instance.id, safe='')}"
        return site.page(
            request,
            "instance.html",
            identity=identity,
            title=f"Instance {instance.id}",
            instance=instance,
            svg=render_svg(graph, instance) if graph else None,
            steps=step_rows(graph, instance) if graph else [],
            tasks=tasks,
            completed=completed,
            sent_back=sent_back,
            cancel_refusal=calls.cancel_refusal(gateway, instance, identity),
            temporal_link=temporal_link,
        )

    @post("/{instance_id:str}/cancel", status_code=303)
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        gateway: NamedDependency[Gateway],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: IdParam,
    ) -> Response[Any]:
        """Cancel the instance (its starter or an administrator), then show it."""
        form = await site.read_form(request)
        iid = segment_value(instance_id)
        instance = await calls.get_instance(engine, identity, iid)
        refusal = calls.cancel_refusal(gateway, instance, identity)
        if refusal is not None:
            raise PermissionDeniedException(f"You may not cancel instance {iid}: {refusal}")
        reason = form.get("reason")
        await calls.cancel(engine, identity, iid, reason[:500] if isinstance(reason, str) else "")
        return site.redirect(site.url("instances", iid))
