"""RFC 9457 problem details: the one place where exceptions become HTTP error responses.

Every error the gateway returns is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and ``instance`` (the request path), plus ``code`` (a stable short name,
the last part of ``type``) and, for 400 and 422, ``errors``: one ``{pointer, message}`` entry per
failing field. :data:`CATALOGUE` lists every problem type; docs/api.md renders it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.status_codes import HTTP_202_ACCEPTED
from litestar.types import ExceptionHandlersMap
from pydantic import BaseModel, Field
from temporalio.service import RPCError, RPCStatusCode

from api.models import AcceptedView
from api.paths import instance_path
from litestar_workflows.exceptions import (
    BudgetExceededError,
    EngineUnavailableError,
    FormValidationError,
    SettleTimeoutError,
    WorkflowsError,
)

__all__ = [
    "CATALOGUE",
    "PROBLEM_MEDIA_TYPE",
    "Accepted",
    "FieldProblem",
    "Problem",
    "ProblemError",
    "ProblemType",
    "accepted_response",
    "exception_handlers",
    "problem_response",
    "problem_responses",
]

logger = logging.getLogger("api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:litestar-workflows:problem:"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem.

    Attributes:
        code: Stable short name (``type`` is ``urn:litestar-workflows:problem:<code>``).
        status: HTTP status.
        title: Summary, the same for every occurrence.
        example_detail: Example ``detail`` for the OpenAPI schema and the docs.
    """

    code: str
    status: int
    title: str
    example_detail: str

    @property
    def type(self) -> str:
        """The problem's ``type`` URI."""
        return TYPE_PREFIX + self.code


