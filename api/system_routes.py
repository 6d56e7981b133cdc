"""The gateway's system routes: liveness, readiness and (development mode only) a demo token."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.gateway import Gateway
from api.models import (
    DevToken,
    HealthView,
    ReadyView,
)
from api.problems import ProblemError, problem_responses

__all__ = ["SystemController", "dev_token"]


class SystemController(Controller):
    """Liveness and readiness (no token needed)."""

    path = "/"
    tags = ["system"]

    @get("/health", summary="Liveness: the process is up")
    async def health(self) -> HealthView:
        """Always 200 while the process serves requests."""
        return HealthView()

    @get(
        "/ready", summary="Readiness: Temporal reachable and a worker polling", responses=problem_responses("not-ready")
    )
    async def ready(self, gateway: NamedDependency[Gateway]) -> ReadyView:
        """200 when the engine is connected, Temporal answers and a worker polls the task queue; else 503."""
        reason = await gateway.not_ready_reason()
        if reason is not None:
            raise ProblemError("not-ready", reason, headers={"Retry-After": str(gateway.settings.retry_after)})
        engine = gateway.engine
        checks = {"engine": type(engine).__name__}
        if gateway.client is not None:
            checks["temporal"] = "reachable"
            checks["worker"] = f"polling {gateway.settings.task_queue!r}"
        return ReadyView(engine=type(engine).__name__, checks=checks)


@get(
    "/dev/token",
    summary="Mint a demo token (development mode only)",
    tags=["development"],
    responses=problem_responses("validation-error", "forbidden"),
)
async def dev_token(
    request: Request[Any, Any, Any],
    gateway: NamedDependency[Gateway],
    user: Annotated[str, QueryParameter(min_length=1, max_length=100, pattern=r"^[\w.@+-]+$")] = "alice",
    groups: Annotated[
        str | None,
        QueryParameter(
            max_length=500,
            pattern=r"^[\w.@+-]*(,[\w.@+-]+)*$",
            description="Comma-separated groups; the demo user's groups when omitted",
        ),
    ] = None,
) -> DevToken:
    """A bearer token for any user and groups. Development mode only, and only to a client on this
    machine that does not come through a proxy."""
    from api.auth import DEMO_USERS, DEV_TOKEN_TTL, dev_token_refusal

    refusal = dev_token_refusal(request.scope, request.headers)
    if refusal is not None:
        raise ProblemError("forbidden", refusal[0].upper() + refusal[1:])
    chosen = tuple(g for g in groups.split(",") if g) if groups is not None else DEMO_USERS.get(user, ())
    token = gateway.auth.mint(user, chosen)
    return DevToken(access_token=token, expires_in=int(DEV_TOKEN_TTL.total_seconds()), user=user, groups=list(chosen))
