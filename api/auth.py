"""Bearer-token (JWT) authentication: who the caller is and which groups they belong to.

Tokens are verified by Litestar's :class:`~litestar.security.jwt.JWTAuth` with an HS* shared
secret (at least 32 bytes, never a known placeholder) or an asymmetric public key (RS256,
ES256, ...); only the ``Bearer`` scheme is accepted; ``exp``/``nbf``/``iat`` are checked with a
small leeway (``WORKFLOWS_JWT_LEEWAY``); issuer and audience are checked when configured (set
them in production: docs/security.md). The ``sub`` claim (never blank) is the user id, the
groups claim (``groups`` by default) a list of group names. Nothing is decided here: the
identity is passed to the engine, which applies the read policy and the step's assignment.

Development mode (``WORKFLOWS_DEV_TOKENS=true``) mints tokens for demo users: it is refused
unless every bind address in sight is a loopback address, a token is only handed to a loopback
client whose request carries no proxy header, and tokens are signed with the dev stack's
throwaway key (``WORKFLOWS_DEV_JWT_SECRET``, else a per-process one), never with
``WORKFLOWS_JWT_SECRET``, so a development gateway cannot mint production tokens.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import re
import secrets
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import jwt
from litestar import Router
from litestar.connection import ASGIConnection
from litestar.exceptions import ImproperlyConfiguredException, NotAuthorizedException
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token
from litestar.security.jwt.token import JWTDecodeOptions

from litestar_workflows.rules.access import Caller
from litestar_workflows.settings import Settings

__all__ = [
    "DEMO_USERS",
    "PLACEHOLDER_SECRETS",
    "SUPPORTED_ALGORITHMS",
    "AuthConfig",
    "Identity",
    "assert_dev_mode_allowed",
    "build_auth",
    "dev_token_refusal",
    "is_loopback",
    "schema_router",
]

logger = logging.getLogger("api")

DEV_TOKEN_TTL = timedelta(hours=8)
MIN_SECRET_BYTES = 32
SUPPORTED_ALGORITHMS = frozenset(
    {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
"""Token algorithms the gateway accepts (``none`` and anything else is refused at start)."""
PLACEHOLDER_SECRETS = frozenset(
    {
        "change-me-to-a-long-random-secret-of-at-least-32-bytes",  # .env.example
        "change-me",
        "changeme",
        "secret",
        "your-secret-key",
    }
)
"""Secrets published in examples: refused at start whatever their length."""
_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "via")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DEMO_USERS: dict[str, tuple[str, ...]] = {
    "alice": ("employees",),
    "bob": ("employees", "managers"),
    "carol": ("employees", "vps"),
    "dave": ("admins",),
}
"""Demo users printed at start in development mode, with their groups."""


Identity = Caller
"""The authenticated caller (``user_id`` is the token's ``sub``, ``groups`` its groups claim): the
engines' :class:`~litestar_workflows.rules.access.Caller`, passed to them as is."""


@dataclass
class AuthConfig:
    """What the gateway needs to verify (and, in dev mode, mint) tokens.

    Attributes:
        auth: Litestar's JWT security config (middleware and OpenAPI scheme).
        signing_key: Key that mints dev tokens; ``None`` outside development mode.
        settings: The settings it was built from.
    """

    auth: JWTAuth[Identity, Token]
    signing_key: str | None
    settings: Settings
    demo_tokens: dict[str, str] = field(default_factory=dict)

    def mint(self, user: str, groups: Sequence[str], ttl: timedelta = DEV_TOKEN_TTL) -> str:
        """A token for ``user`` in ``groups`` (development mode only).

        Raises:
            ImproperlyConfiguredException: Not in development mode.
        """
        if self.signing_key is None:
            raise ImproperlyConfiguredException("tokens are only minted in development mode (WORKFLOWS_DEV_TOKENS)")
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": user,
            self.settings.jwt_groups_claim: list(groups),
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        if self.settings.jwt_issuer:
            claims["iss"] = self.settings.jwt_issuer
        if self.settings.jwt_audience:
            claims["aud"] = self.settings.jwt_audience
        return jwt.encode(claims, self.signing_key, algorithm=self.settings.jwt_algorithm)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if not host:
        return False
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_of(bind: str) -> str:
    """The host of a ``host``, ``host:port``, ``[v6]:port`` or ``unix:/path`` bind address."""
    bind = bind.strip()
    if bind.startswith(("unix:", "/")):
        return "localhost"  # a Unix socket is only reachable on this machine
    if bind.startswith("fd://"):
        return bind  # an inherited socket: its address is unknown, so never loopback
    if bind.startswith("["):
        return bind[1:].split("]", 1)[0]
    return bind.rsplit(":", 1)[0] if bind.count(":") == 1 else bind


def _bind_hosts(argv: Sequence[str], environ: Mapping[str, str]) -> list[str]:
    # The server program, not the app, binds the socket: look wherever uvicorn, litestar, gunicorn,
    # hypercorn or granian take a host (flags, their environment variables, GUNICORN_CMD_ARGS).
    hosts = [environ[name] for name in ("LITESTAR_HOST", "UVICORN_HOST", "GRANIAN_HOST") if environ.get(name)]
    hosts += [_host_of(b) for b in environ.get("HYPERCORN_BIND", "").split(",") if b.strip()]
    args = [*argv, *shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))]
    for i, arg in enumerate(args):
        name, _, inline = arg.partition("=")
        value = inline if inline else (args[i + 1] if i + 1 < len(args) else "")
        if name in ("--host", "-H", "--interface"):
            hosts.append(value)
        elif name in ("--bind", "-b"):
            hosts.append(_host_of(value))
        elif name in ("--fd", "--insecure-bind", "--quic-bind"):
            hosts.append(f"{name} {value}")  # an address this check cannot see: refused
    return hosts


