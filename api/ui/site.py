"""Per-mount state of the UI (:class:`UISite`) and the two things every page does: render with the
signed-in identity and CSRF token, and read a posted form safely."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.datastructures import FormMultiDict
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.response import Redirect

from api.auth import Identity
from api.gateway import Gateway
from api.ui.rendering import SECURITY_HEADERS, render
from api.ui.session import CSRF_FIELD, CsrfTokens

__all__ = ["MAX_FORM_FIELDS", "UISite"]

MAX_FORM_FIELDS = 500
"""Most fields a posted form may have (more is refused before it is read further)."""


class UISite:
    """What the UI's handlers share: the gateway they serve, where the UI is mounted, CSRF keys.

    Args:
        gateway: The gateway (engine, settings, token configuration) the UI belongs to.
        temporal_ui_url: Base URL of the Temporal Web UI, for links from instance pages.
    """

    def __init__(self, gateway: Gateway, temporal_ui_url: str | None = None) -> None:
        self.gateway = gateway
        self.root = f"{gateway.prefix}/ui"
        self.api_root = gateway.prefix
        self.csrf = CsrfTokens(gateway.auth.auth.token_secret.encode())
        self.temporal_ui_url = temporal_ui_url.rstrip("/") if temporal_ui_url else None

    def __deepcopy__(self, memo: dict[int, Any]) -> UISite:
        # Litestar deep-copies dependency providers bound to this object; they must share it.
        return self

    def provide(self) -> UISite:
        """DI provider of this site."""
        return self

    @property
    def dev_tokens(self) -> bool:
        """Whether the gateway runs in development-token mode (demo sign-in buttons)."""
        return self.gateway.auth.signing_key is not None

    def page(
        self,
        request: Request[Any, Any, Any],
        template: str,
        *,
        identity: Identity | None = None,
        status_code: int = 200,
        **context: Any,
    ) -> Response[str]:
        """``template`` as an HTML response, with the identity, the CSRF token and the UI's URLs."""
        token, new = self.csrf.token_for(request)
        html = render(
            template,
            ui=self.root,
            api=self.api_root,
            identity=identity,
            cookie_auth=bool(request.scope.get("state", {}).get("ui_cookie_auth")),
            csrf_field=CSRF_FIELD,
            csrf_token=token,
            path=request.url.path,
            **context,
        )
        response = Response(html, media_type=MediaType.HTML, status_code=status_code, headers=SECURITY_HEADERS)
        if new:
            self.csrf.set_cookie(request, response, token)
        return response

    async def read_form(self, request: Request[Any, Any, Any]) -> FormMultiDict:
        """The posted form, once its CSRF token has been checked.

        Raises:
            PermissionDeniedException: Missing or wrong CSRF token (nothing is done).
            HTTPException: 400, more than :data:`MAX_FORM_FIELDS` fields.
        """
        form = await request.form()
        if sum(1 for _ in form.multi_items()) > MAX_FORM_FIELDS:
            raise HTTPException(status_code=400, detail=f"A form may have at most {MAX_FORM_FIELDS} fields")
        if not self.csrf.check(request, form.get(CSRF_FIELD)):
            raise PermissionDeniedException(
                "The form's security token is missing or out of date: reload the page and submit it again"
            )
        return form

    def url(self, *parts: str, query: str = "") -> str:
        """A UI URL from path segments (each percent-encoded, ``/`` included)."""
        path = self.root + "".join("/" + quote(p, safe="") for p in parts)
        return path + (f"?{query}" if query else "")

    def redirect(self, location: str) -> Redirect:
        """A 303 redirect (after a post, the browser follows with GET)."""
        return Redirect(location, status_code=303)
