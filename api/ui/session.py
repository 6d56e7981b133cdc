"""Who is signed in to the UI, and CSRF protection of its forms.

The UI accepts exactly the API's tokens and verifies them with the API's own middleware
(:attr:`api.auth.AuthConfig.auth`): a token comes either in the ``Authorization`` header, set
by an auth proxy in front of the gateway, or in an HttpOnly cookie written by the sign-in page.
:class:`CookieBearer` only moves the cookie's token into the header before that middleware
runs, so there is one token validation for the API and the UI.

Forms are protected by a signed double-submit token: a random nonce with its HMAC, kept in a
``SameSite=Strict`` HttpOnly cookie and repeated in a hidden field of every form. A post whose
field does not equal a correctly signed cookie is refused before anything else happens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from http.cookies import CookieError, SimpleCookie
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.auth import is_loopback

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "TOKEN_COOKIE", "CookieBearer", "CsrfTokens", "cookie_is_secure"]

TOKEN_COOKIE = "workflows_ui_token"  # noqa: S105 - a cookie name, not a secret
"""Cookie holding the signed-in user's JWT (HttpOnly, SameSite=Lax, Secure off loopback)."""
CSRF_COOKIE = "workflows_ui_csrf"
"""Cookie holding the signed CSRF nonce (HttpOnly, SameSite=Strict)."""
CSRF_FIELD = "_csrf"
"""Hidden form field repeating the CSRF token."""
MAX_TOKEN_LENGTH = 4000
"""Browsers keep cookies up to about 4 KB; a longer token cannot be stored."""


def read_cookie(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name`` in the request, if any."""
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                continue
            if name in jar:
                return jar[name].value
    return None


class CookieBearer:
    """ASGI middleware: a request without ``Authorization`` but with the sign-in cookie gets
    ``Authorization: Bearer <cookie>``, so the API's JWT middleware verifies it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the header when needed, then call the wrapped app."""
        if scope["type"] == ScopeType.HTTP and not any(k == b"authorization" for k, _ in scope.get("headers", ())):
            token = read_cookie(scope, TOKEN_COOKIE)
            if token and len(token) <= MAX_TOKEN_LENGTH:
                headers = [*scope["headers"], (b"authorization", b"Bearer " + token.encode("latin-1"))]
                scope = {**scope, "headers": headers}
                scope.setdefault("state", {})["ui_cookie_auth"] = True
        await self.app(scope, receive, send)


def cookie_is_secure(request: Request[Any, Any, Any]) -> bool:
    """Cookies are ``Secure`` except over plain HTTP to a loopback address (the dev stack)."""
    return request.url.scheme == "https" or not is_loopback(request.url.hostname)


class CsrfTokens:
    """Signed double-submit CSRF tokens.

    Args:
        key: HMAC key (derived from the gateway's token key, so every gateway of a deployment agrees).
    """

    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"workflows-ui-csrf\x00" + key).digest()

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()

    def _valid(self, token: str | None) -> bool:
        if not token or len(token) > 200 or "." not in token:
            return False
        nonce, signature = token.split(".", 1)
        return hmac.compare_digest(self._sign(nonce), signature)

    def token_for(self, request: Request[Any, Any, Any]) -> tuple[str, bool]:
        """(the request's CSRF token, whether it is new and must be set as a cookie)."""
        existing = request.cookies.get(CSRF_COOKIE)
        if existing is not None and self._valid(existing):
            return existing, False
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce)}", True

    def check(self, request: Request[Any, Any, Any], submitted: str | None) -> bool:
        """Whether ``submitted`` (the form field) matches the request's signed CSRF cookie."""
        cookie = request.cookies.get(CSRF_COOKIE)
        return bool(submitted) and self._valid(cookie) and hmac.compare_digest(cookie or "", submitted or "")

    def set_cookie(self, request: Request[Any, Any, Any], response: Response[Any], token: str) -> None:
        """Store ``token`` in the CSRF cookie of ``response``."""
        response.set_cookie(
            CSRF_COOKIE,
            token,
            path="/",
            httponly=True,
            secure=cookie_is_secure(request),
            samesite="strict",
        )
