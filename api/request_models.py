"""Request bodies of the gateway's instance and task routes (pydantic; unknown fields are a 400).

The bounds (length, pattern) are part of the OpenAPI schema and checked before anything runs;
the task operations' bodies are :mod:`api.task_models`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BUSINESS_KEY_PATTERN",
    "NO_CONTROL_CHARS_PATTERN",
    "CancelInstanceRequest",
    "CompleteTaskRequest",
    "StartInstanceRequest",
]

# Business keys become part of Temporal workflow ids and of URLs: printable ASCII, no whitespace.
BUSINESS_KEY_PATTERN = r"^[!-~]{1,200}$"
# Names end up in Temporal ids and visibility queries, where control characters break things.
NO_CONTROL_CHARS_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class _Request(BaseModel):
    # Unknown fields are a client mistake worth reporting (400), not something to drop silently.
    model_config = ConfigDict(extra="forbid")


class StartInstanceRequest(_Request):
    """Start an instance of a registered definition.

    Attributes:
        workflow_name: Definition name.
        version: Definition version; the latest when omitted.
        initial_data: Instance data the first step sees.
        business_key: Caller's key; a repeated start with the same key returns the existing instance.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "workflow_name": "expense_approval",
                    "initial_data": {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"},
                    "business_key": "expense-2024-0042",
                }
            ]
        },
    )

    workflow_name: str = Field(
        min_length=1, max_length=200, pattern=NO_CONTROL_CHARS_PATTERN, examples=["expense_approval"]
    )
    version: str | None = Field(
        None, min_length=1, max_length=100, pattern=NO_CONTROL_CHARS_PATTERN, examples=["1.0.0"]
    )
    initial_data: dict[str, Any] = Field(default_factory=dict, examples=[{"requester_id": "alice", "amount": 250.0}])
    business_key: str | None = Field(None, pattern=BUSINESS_KEY_PATTERN, examples=["expense-2024-0042"])


class CompleteTaskRequest(_Request):
    """Submit a human step's form. The completing user is the authenticated caller.

    Attributes:
        data: Form data; must satisfy the step's ``form_schema`` (see the task, or the
            ``<definition>.<version>.<step>.Form`` component schemas).
        comment: Optional comment recorded with the decision.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"data": {"approved": True, "comments": "OK"}, "comment": "within budget"}]},
    )

    data: dict[str, Any] = Field(examples=[{"approved": True, "comments": "Approved for Q4 budget"}])
    comment: str | None = Field(None, max_length=2000)


class CancelInstanceRequest(_Request):
    """Cancel a running instance.

    Attributes:
        reason: Why; recorded as the instance's error.
    """

    reason: str = Field("", max_length=2000, examples=["duplicate request"])
