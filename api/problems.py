"""RFC 9457 problem details: the one place where exceptions become HTTP error responses.

Every error the gateway returns is ``application/problem+json`` with ``type``, ``title``,
``status``, ``detail`` and ``instance`` (the request path), plus ``code`` (a stable short name,
the last part of ``type``) and, for 400 and 422, ``errors``: one ``{pointer, message}`` entry per
failing field. :data:`CATALOGUE` lists every problem type; docs/api.md renders it.

This module is the mapping (exception to problem); the catalogue of problem types is
:mod:`api.problem_types`, the bodies and their OpenAPI responses :mod:`api.problem_bodies`.
Every name of the three is importable from here.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.types import ExceptionHandlersMap
from temporalio.service import RPCError, RPCStatusCode

from api.paths import instance_path
from api.problem_bodies import (
    PROBLEM_MEDIA_TYPE,
    SOURCES,
    Accepted,
    FieldProblem,
    Problem,
    ProblemError,
    Source,
    accepted_response,
    build_problem,
    problem_response,
    problem_responses,
)
from api.problem_types import CATALOGUE, TYPE_PREFIX, ProblemType
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
    "TYPE_PREFIX",
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


def _field_problems(extra: Any) -> list[FieldProblem]:
    # Litestar's validation errors: [{"message": ..., "key": "a.b", "source": "body"}]
    found: list[FieldProblem] = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        key = str(item.get("key") or "")
        raw_source = item.get("source") or "body"
        raw_source = raw_source.value if isinstance(raw_source, Enum) else str(raw_source)
        source: Source = raw_source if raw_source in SOURCES else "body"  # type: ignore[assignment]
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
        return build_problem("unauthorized", request, detail), headers
    if status == 400:
        errors = _field_problems(exc.extra)
        if errors:
            summary = "; ".join(f"{e.pointer or '/'} ({e.source}): {e.message}" for e in errors)
            return build_problem(
                "validation-error",
                request,
                f"{len(errors)} problem(s) in the request: {summary}",
                errors=errors,
            ), headers
        return build_problem("malformed-request", request, detail or "The request could not be parsed"), headers
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
        return build_problem(codes[status], request, detail), headers
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, detail)
        code = "engine-unavailable" if status == 503 else "internal-error"
        return build_problem(code, request, detail, status=status), headers
    return build_problem("malformed-request", request, detail, status=status), headers


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
        return build_problem("engine-unavailable", request, f"Temporal: {exc.message}; retry later"), {
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
    return build_problem(
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
            problem = build_problem(exc.code, request, exc.detail, instance_id=exc.instance_id, step_name=exc.step_name)
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
            return problem_response(
                build_problem("input-too-deep", request, "The request body nests too deep to decode")
            )
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        # The SDK's own messages are safe to show; anything else might leak internals.
        detail = str(exc) if isinstance(exc, WorkflowsError) else CATALOGUE["internal-error"].example_detail
        return problem_response(build_problem("internal-error", request, detail))

    return {Exception: handle}