_TYPES = [
    ProblemType("malformed-request", 400, "Malformed request", "Malformed JSON body: Expecting value at line 1"),
    ProblemType(
        "validation-error",
        400,
        "Request validation failed",
        "1 problem in the request: /initial_data: Input should be a valid dictionary",
    ),
    ProblemType("unauthorized", 401, "Authentication required", "No bearer token in the Authorization header"),
    ProblemType(
        "not-allowed",
        403,
        "Not allowed to complete this task",
        "User 'alice' may not complete step 'manager_approval': only members of 'managers' may complete it",
    ),
    ProblemType("forbidden", 403, "Forbidden", "Only the user who started the instance or an admin may cancel it"),
    ProblemType(
        "definition-not-found", 404, "Workflow definition not found", "Workflow definition 'payroll' is not registered"
    ),
    ProblemType(
        "instance-not-found", 404, "Workflow instance not found", "Workflow instance 'expense_approval/x' not found"
    ),
    ProblemType(
        "task-not-found", 404, "Task not found", "Workflow instance 'expense_approval/x' has no step 'ceo_approval'"
    ),
    ProblemType("not-found", 404, "Not found", "No route matches GET /nothing"),
    ProblemType("method-not-allowed", 405, "Method not allowed", "Method DELETE is not allowed on this route"),
    ProblemType(
        "step-not-waiting",
        409,
        "Step is not waiting for input",
        "Step 'vp_approval' of instance 'expense_approval/x' is not waiting for input: "
        "the instance is waiting at 'manager_approval'",
    ),
    ProblemType(
        "task-already-completed",
        409,
        "Task already completed",
        "Step 'manager_approval' of instance 'expense_approval/x' is not waiting for input: "
        "it was already completed by 'bob'",
    ),
    ProblemType(
        "instance-finished", 409, "Instance has finished", "Workflow instance 'expense_approval/x' is already completed"
    ),
    ProblemType(
        "task-claimed",
        409,
        "Task claimed by someone else",
        "Step 'finance_approval' of instance 'purchase_order/x' is not waiting for input: it is claimed by 'bob'",
    ),
    ProblemType(
        "revision-mismatch",
        412,
        "The instance changed since the revision given",
        "Instance 'purchase_order/x' changed since revision '6170ea6fddab19d95a62' (now 'e671133c6626d6648b94'); "
        "nothing was applied to step 'finance_approval': read it again and decide on the current revision",
    ),
    ProblemType(
        "business-key-conflict",
        409,
        "Business key already used with different data",
        "Workflow instance 'expense_approval/x' already exists: the business key was used with different data",
    ),
    ProblemType(
        "payload-undecodable",
        400,
        "Payload cannot be decrypted",
        "payload was encrypted with key 'k0', which is not configured (known: ['k2', 'k1'])",
    ),
    ProblemType("request-timeout", 408, "Request body timed out", "The request body stopped arriving: no data for 30s"),
    ProblemType("payload-too-large", 413, "Request body too large", "Request body exceeds the limit of 1048576 bytes"),
    ProblemType(
        "budget-exceeded",
        413,
        "Value over its size budget",
        "/comment is 1048213 bytes, over the limit of 8192 bytes",
    ),
    ProblemType("input-too-deep", 400, "JSON nested too deep", "/initial_data nests deeper than 32 levels"),
    ProblemType(
        "form-invalid",
        422,
        "Form data does not satisfy the step's schema",
        "Form data for step 'manager_approval' is invalid: /approved: 'approved' is a required property",
    ),
    ProblemType(
        "initial-data-invalid",
        422,
        "Initial data does not satisfy the definition",
        "Initial data for 'expense_approval' is invalid: /amount: 'amount' is a required property",
    ),
    ProblemType(
        "idempotency-key-conflict",
        422,
        "Idempotency key reused for another request",
        "Idempotency key 'approve-1' was already used for another request on instance 'expense_approval/x'",
    ),
    ProblemType(
        "invalid-query",
        400,
        "The listing cannot be answered for this caller or filter",
        "Group 'a'*300 cannot be matched in a listing: longer than 255 bytes once encoded",
    ),
    ProblemType(
        "instance-paused",
        409,
        "Instance is paused",
        "Workflow instance 'expense_approval/x' is paused: completing a task is refused until it is resumed",
    ),
    ProblemType(
        "instance-not-paused", 409, "Instance is not paused", "Workflow instance 'expense_approval/x' is not paused"
    ),
    ProblemType(
        "webhook-secret-invalid",
        403,
        "Webhook secret missing or wrong",
        "Webhook callback for step 'wait_payment' of 'order/42': the secret is missing or wrong",
    ),
    ProblemType(
        "webhook-already-delivered",
        409,
        "Webhook already delivered",
        "Step 'wait_payment' of instance 'order/42' is not waiting for input: its webhook callback was delivered "
        "already",
    ),
    ProblemType(
        "engine-unavailable",
        503,
        "Workflow engine unavailable",
        "Temporal at localhost:7233 cannot be reached; retry later",
    ),
    ProblemType("not-ready", 503, "Not ready", "No worker is polling task queue 'litestar-workflows'"),
    ProblemType(
        "definition-not-loaded",
        503,
        "Definition version not loaded",
        "Definition 'expense_approval' version '2.0.0' is not loaded on this worker",
    ),
    ProblemType("internal-error", 500, "Internal error", "An unexpected error occurred; it has been logged"),
]

CATALOGUE: dict[str, ProblemType] = {t.code: t for t in _TYPES}
"""Every problem type the gateway returns, by code."""


Source = Literal["body", "query", "path", "header", "cookie"]
_SOURCES = ("body", "query", "path", "header", "cookie")


class ProblemError(Exception):
    """Raised by handlers for a problem the SDK has no exception for.

    Args:
        code: Key of :data:`CATALOGUE`.
        detail: What went wrong.
        instance_id: Instance concerned, if any.
        step_name: Step concerned, if any.
        headers: Extra response headers.
    """

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        instance_id: str | None = None,
        step_name: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.instance_id = instance_id
        self.step_name = step_name
        self.headers = dict(headers or {})


class Accepted(Exception):
    """Answer 202: the request was taken but the instance has not settled in time.

    Args:
        instance_id: The instance, when known.
        location: Path to poll.
        detail: Explanation.
    """

    def __init__(self, instance_id: str | None, location: str, detail: str) -> None:
        super().__init__(detail)
        self.instance_id = instance_id
        self.location = location
        self.detail = detail


class FieldProblem(BaseModel):
    """One failing field.

    Attributes:
        pointer: JSON pointer (RFC 6901) to the field: into the body, or ``/<name>`` of a parameter.
        message: Why it was rejected.
        source: Where the field is: ``body``, ``query``, ``path``, ``header`` or ``cookie``.
    """

    pointer: str
    message: str
    source: Source = "body"


