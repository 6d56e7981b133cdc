"""The bodies of the gateway's error answers: the RFC 9457 problem (with one entry per failing
field), the 202 Accepted answer, the exceptions handlers raise for them, and the problem responses
of a route in the OpenAPI schema. Which exception becomes which problem is :mod:`api.problems`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from litestar import MediaType, Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.status_codes import HTTP_202_ACCEPTED
from pydantic import BaseModel, Field

from api.problem_types import CATALOGUE, ProblemType
from api.system_models import AcceptedView

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "SOURCES",
    "Accepted",
    "FieldProblem",
    "Problem",
    "ProblemError",
    "Source",
    "accepted_response",
    "build_problem",
    "problem_response",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"

Source = Literal["body", "query", "path", "header", "cookie"]
SOURCES = ("body", "query", "path", "header", "cookie")


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


def build_problem(
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
