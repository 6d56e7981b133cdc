"""The UI's routers: public pages (sign-in, static assets) and the signed-in pages under ``<prefix>/ui``.

Signed-in pages run the API's own JWT middleware (after :class:`~api.ui.session.CookieBearer`),
so a page sees exactly the identity the API would. Their errors are pages, not problem+json: an
unauthenticated visit goes to the sign-in page, anything else says what went wrong.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.types import ExceptionHandlersMap
from temporalio.service import RPCError

from api.auth import Identity
from api.gateway import SettleTimeout
from api.ui.controllers.definitions import DefinitionPages
from api.ui.controllers.instances import InstancePages
from api.ui.controllers.login import LoginPages
from api.ui.controllers.task_operations import TaskOperationPages
from api.ui.controllers.tasks import TaskPages
from api.ui.session import TOKEN_COOKIE, CookieBearer
from api.ui.site import UISite
from litestar_workflows.exceptions import WorkflowsError

__all__ = ["ui_routers"]

logger = logging.getLogger("api.ui")

STATIC_DIR = Path(__file__).parent / "static"


def _identity(request: Request[Any, Any, Any]) -> Identity:
    user = request.user
    if not isinstance(user, Identity):  # pragma: no cover - the auth middleware guarantees it
        raise NotAuthorizedException("not signed in")
    return user


def _error_handlers(site: UISite) -> ExceptionHandlersMap:
    def unauthorized(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = "next=" + quote(target, safe="")
        if request.headers.get("authorization") and request.scope.get("state", {}).get("ui_cookie_auth"):
            query += "&expired=1"  # the stored token was refused (expired, or signed with another key)
        response: Response[Any] = Redirect(site.url("login", query=query), status_code=303)
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return response

    def failure(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        status, title, detail = 500, "Something went wrong", "The request failed; it has been logged."
        if isinstance(exc, HTTPException):
            status, title, detail = exc.status_code, "The request was refused", exc.detail
        elif isinstance(exc, WorkflowsError):
            status = int(getattr(type(exc), "http_status", 409))
            title, detail = "The workflow engine refused this", str(exc)
        elif isinstance(exc, SettleTimeout):
            status, title = 202, "Accepted; still running"
            detail = "The engine accepted the request but has not settled yet. Reload this page in a moment."
        elif isinstance(exc, RPCError | OSError):
            status, title, detail = 503, "The workflow engine is unavailable", "Try again in a few seconds."
        if status >= 500:
            logger.exception("UI request %s %s failed", request.method, request.url.path, exc_info=exc)
        identity = request.user if isinstance(request.scope.get("user"), Identity) else None
        return site.page(request, "error.html", identity=identity, status_code=status, title=title, detail=detail)

    return {NotAuthorizedException: unauthorized, Exception: failure}


def ui_routers(site: UISite, auth_middleware: Any, max_body_size: int) -> list[Router]:
    """The UI's public and signed-in routers for ``site``.

    Args:
        site: The UI's shared state.
        auth_middleware: The API's JWT middleware (``AuthConfig.auth.middleware``).
        max_body_size: Largest accepted form post in bytes.
    """
    gateway = site.gateway
    dependencies = {
        "site": Provide(site.provide, sync_to_thread=False),
        "gateway": Provide(gateway.provide_gateway, sync_to_thread=False),
        "engine": Provide(gateway.provide_engine, sync_to_thread=False),
    }
    handlers = _error_handlers(site)
    static = create_static_files_router(
        path=f"{site.root}/static", directories=[STATIC_DIR], include_in_schema=False, name=f"ui-static{site.root}"
    )
    return [
        static,
        Router(
            path=site.root,
            route_handlers=[LoginPages],
            dependencies=dependencies,
            exception_handlers=handlers,
            include_in_schema=False,
            request_max_body_size=max_body_size,
        ),
        Router(
            path=site.root,
            route_handlers=[TaskPages, TaskOperationPages, InstancePages, DefinitionPages],
            dependencies={**dependencies, "identity": Provide(_identity, sync_to_thread=False)},
            middleware=[CookieBearer, auth_middleware],
            exception_handlers=handlers,
            include_in_schema=False,
            request_max_body_size=max_body_size,
        ),
    ]
