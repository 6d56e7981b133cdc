"""The codec server: Temporal's remote codec protocol, so the Web UI (and ``temporal --codec-endpoint``)
can show decrypted payloads to operators.

Protocol (what the Temporal Web UI and CLI send): ``POST {endpoint}/decode`` and ``POST
{endpoint}/encode`` with ``Content-Type: application/json``, the namespace in ``X-Namespace`` and a
body ``{"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}`` (the protobuf JSON
form of ``temporal.api.common.v1.Payloads``); the answer has the same shape. Here the endpoint is
``/codec``.

Who may use it: callers whose bearer token (the Web UI forwards the operator's access token when
its ``codec.passAccessToken`` is on) is valid for the gateway and lists one of
``WORKFLOWS_CODEC_OPERATOR_GROUPS``; the token is verified by the gateway's own JWT configuration
(:mod:`api.auth`), there is no second verification. ``WORKFLOWS_CODEC_ALLOW_ANONYMOUS`` lifts the
token requirement for ``make run`` only (the dev server's Web UI has no login to forward a token):
it is refused unless the gateway runs in development mode, which is itself loopback-only.

Browsers call it cross-origin from the Web UI, so the routes answer CORS for exactly the origins of
``WORKFLOWS_CODEC_CORS_ORIGINS`` (:class:`CodecCORS`, independent of the API's CORS settings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format
from litestar import Request, Response, Router, post
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ImproperlyConfiguredException
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.api.common.v1 import Payloads

from api.auth import AuthConfig, Identity
from api.problems import ProblemError, exception_handlers
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.codec import EncryptionCodec

__all__ = ["CODEC_MAX_BODY", "CODEC_MAX_PAYLOADS", "CODEC_PATH", "CodecCORS", "codec_router"]

CODEC_PATH = "/codec"
"""Mount path: the Web UI's codec endpoint is ``<gateway>/codec``."""

CODEC_MAX_BODY = 8 * 1024 * 1024
"""Largest request body: several payloads of up to Temporal's 2 MiB each, base64-encoded."""

CODEC_MAX_PAYLOADS = 1000
"""Most payloads in one request."""

_ALLOWED_HEADERS = "authorization, content-type, x-namespace"


def _check_caller(request: Request[Any, Any, Any], settings: Settings) -> None:
    if settings.codec_allow_anonymous:
        return
    user = request.scope.get("user")
    if not isinstance(user, Identity):  # pragma: no cover - the auth middleware guarantees it
        raise ProblemError("unauthorized", "No bearer token in the Authorization header")
    allowed = set(settings.codec_operator_groups)
    if not allowed.intersection(user.groups):
        raise ProblemError(
            "forbidden",
            f"User {user.user_id!r} may not use the codec server: only members of "
            f"{', '.join(sorted(allowed)) or '(no group configured)'} may (WORKFLOWS_CODEC_OPERATOR_GROUPS)",
        )


def _parse(request_body: bytes, namespace_header: str | None, namespace: str) -> Payloads:
    if not namespace_header:
        raise ProblemError("validation-error", "Header X-Namespace is required (the namespace of the payloads)")
    if namespace_header != namespace:
        raise ProblemError(
            "validation-error",
            f"Header X-Namespace: namespace {namespace_header[:100]!r} is not served by this codec server "
            f"(it serves {namespace!r})",
        )
    payloads = Payloads()
    try:
        json_format.Parse(request_body, payloads)
    except (json_format.ParseError, UnicodeDecodeError) as exc:
        raise ProblemError(
            "malformed-request", f"Body must be {{'payloads': [{{'metadata': ..., 'data': ...}}]}}: {exc}"
        ) from exc
    if len(payloads.payloads) > CODEC_MAX_PAYLOADS:
        raise ProblemError(
            "validation-error",
            f"/payloads: at most {CODEC_MAX_PAYLOADS} payloads per request (got {len(payloads.payloads)})",
        )
    return payloads


def _answer(payloads: Sequence[Any]) -> Response[bytes]:
    body = json_format.MessageToJson(Payloads(payloads=list(payloads)), indent=None).encode()
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def codec_router(settings: Settings, auth: AuthConfig, codec: EncryptionCodec, namespace: str) -> Router:
    """The ``/codec/encode`` and ``/codec/decode`` routes.

    Raises:
        ImproperlyConfiguredException: Anonymous access asked for outside development mode.
    """
    if settings.codec_allow_anonymous and not settings.dev_tokens:
        raise ImproperlyConfiguredException(
            "WORKFLOWS_CODEC_ALLOW_ANONYMOUS lets anyone decrypt payloads; it is only allowed together with "
            "WORKFLOWS_DEV_TOKENS (local development on a loopback address). Give operators tokens with one of "
            "WORKFLOWS_CODEC_OPERATOR_GROUPS instead."
        )

    @post("/decode", status_code=200, include_in_schema=False)
    async def decode(request: Request[Any, Any, Any]) -> Response[bytes]:
        _check_caller(request, settings)
        payloads = _parse(await request.body(), request.headers.get("x-namespace"), namespace)
        return _answer(await codec.decode(payloads.payloads))

    @post("/encode", status_code=200, include_in_schema=False)
    async def encode(request: Request[Any, Any, Any]) -> Response[bytes]:
        _check_caller(request, settings)
        payloads = _parse(await request.body(), request.headers.get("x-namespace"), namespace)
        return _answer(await codec.encode(payloads.payloads))

    return Router(
        path=CODEC_PATH,
        route_handlers=[decode, encode],
        middleware=[] if settings.codec_allow_anonymous else [auth.auth.middleware],
        exception_handlers=exception_handlers(settings.retry_after, CODEC_MAX_BODY),
        request_max_body_size=CODEC_MAX_BODY,
    )


class CodecCORS:
    """CORS for the codec routes only, for the configured Web UI origins.

    Wraps the whole app (outside Litestar's own CORS middleware, which answers every preflight
    with the API's origins): preflights of ``/codec/*`` are answered here, and answers to allowed
    origins get ``Access-Control-Allow-Origin``. Other paths pass through untouched.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str], prefix: str = CODEC_PATH) -> None:
        self.app = app
        self.origins = frozenset(o.rstrip("/") for o in origins)
        self.prefix = prefix.rstrip("/") + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: Any = scope
        if raw["type"] != "http" or not raw["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        origin = next((v.decode("latin-1") for k, v in raw["headers"] if k == b"origin"), None)
        allowed = origin is not None and origin in self.origins
        if raw["method"] == "OPTIONS":
            headers = [(b"vary", b"Origin"), (b"content-length", b"0")]
            if allowed and origin is not None:
                headers += [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-methods", b"POST, OPTIONS"),
                    (b"access-control-allow-headers", _ALLOWED_HEADERS.encode()),
                    (b"access-control-max-age", b"600"),
                ]
            start: Any = {"type": "http.response.start", "status": 204 if allowed else 403, "headers": headers}
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name in ("access-control-allow-origin", "access-control-allow-credentials"):
                    if name in headers:
                        del headers[name]
                headers["Vary"] = "Origin"
                if allowed and origin is not None:
                    headers["Access-Control-Allow-Origin"] = origin
            await send(message)

        await self.app(scope, receive, send_with_cors)
