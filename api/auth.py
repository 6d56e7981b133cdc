"""Bearer-token (JWT) authentication: who the caller is and which groups they belong to.

Tokens are verified by Litestar's :class:`~litestar.security.jwt.JWTAuth` with an HS* shared
secret or an asymmetric public key (RS256, ES256, ...); issuer and audience are checked when
configured. The ``sub`` claim is the user id, the groups claim (``groups`` by default) a list
of group names. Authorization of a task completion is not decided here: the identity is passed
to the engine, whose validator (in the workflow, on Temporal) applies the step's assignment.

Development mode (``WORKFLOWS_DEV_TOKENS=true``) mints tokens for demo users and is refused
unless the gateway is bound to a loopback address.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import ImproperlyConfiguredException, NotAuthorizedException
from litestar.security.jwt import JWTAuth, Token

from litestar_workflows.settings import Settings

__all__ = [
    "DEMO_USERS",
    "AuthConfig",
    "Identity",
    "assert_dev_mode_allowed",
    "build_auth",
    "is_loopback",
]

logger = logging.getLogger("api")

DEV_TOKEN_TTL = timedelta(hours=8)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
DEMO_USERS: dict[str, tuple[str, ...]] = {
    "alice": ("employees",),
    "bob": ("employees", "managers"),
    "carol": ("employees", "vps"),
    "dave": ("admins",),
}
"""Demo users printed at start in development mode, with their groups."""


@dataclass(frozen=True)
class Identity:
    """The authenticated caller.

    Attributes:
        user_id: The token's ``sub``.
        groups: The token's groups.
    """

    user_id: str
    groups: tuple[str, ...] = ()


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


def _bind_hosts(argv: Sequence[str], environ: dict[str, str]) -> list[str]:
    # The server, not the app, binds the socket; look where its host can be given.
    hosts = [environ[name] for name in ("LITESTAR_HOST", "UVICORN_HOST") if environ.get(name)]
    for i, arg in enumerate(argv):
        if arg in ("--host", "-H") and i + 1 < len(argv):
            hosts.append(argv[i + 1])
        elif arg.startswith("--host="):
            hosts.append(arg.split("=", 1)[1])
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


def _verification_key(settings: Settings) -> tuple[str, str | None]:
    """(key that verifies tokens, key that mints dev tokens)."""
    symmetric = settings.jwt_algorithm.upper().startswith("HS")
    if symmetric:
        secret = settings.jwt_secret
        if not secret and settings.dev_tokens:
            # A per-process secret: dev tokens stop working when the gateway restarts, by design.
            secret = secrets.token_urlsafe(32)
        if not secret:
            raise ImproperlyConfiguredException(
                f"{settings.jwt_algorithm} tokens need WORKFLOWS_JWT_SECRET (or WORKFLOWS_DEV_TOKENS=true for "
                "local development)"
            )
        if len(secret.encode()) < 32:
            logger.warning("WORKFLOWS_JWT_SECRET is shorter than 32 bytes; use a longer random secret")
        return secret, secret if settings.dev_tokens else None
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


def build_auth(settings: Settings) -> AuthConfig:
    """The JWT configuration described by ``settings``.

    Raises:
        ImproperlyConfiguredException: No usable key, or development mode on a non-loopback address.
    """
    assert_dev_mode_allowed(settings)
    try:
        jwt.get_algorithm_by_name(settings.jwt_algorithm)
    except NotImplementedError as exc:
        raise ImproperlyConfiguredException(
            f"WORKFLOWS_JWT_ALGORITHM {settings.jwt_algorithm!r} is not supported"
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
