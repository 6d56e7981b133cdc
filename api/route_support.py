"""What the gateway's controllers share: path, query and header parameters (bounded: length,
pattern, range), the common problem and 202 response specs, how a bad cursor becomes a 400, and
the instance view with its completion hints."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from temporalio.service import RPCError, RPCStatusCode

from api import task_hints
from api.auth import Identity
from api.gateway import Gateway
from api.models import BUSINESS_KEY_PATTERN, NO_CONTROL_CHARS_PATTERN, AcceptedView, InstanceView
from litestar_workflows.core.models import PendingTask, WorkflowInstance
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.exceptions import WorkflowsError

__all__ = [
    "ACCEPTED_RESPONSE",
    "AUTH_PROBLEMS",
    "NO_CONTROL_CHARS",
    "CursorParam",
    "IdempotencyKey",
    "InstanceIdParam",
    "LimitParam",
    "NameParam",
    "StepNameParam",
    "VersionParam",
    "WorkflowFilter",
    "bad_cursor",
    "can_complete",
    "cursor_errors",
    "expected_revision",
    "instance_view",
]

NO_CONTROL_CHARS = NO_CONTROL_CHARS_PATTERN
_TRANSIENT = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED)
AUTH_PROBLEMS = ("unauthorized", "validation-error", "engine-unavailable")
ACCEPTED_RESPONSE = {
    202: ResponseSpec(
        AcceptedView,
        generate_examples=False,
        description="Accepted, but the instance had not settled within WORKFLOWS_SETTLE_TIMEOUT; poll `Location`",
    )
}


InstanceIdParam = Annotated[
    str,
    PathParameter(
        description="Instance id, percent-encoded as one path segment (`expense_approval%2Fexpense-2024-0042`)",
        max_length=1000,
        pattern=NO_CONTROL_CHARS,
        examples=[Example(summary="Started with a business key", value="expense_approval/expense-2024-0042")],
    ),
]
StepNameParam = Annotated[
    str,
    PathParameter(
        description="Human step name",
        max_length=200,
        pattern=NO_CONTROL_CHARS,
        examples=[Example(summary="A step", value="manager_approval")],
    ),
]
NameParam = Annotated[
    str,
    PathParameter(
        description="Definition name",
        max_length=200,
        pattern=NO_CONTROL_CHARS,
        examples=[Example(summary="A definition", value="expense_approval")],
    ),
]
VersionParam = Annotated[
    str | None,
    QueryParameter(description="Definition version (latest if omitted)", max_length=100, pattern=NO_CONTROL_CHARS),
]
LimitParam = Annotated[int, QueryParameter(ge=1, le=200, description="Page size")]
CursorParam = Annotated[
    str | None,
    QueryParameter(
        max_length=2000,
        pattern=r"^[A-Za-z0-9_.=-]*$",
        description="`next_cursor` of the previous page (an opaque token; a made-up one is a 400)",
    ),
]
WorkflowFilter = Annotated[
    str | None,
    QueryParameter(max_length=200, pattern=NO_CONTROL_CHARS, description="Only instances of this definition"),
]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        pattern=BUSINESS_KEY_PATTERN,
        description="Makes a retried request return the first result instead of acting twice",
    ),
]


@contextmanager
def cursor_errors(cursor: str | None) -> Iterator[None]:
    """A cursor the gateway did not sign, or the engine rejects, is the client's mistake: 400, not 500.

    Signed cursors (:mod:`api.cursors`) keep made-up ones away from the engine; should one get
    through anyway (the key is derived from a public key under RS256), Temporal's RPC error for
    it is still blamed on the cursor.
    """
    try:
        yield
    except ValueError as exc:
        if isinstance(exc, WorkflowsError):
            raise
        raise bad_cursor(str(exc) or "invalid cursor") from exc
    except RPCError as exc:
        if not cursor or exc.status in _TRANSIENT:
            raise
        raise bad_cursor(f"invalid cursor {cursor!r}: the engine rejected it") from exc


def bad_cursor(message: str) -> ValidationException:
    return ValidationException(detail=message, extra=[{"message": message, "key": "cursor", "source": "query"}])


def can_complete(
    engine: ExecutionEngine, task: PendingTask, identity: Identity, instance: WorkflowInstance | None
) -> bool | None:
    """A hint for clients (the engine decides on completion): the claim, the assignment and the
    four-eyes rules (:mod:`api.task_hints`); ``None`` when it cannot be told here."""
    return task_hints.can_complete(engine, task, identity, instance)


def instance_view(
    instance: WorkflowInstance, gateway: Gateway, engine: ExecutionEngine, identity: Identity
) -> InstanceView:
    view = InstanceView.from_instance(instance, prefix=gateway.prefix)
    for task_view, task in zip(view.pending_tasks, instance.pending_tasks, strict=True):
        task_view.can_complete = can_complete(engine, task, identity, instance)
    return view


def expected_revision(if_match: str | None) -> str | None:
    """The instance revision an ``If-Match`` header names (an ETag, weak or strong, quoted or not)."""
    return None if if_match is None else if_match.strip().removeprefix("W/").strip('"')