class Problem(BaseModel):
    """RFC 9457 problem details.

    Attributes:
        type: URI of the problem type (``urn:litestar-workflows:problem:<code>``).
        title: Summary of the problem type.
        status: HTTP status.
        detail: What went wrong in this occurrence.
        instance: Path of the request.
        code: Short stable name of the type.
        errors: One entry per failing field (400 validation errors and 422).
        instance_id: Workflow instance concerned, if any.
        step_name: Step concerned, if any.
    """

    type: str = Field(examples=["urn:litestar-workflows:problem:task-already-completed"])
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldProblem] | None = None
    instance_id: str | None = None
    step_name: str | None = None


def _problem(
    code: str,
    request: Request[Any, Any, Any],
    detail: str,
    *,
    status: int | None = None,
    errors: list[FieldProblem] | None = None,
    instance_id: str | None = None,
    step_name: str | None = None,
) -> Problem:
    kind = CATALOGUE[code]
    return Problem(
        type=kind.type,
        title=kind.title,
        status=status or kind.status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=errors,
        instance_id=instance_id,
        step_name=step_name,
    )


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> Response[Any]:
    """The HTTP response carrying ``problem``."""
    return Response(
        content=problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def accepted_response(instance_id: str | None, location: str, detail: str) -> Response[Any]:
    """202 with ``Location``: the request was taken but the instance has not settled yet."""
    body = AcceptedView(instance_id=instance_id, detail=detail, location=location)
    return Response(
        content=body.model_dump(mode="json", exclude_none=True),
        status_code=HTTP_202_ACCEPTED,
        media_type=MediaType.JSON,
        headers={"Location": location},
    )


# --- mapping -------------------------------------------------------------------------------


def _field_problems(extra: Any) -> list[FieldProblem]:
    # Litestar's validation errors: [{"message": ..., "key": "a.b", "source": "body"}]
    found: list[FieldProblem] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "")
        raw_source = item.get("source") or "body"
        raw_source = raw_source.value if isinstance(raw_source, Enum) else str(raw_source)
        source: Source = raw_source if raw_source in _SOURCES else "body"  # type: ignore[assignment]
        if source == "header":
            # The signature model reports the Python name; clients know the header's name.
            key = "-".join(part.capitalize() for part in key.split("_"))
        message = str(item.get("message") or "invalid value")
        if source == "body" and key == "data" and message == "'data'":
            # Litestar's report of a missing body: the key of the body itself, quoted.
            key, message = "", "A JSON request body is required"
        pointer = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in key.split(".") if p) if key else ""
        found.append(FieldProblem(pointer=pointer, message=message, source=source))
    return found


def _http_problem(
    request: Request[Any, Any, Any], exc: HTTPException, max_body_size: int
) -> tuple[Problem, dict[str, str]]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    detail = exc.detail
    if isinstance(exc, NotAuthorizedException) or status == 401:
        has_token = bool(request.headers.get("authorization"))
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if has_token else "Bearer"
        if detail in ("", "Unauthorized"):
            detail = "A valid bearer token is required"
        return _problem("unauthorized", request, detail), headers
    if status == 400:
        errors = _field_problems(exc.extra)
        if errors:
            summary = "; ".join(f"{e.pointer or '/'} ({e.source}): {e.message}" for e in errors)
            return _problem(
                "validation-error",
                request,
                f"{len(errors)} problem(s) in the request: {summary}",
                errors=errors,
            ), headers
        return _problem("malformed-request", request, detail or "The request could not be parsed"), headers
    if status == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}"
    elif status == 405:
        detail = f"Method {request.method} is not allowed on {request.url.path}"
    elif status == 413:
        detail = f"Request body exceeds the limit of {max_body_size} bytes (WORKFLOWS_MAX_BODY_SIZE)"
    codes = {
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        408: "request-timeout",
        413: "payload-too-large",
    }
    if status in codes:
        return _problem(codes[status], request, detail), headers
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, detail)
        code = "engine-unavailable" if status == 503 else "internal-error"
        return _problem(code, request, detail, status=status), headers
    return _problem("malformed-request", request, detail, status=status), headers