def assert_dev_mode_allowed(
    settings: Settings, argv: Sequence[str] | None = None, environ: dict[str, str] | None = None
) -> None:
    """Refuse development mode unless every bind address in sight is a loopback address.

    Raises:
        ImproperlyConfiguredException: Development mode with a non-loopback bind address.
    """
    if not settings.dev_tokens:
        return
    hosts = [
        settings.host,
        *_bind_hosts(sys.argv if argv is None else argv, dict(os.environ if environ is None else environ)),
    ]
    bad = [h for h in hosts if not is_loopback(h)]
    if bad:
        raise ImproperlyConfiguredException(
            f"WORKFLOWS_DEV_TOKENS is enabled but the gateway would bind to {bad[0]!r}: development tokens are only "
            "allowed on a loopback address (127.0.0.1, ::1, localhost). Unset WORKFLOWS_DEV_TOKENS and configure "
            "WORKFLOWS_JWT_SECRET or WORKFLOWS_JWT_PUBLIC_KEY to serve other hosts."
        )


def secret_problem(secret: str) -> str | None:
    """Why ``secret`` must not sign tokens (too short, or a published placeholder); ``None`` if fine."""
    if secret.strip().lower() in PLACEHOLDER_SECRETS or secret.strip().lower().startswith("change-me"):
        return "is a placeholder from the documentation"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"is {len(secret.encode())} bytes; at least {MIN_SECRET_BYTES} random bytes are needed"
    return None


