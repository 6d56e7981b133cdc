"""Page cursors the gateway signs, so only cursors an engine issued reach the engine.

An engine's cursor is opaque (on Temporal: a visibility page token). A made-up token that
decodes is retried by the Temporal client for several seconds and then fails with ``UNKNOWN``;
a token of one query replayed with another is meaningless. The gateway therefore wraps each
engine cursor with an HMAC over the cursor and the query it belongs to (route, filters,
caller), and answers 400 at once for anything else.

The key is derived from the token verification key (the HS* secret, or the public key), so
every replica of a deployment accepts the others' cursors without another setting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

__all__ = ["CursorCodec"]

_TAG_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs and checks page cursors.

    Args:
        key_material: Secret (or at least deployment-specific) bytes the HMAC key is derived from.
    """

    def __init__(self, key_material: bytes) -> None:
        self._key = hmac.new(key_material, b"litestar-workflows page cursor", hashlib.sha256).digest()

    def _tag(self, cursor: str, scope: str) -> bytes:
        message = scope.encode() + b"\x00" + cursor.encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_TAG_BYTES]

    def wrap(self, cursor: str | None, scope: str) -> str | None:
        """The signed form of an engine cursor for the query ``scope`` (``None`` stays ``None``)."""
        if cursor is None:
            return None
        return f"{_b64(cursor.encode())}.{_b64(self._tag(cursor, scope))}"

    def unwrap(self, signed: str | None, scope: str) -> str | None:
        """The engine cursor inside ``signed``.

        Raises:
            ValueError: Not a cursor this gateway issued for ``scope``.
        """
        if not signed:
            return None
        body, sep, tag = signed.partition(".")
        try:
            cursor = _unb64(body).decode()
            expected = _unb64(tag)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            cursor, expected = "", b""
        if not sep or not hmac.compare_digest(expected, self._tag(cursor, scope)):
            raise ValueError(
                "invalid cursor: pass next_cursor exactly as returned, with the same filters and credentials"
            )
        return cursor
