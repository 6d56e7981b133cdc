"""The inbox and the task pages: find a task, read what it is about, fill in its form."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter

from api.auth import Identity
from api.gateway import Gateway
from api.paths import segment_value
from api.ui import calls
from api.ui.forms import build_fields, fill_errors, parse_form
from api.ui.inbox import SHOW_LABELS, inbox_rows
from api.ui.site import UISite
from api.ui.task_page import render_task_page
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import FormValidationError, TaskClaimedError, UnauthorizedTaskError

__all__ = ["TaskPages"]

IdParam = Annotated[str, PathParameter(max_length=1000)]
StepParam = Annotated[str, PathParameter(max_length=200)]
DefinitionFilter = Annotated[str | None, QueryParameter(max_length=200)]
ShowParam = Annotated[str | None, QueryParameter(pattern=r"^(|assigned|claimable|overdue)$")]
DoneParam = Annotated[str | None, QueryParameter(pattern=r"^[a-z-]{1,20}$")]


class TaskPages(Controller):
    """``/ui/``, ``/ui/tasks`` and ``/ui/tasks/{instance}/{step}``."""

    path = "/"

    @get(["/", "/tasks"], name="ui-inbox")
    async def inbox(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        workflow_name: DefinitionFilter = None,
        fragment: Annotated[int | None, QueryParameter(le=1)] = None,
        show: ShowParam = None,
    ) -> Response[str]:
        """The signed-in user's tasks; ``?fragment=1`` returns only the lists (for the auto-refresh)."""
        page = await calls.list_tasks(engine, identity, workflow_name or None)
        names = sorted(d.name for d in site.gateway.registry.list_definitions(latest_only=True))
        return site.page(
            request,
            "inbox_lists.html" if fragment else "inbox.html",
            identity=identity,
            title="My tasks",
            rows=inbox_rows(site, page.items, identity, show or None),
            more=page.next_cursor is not None,
            definitions=names,
            selected=workflow_name or "",
            show=show or "",
            show_labels=SHOW_LABELS,
        )

    @get("/tasks/{instance_id:str}/{step_name:str}", name="ui-task")
    async def task(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: IdParam,
        step_name: StepParam,
        done: DoneParam = None,
    ) -> Response[str]:
        """The task: what it is about, the instance data, and its form (or why the user may not complete it);
        ``?done=<operation>`` says an operation just succeeded."""
        iid, step = segment_value(instance_id), segment_value(step_name)
        instance = await calls.get_instance(engine, identity, iid)
        return render_task_page(request, site, engine, identity, instance, step, done=done)

    @post("/tasks/{instance_id:str}/{step_name:str}", status_code=303)
    async def submit(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        gateway: NamedDependency[Gateway],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: IdParam,
        step_name: StepParam,
    ) -> Response[Any]:
        """Submit the form as the signed-in user; the engine validates it. Errors re-show the form."""
        form = await site.read_form(request)
        iid, step = segment_value(instance_id), segment_value(step_name)
        instance = await calls.get_instance(engine, identity, iid)
        task = next((t for t in instance.pending_tasks if t.step_name == step), None)
        if task is None:
            return render_task_page(request, site, engine, identity, instance, step, status_code=409)
        fields = build_fields(task.form_schema)
        data = parse_form(fields, form)
        comment = form.get("_comment")
        try:
            await calls.complete(
                gateway, engine, identity, iid, step, data, comment if isinstance(comment, str) and comment else None
            )
        except FormValidationError as exc:
            general = fill_errors(fields, exc.errors)
            return render_task_page(
                request, site, engine, identity, instance, step, fields=fields, general=general, status_code=422
            )
        except (UnauthorizedTaskError, TaskClaimedError) as exc:
            status = int(type(exc).http_status)
            return render_task_page(
                request, site, engine, identity, instance, step, refusal=str(exc), status_code=status
            )
        return site.redirect(site.url("instances", iid, query="completed=" + step))