def _verification_key(settings: Settings) -> tuple[str, str | None]:
    """(key that verifies tokens, key that mints dev tokens)."""
    symmetric = settings.jwt_algorithm.upper().startswith("HS")
    if symmetric and settings.dev_tokens:
        if settings.jwt_secret:
            logger.warning(
                "development mode ignores WORKFLOWS_JWT_SECRET: demo tokens are signed with the dev stack's "
                "throwaway key, so they can never be valid in production"
            )
        # The dev stack's throwaway key (tokens survive a restart of `make run`), else a per-process one.
        secret = settings.dev_jwt_secret or secrets.token_urlsafe(48)
        problem = secret_problem(secret)
        if problem is not None:
            raise ImproperlyConfiguredException(f"WORKFLOWS_DEV_JWT_SECRET {problem}")
        return secret, secret
    if symmetric:
        configured = settings.jwt_secret
        if not configured:
            raise ImproperlyConfiguredException(
                f"{settings.jwt_algorithm} tokens need WORKFLOWS_JWT_SECRET (or WORKFLOWS_DEV_TOKENS=true for "
                "local development)"
            )
        problem = secret_problem(configured)
        if problem is not None:
            raise ImproperlyConfiguredException(
                f"WORKFLOWS_JWT_SECRET {problem}; generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return configured, None
    if settings.dev_tokens:
        raise ImproperlyConfiguredException(
            "WORKFLOWS_DEV_TOKENS needs an HS* algorithm (the gateway cannot mint tokens with only a public key)"
        )
    key = settings.jwt_public_key
    if not key and settings.jwt_public_key_file:
        try:
            key = Path(settings.jwt_public_key_file).read_text()
        except OSError as exc:
            raise ImproperlyConfiguredException(
                f"WORKFLOWS_JWT_PUBLIC_KEY_FILE {settings.jwt_public_key_file!r} cannot be read: {exc}"
            ) from exc
    if not key:
        raise ImproperlyConfiguredException(
            f"{settings.jwt_algorithm} tokens need WORKFLOWS_JWT_PUBLIC_KEY or WORKFLOWS_JWT_PUBLIC_KEY_FILE"
        )
    return key, None


class _LeewayToken(Token):
    """Litestar's token, with clock leeway on ``exp``/``nbf``/``iat`` and a non-blank ``sub``."""

    leeway: ClassVar[float] = 0.0

    def __post_init__(self) -> None:
        # PyJWT has checked exp, nbf and iat with the leeway; only the subject is left to check.
        if not self.sub.strip():
            raise ImproperlyConfiguredException("sub must not be blank")

    @classmethod
    def decode_payload(
        cls,
        encoded_token: str,
        secret: str,
        algorithms: list[str],
        issuer: str | Sequence[str] | None = None,
        audience: str | Sequence[str] | None = None,
        options: JWTDecodeOptions | None = None,
    ) -> Any:
        checks: dict[str, Any] = {**(options or {}), "require": ["exp", "sub"]}
        return jwt.decode(
            encoded_token,
            secret,
            algorithms=algorithms,
            issuer=issuer,
            audience=audience,
            options=checks,  # type: ignore[arg-type]
            leeway=cls.leeway,
        )


def _token_class(leeway: float) -> type[Token]:
    return dataclasses.dataclass(type("Token", (_LeewayToken,), {"leeway": leeway}))


class BearerOnlyMiddleware(JWTAuthenticationMiddleware):
    """Accepts ``Authorization: Bearer <token>`` only (not ``Basic <jwt>`` or a bare token)."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Any:
        scheme, _, token = (connection.headers.get(self.auth_header) or "").partition(" ")
        if not scheme:
            raise NotAuthorizedException("No JWT token found in request header")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("Only the Bearer scheme is accepted: Authorization: Bearer <token>")
        return await self.authenticate_token(encoded_token=token.strip(), connection=connection)


def dev_token_refusal(scope: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """Why a development token must not be handed out on this request; ``None`` if it may.

    Only to a loopback client, on a loopback socket, and never through a proxy (a proxy on the
    same machine would otherwise hand tokens to anyone it forwards).
    """
    server, client = scope.get("server"), scope.get("client")
    if server is None or not is_loopback(str(server[0])):
        return "development tokens are only served on a loopback address"
    proxied = [name for name in _PROXY_HEADERS if name in headers]
    if proxied:
        return f"development tokens are not served through a proxy (the request has {proxied[0]!r})"
    # Checked after the headers: uvicorn rewrites the client from X-Forwarded-For by default.
    if client is None or not is_loopback(str(client[0])):
        return "development tokens are only served to a client on this machine"
    return None


def schema_router(settings: Settings, config: AuthConfig) -> Router | None:
    """The router of ``/schema``: behind the bearer token like the routes it documents, unless
    ``WORKFLOWS_SCHEMA_PUBLIC`` or development mode (``None``: Litestar's public default)."""
    if settings.schema_public or settings.dev_tokens:
        return None
    return Router(path="/schema", route_handlers=[], middleware=[config.auth.middleware], include_in_schema=False)


def build_auth(settings: Settings) -> AuthConfig:
    """The JWT configuration described by ``settings``.

    Raises:
        ImproperlyConfiguredException: No usable key, or development mode on a non-loopback address.
    """
    assert_dev_mode_allowed(settings)
    if settings.jwt_algorithm not in SUPPORTED_ALGORITHMS:
        raise ImproperlyConfiguredException(
            f"WORKFLOWS_JWT_ALGORITHM {settings.jwt_algorithm!r} is not supported; use one of "
            + ", ".join(sorted(SUPPORTED_ALGORITHMS))
        )
    try:
        jwt.get_algorithm_by_name(settings.jwt_algorithm)
    except NotImplementedError as exc:  # e.g. RS256 without the cryptography package
        raise ImproperlyConfiguredException(
            f"WORKFLOWS_JWT_ALGORITHM {settings.jwt_algorithm!r} is not available: {exc}"
        ) from exc
    verify_key, signing_key = _verification_key(settings)
    groups_claim = settings.jwt_groups_claim

    def retrieve_user(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Identity:
        raw = token.extras.get(groups_claim, [])
        if isinstance(raw, str):
            groups: tuple[str, ...] = (raw,)
        elif isinstance(raw, list):
            groups = tuple(g for g in raw if isinstance(g, str))
        else:
            groups = ()
        # Identities reach Temporal ids and visibility queries; control characters are never legitimate.
        if any(_CONTROL.search(value) for value in (token.sub, *groups)):
            raise NotAuthorizedException("Invalid token: control characters in the subject or groups")
        return Identity(user_id=token.sub, groups=groups)

    auth = JWTAuth[Identity, Token](
        retrieve_user_handler=retrieve_user,
        token_secret=verify_key,
        token_cls=_token_class(settings.jwt_leeway),
        authentication_middleware_class=BearerOnlyMiddleware,
        algorithm=settings.jwt_algorithm,
        accepted_issuers=[settings.jwt_issuer] if settings.jwt_issuer else None,
        accepted_audiences=[settings.jwt_audience] if settings.jwt_audience else None,
        description=(
            f"JWT signed with {settings.jwt_algorithm}; `sub` is the user id, `{groups_claim}` the list of groups."
        ),
    )
    config = AuthConfig(auth=auth, signing_key=signing_key, settings=settings)
    if signing_key is not None:
        config.demo_tokens = {user: config.mint(user, groups) for user, groups in DEMO_USERS.items()}
    return config
