"""The catalogue of the gateway's problem types: every RFC 9457 ``type`` it answers with, its
status, title and an example (docs/api.md and the OpenAPI schema render it). An SDK error names
its code once (``problem_code`` in :mod:`litestar_workflows.exceptions`); the mapping that uses
the catalogue is :mod:`api.problems`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "TYPE_PREFIX", "ProblemType"]

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