def _sdk_problem(
    request: Request[Any, Any, Any], exc: Exception, retry_after: int
) -> tuple[Problem, dict[str, str]] | None:
    """The problem of an SDK error: its class names the code and status once
    (``problem_code``/``http_status`` in litestar_workflows/exceptions.py)."""
    if isinstance(exc, RPCError) and exc.status in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
    ):
        return _problem("engine-unavailable", request, f"Temporal: {exc.message}; retry later"), {
            "Retry-After": str(retry_after)
        }
    if not isinstance(exc, WorkflowsError) or type(exc).problem_code not in CATALOGUE:
        return None
    code, status = type(exc).problem_code, type(exc).http_status
    if code == "internal-error":
        return None  # logged and answered by the caller
    detail = str(exc)
    headers: dict[str, str] = {}
    if status == 503:
        headers["Retry-After"] = str(retry_after)
        if isinstance(exc, EngineUnavailableError):
            detail += "; retry later"
    errors = (
        [FieldProblem(pointer=e.pointer, message=e.message) for e in exc.errors]
        if isinstance(exc, FormValidationError)
        else [FieldProblem(pointer=exc.field, message=exc.reason)]
        if isinstance(exc, BudgetExceededError)
        else None
    )
    instance_id = getattr(exc, "instance_id", None)
    step_name = getattr(exc, "step_name", None)
    return _problem(
        code,
        request,
        detail,
        status=status,
        errors=errors,
        instance_id=None if isinstance(exc, FormValidationError) else instance_id,
        step_name=step_name or None,
    ), headers


def exception_handlers(retry_after: int, max_body_size: int, prefix: str = "") -> ExceptionHandlersMap:
    """The gateway's exception handlers (one function; the mapping is by type inside it).

    Args:
        retry_after: Seconds advertised in ``Retry-After`` on 503.
        max_body_size: The body limit, named in 413 answers.
        prefix: Mount path, for the ``Location`` of 202 responses.
    """

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        if isinstance(exc, Accepted):
            return accepted_response(exc.instance_id, exc.location, exc.detail)
        if isinstance(exc, SettleTimeoutError):
            location = prefix + instance_path(exc.instance_id)
            return accepted_response(exc.instance_id, location, str(exc))
        if isinstance(exc, ProblemError):
            problem = _problem(exc.code, request, exc.detail, instance_id=exc.instance_id, step_name=exc.step_name)
            return problem_response(problem, exc.headers)
        if isinstance(exc, HTTPException):
            problem, headers = _http_problem(request, exc, max_body_size)
            return problem_response(problem, headers)
        mapped = _sdk_problem(request, exc, retry_after)
        if mapped is not None:
            return problem_response(*mapped)
        if isinstance(exc, RecursionError):
            # The JSON decoder recurses per level of nesting: a body nested thousands deep stops it
            # before the engine's depth budget (32 levels, rules/budgets.py) can name the field.
            return problem_response(_problem("input-too-deep", request, "The request body nests too deep to decode"))
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        # The SDK's own messages are safe to show; anything else might leak internals.
        detail = str(exc) if isinstance(exc, WorkflowsError) else CATALOGUE["internal-error"].example_detail
        return problem_response(_problem("internal-error", request, detail))

    return {Exception: handle}


# --- OpenAPI -------------------------------------------------------------------------------


def problem_responses(*codes: str) -> dict[int, ResponseSpec]:
    """OpenAPI error responses of a route: one entry per status, one example per problem code."""
    by_status: dict[int, list[ProblemType]] = {}
    for code in codes:
        kind = CATALOGUE[code]
        by_status.setdefault(kind.status, []).append(kind)
    found: dict[int, ResponseSpec] = {}
    for status, kinds in sorted(by_status.items()):
        examples = [
            Example(
                summary=kind.title,
                value={
                    "type": kind.type,
                    "title": kind.title,
                    "status": status,
                    "detail": kind.example_detail,
                    "instance": "/tasks/expense_approval%2Fx/manager_approval/complete",
                    "code": kind.code,
                    **(
                        {"errors": [{"pointer": "/approved", "message": "'approved' is a required property"}]}
                        if kind.code in ("form-invalid", "validation-error", "initial-data-invalid")
                        else {}
                    ),
                },
            )
            for kind in kinds
        ]
        found[status] = ResponseSpec(
            data_container=Problem,
            generate_examples=False,
            description=" / ".join(kind.title for kind in kinds),
            media_type=PROBLEM_MEDIA_TYPE,
            examples=examples,
        )
    return found
