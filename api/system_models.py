"""Response bodies that are about the gateway rather than an instance: 202 Accepted, liveness,
readiness and the development token."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

__all__ = ["AcceptedView", "DevToken", "HealthView", "ReadyView"]


class AcceptedView(BaseModel):
    """The request was accepted but the instance had not settled in time; follow ``Location``.

    Attributes:
        status: Always ``accepted``.
        instance_id: The instance, when known.
        detail: Explanation.
        location: Where to poll (also in the ``Location`` header).
    """

    status: Literal["accepted"] = "accepted"
    instance_id: str | None = None
    detail: str
    location: str


class HealthView(BaseModel):
    """Liveness.

    Attributes:
        status: Always ``ok``.
    """

    status: Literal["ok"] = "ok"


class ReadyView(BaseModel):
    """Readiness: the engine is reachable and a worker polls the task queue.

    Attributes:
        status: Always ``ready``.
        engine: Engine class.
        checks: What was checked, with the result.
    """

    status: Literal["ready"] = "ready"
    engine: str
    checks: dict[str, str]


class DevToken(BaseModel):
    """A demo bearer token (development mode only).

    Attributes:
        access_token: The JWT; send it as ``Authorization: Bearer <token>``.
        token_type: Always ``Bearer``.
        expires_in: Lifetime in seconds.
        user: Its ``sub`` claim.
        groups: Its groups claim.
    """

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    user: str
    groups: list[str]
