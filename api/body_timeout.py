"""A stalled upload must not hold a connection forever: a request body is read within a time limit.

uvicorn bounds the idle time between requests (``--timeout-keep-alive``) and the size of the
request head (``--h11-max-incomplete-event-size``) but has no body-read timeout; this ASGI
middleware adds one, whatever the server program: each chunk of a body must arrive within
``WORKFLOWS_BODY_TIMEOUT`` seconds of the previous one, else the request is answered 408.
Reading the request head slowly is not bounded by uvicorn; in production a reverse proxy in
front bounds it (docs/security.md).
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

__all__ = ["BodyTimeoutMiddleware", "RequestBodyTimeout"]


class RequestBodyTimeout(HTTPException):
    """The client stopped sending the body (answered 408 by the gateway's problem handler)."""

    status_code = 408


class BodyTimeoutMiddleware:
    """Wraps ``receive`` of HTTP requests with a per-chunk timeout.

    Args:
        app: The ASGI app.
        seconds: Longest wait for the next chunk of a request body.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        body_done = False

        async def timed_receive() -> ReceiveMessage:
            nonlocal body_done
            if body_done:
                return await receive()  # only the disconnect is left to wait for
            try:
                async with asyncio.timeout(self.seconds):
                    message = await receive()
            except TimeoutError:
                raise RequestBodyTimeout(
                    detail=f"The request body stopped arriving: no data for {self.seconds:g}s (WORKFLOWS_BODY_TIMEOUT)"
                ) from None
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_done = True
            return message

        await self.app(scope, timed_receive, send)
