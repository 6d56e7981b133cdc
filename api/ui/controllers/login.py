"""Sign-in and sign-out.

Development-token mode: one button per demo user; choosing one mints that user's token exactly as
``GET /dev/token`` does (only for a client on a loopback address). Otherwise the page accepts a JWT
issued by the organisation's identity provider and keeps it in an HttpOnly cookie; deployments
behind an auth proxy (oauth2-proxy, ...) set ``Authorization`` themselves and never see this page.
Either way the token is verified by the API's middleware on the next page, not here.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter

from api.auth import DEMO_USERS, dev_token_refusal
from api.ui.session import MAX_TOKEN_LENGTH, TOKEN_COOKIE, cookie_is_secure
from api.ui.site import UISite

__all__ = ["LoginPages"]


def _safe_next(site: UISite, target: str | None) -> str:
    """Only a path inside the UI (no scheme, host or ``//``): an open redirect is refused."""
    if target and target.startswith(site.root + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return site.root + "/"


class LoginPages(Controller):
    """``/ui/login`` and ``/ui/logout`` (no token needed)."""

    path = "/"

    @get("/login", name="ui-login")
    async def login_page(
        self,
        request: Request[Any, Any, Any],
        site: NamedDependency[UISite],
        next_: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None,
        expired: Annotated[int | None, QueryParameter(le=1)] = None,
        error: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> Response[str]:
        """Demo-user buttons (development mode) or the token form."""
        return site.page(
            request,
            "login.html",
            title="Sign in",
            dev_users=DEMO_USERS if site.dev_tokens else {},
            next=_safe_next(site, next_),
            expired=bool(expired),
            error=error if error in ("token-too-long", "no-token", "unknown-user") else None,
        )

    @post("/login", status_code=303)
    async def login(self, request: Request[Any, Any, Any], site: NamedDependency[UISite]) -> Response[Any]:
        """Store a minted (dev) or pasted token in the sign-in cookie and go on."""
        form = await site.read_form(request)
        target = _safe_next(site, form.get("next"))
        user, token = form.get("user"), form.get("token")
        if site.dev_tokens and isinstance(user, str) and user:
            refusal = dev_token_refusal(request.scope, request.headers)
            if refusal is not None:
                raise PermissionDeniedException(f"Demo sign-in is refused: {refusal}")
            if user not in DEMO_USERS:
                return site.redirect(site.url("login", query="error=unknown-user"))
            token = site.gateway.auth.mint(user, DEMO_USERS[user])
        if not isinstance(token, str) or not token.strip():
            return site.redirect(site.url("login", query="error=no-token"))
        token = token.strip().removeprefix("Bearer ").strip()
        if len(token) > MAX_TOKEN_LENGTH:
            return site.redirect(site.url("login", query="error=token-too-long"))
        response = site.redirect(target)
        response.set_cookie(
            TOKEN_COOKIE, token, path="/", httponly=True, secure=cookie_is_secure(request), samesite="lax"
        )
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any], site: NamedDependency[UISite]) -> Response[Any]:
        """Forget the sign-in cookie."""
        await site.read_form(request)
        response = site.redirect(site.url("login"))
        response.delete_cookie(TOKEN_COOKIE, path="/")
        return response
