"""The task operations as plain HTML form posts: claim, unclaim, reassign, delegate, take back,
comment, send back (``POST /ui/tasks/{instance}/{step}/{operation}``), each checked for its CSRF token, read
into the REST routes' own body model (:class:`api.task_models.TaskOperationRequest`, so the same
bounds apply before anything is sent) and sent to the engine's ``operate_task`` as the signed-in
user. The engine's rules decide; a refusal re-shows the task page with the problem's title and
detail next to the form, which keeps what was typed.

Each rendered form carries a fresh ``_op_key``, sent as the operation's idempotency key: a
double-clicked button or a re-sent post acts once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from pydantic import ValidationError

from api.auth import Identity
from api.gateway import Gateway
from api.paths import segment_value
from api.problems import CATALOGUE
from api.task_models import TaskOperationRequest
from api.ui import calls
from api.ui.site import UISite
from api.ui.task_page import OperationError, render_task_page
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import BudgetExceededError, FormValidationError, WorkflowsError

__all__ = ["OPERATION_FIELDS", "TaskOperationPages"]

IdParam = Annotated[str, PathParameter(max_length=1000)]
StepParam = Annotated[str, PathParameter(max_length=200)]
OperationParam = Annotated[str, PathParameter(max_length=20)]

OPERATIONS = {
    "claim": "claim",
    "unclaim": "unclaim",
    "reassign": "reassign",
    "delegate": "delegate",
    "take-back": "take_back",
    "comments": "comment",
    "send-back": "send_back",
}
"""URL segment (the REST route's) -> the engine's operation."""

OPERATION_FIELDS: dict[str, tuple[str, ...]] = {
    "claim": (),
    "unclaim": (),
    "reassign": ("to_user", "to_groups", "reason"),
    "delegate": ("to_user", "keep_right", "reason"),
    "take_back": (),
    "comment": ("text",),
    "send_back": ("text",),
}
"""The form fields each operation reads (any other field is ignored)."""

LABELS = {
    "to_user": "User",
    "to_groups": "Groups",
    "reason": "Reason",
    "text": "Comment",
    "comment": "Comment",
    "keep_right": "Keep",
}
"""How a field is named in an error message."""

_OP_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _text(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def posted_values(form: FormMultiDict, kind: str) -> dict[str, Any]:
    """What the user typed into the form of ``kind`` (kept when the page is shown again)."""
    return {name: _text(form, name) for name in OPERATION_FIELDS[kind]}


def request_body(values: dict[str, Any]) -> TaskOperationRequest:
    """The REST body of the posted values (blank fields left out).

    Raises:
        ValidationError: A value breaks the body's bounds (length, count, control characters).
    """
    body: dict[str, Any] = {}
    for name, value in values.items():
        if name == "keep_right":
            body[name] = value in ("on", "true", "1")
        elif name == "to_groups":
            body[name] = [g.strip() for g in value.split(",") if g.strip()]
        elif value.strip():
            body[name] = value.strip() if name != "text" else value
    return TaskOperationRequest.model_validate(body)


def _field(location: Any) -> str:
    name = str(location).strip("/").split("/")[0]
    return LABELS.get(name, name)


def validation_error(operation: str, exc: ValidationError) -> OperationError:
    """The page's message for a body that breaks its bounds (REST: 400 ``validation-error``)."""
    fields = tuple((_field(e["loc"][0] if e["loc"] else ""), e["msg"]) for e in exc.errors())
    kind = CATALOGUE["validation-error"]
    return OperationError(operation, kind.title, "Nothing was changed.", fields)


def engine_error(operation: str, exc: WorkflowsError) -> OperationError:
    """The page's message for a refusal of the engine: the problem's title and detail, as REST says them."""
    kind = CATALOGUE.get(type(exc).problem_code)
    title = kind.title if kind is not None else "The workflow engine refused this"
    fields: tuple[tuple[str, str], ...] = ()
    if isinstance(exc, FormValidationError):
        fields = tuple((_field(e.pointer), e.message) for e in exc.errors)
    elif isinstance(exc, BudgetExceededError):
        fields = ((_field(exc.field), exc.reason),)
    return OperationError(operation, title, str(exc), fields)


class TaskOperationPages(Controller):
    """``POST /ui/tasks/{instance}/{step}/{claim|unclaim|reassign|delegate|take-back|comments|send-back}``."""

    path = "/"

    @post("/tasks/{instance_id:str}/{step_name:str}/{operation:str}", status_code=303)
    async def operate(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        gateway: NamedDependency[Gateway],
        engine: NamedDependency[ExecutionEngine],
        identity: NamedDependency[Identity],
        instance_id: IdParam,
        step_name: StepParam,
        operation: OperationParam,
    ) -> Response[Any]:
        """Run the operation as the signed-in user; a refusal re-shows the task page with why."""
        kind = OPERATIONS.get(operation)
        if kind is None:
            raise NotFoundException(f"No task operation {operation!r}")
        form = await site.read_form(request)
        iid, step = segment_value(instance_id), segment_value(step_name)
        values = posted_values(form, kind)
        key = _text(form, "_op_key")

        async def refused(error: OperationError, status_code: int) -> Response[Any]:
            instance = await calls.get_instance(engine, identity, iid)
            return render_task_page(
                request,
                site,
                engine,
                identity,
                instance,
                step,
                op_error=error,
                op_values={kind: values},
                status_code=status_code,
            )

        try:
            body = request_body(values)
        except ValidationError as exc:
            return await refused(validation_error(kind, exc), 400)
        try:
            await calls.operate(
                gateway, engine, identity, iid, kind, step, body, idempotency_key=key if _OP_KEY.match(key) else None
            )
        except WorkflowsError as exc:
            return await refused(engine_error(kind, exc), int(type(exc).http_status))
        if kind == "send_back":  # the task is closed; the instance page says where it went
            return site.redirect(site.url("instances", iid, query="sent_back=" + quote(step, safe="")))
        return site.redirect(site.url("tasks", iid, step, query="done=" + operation))
