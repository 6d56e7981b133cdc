"""URL paths of instances and tasks, whose ids may contain ``/``.

An instance started with a business key has the id ``<definition>/<business key>``. In a URL
the id is one path segment, so clients percent-encode it (``expense_approval%2Finv-42``), as
``encodeURIComponent`` does. ASGI servers decode ``%2F`` before routing, which would split the
segment; :class:`EncodedSlashes` re-derives the path of the gateway's routes from the raw
bytes, keeping ``%2F`` (and ``%25``) encoded inside segments, and handlers decode each id with
:func:`segment_value`.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = ["EncodedSlashes", "instance_path", "segment", "segment_value", "task_path"]


def segment(value: str) -> str:
    """Percent-encode ``value`` as one path segment (``/`` included)."""
    return quote(value, safe="")


def segment_value(raw: str) -> str:
    """Decode a path parameter produced by :class:`EncodedSlashes`."""
    return unquote(raw)


def instance_path(instance_id: str) -> str:
    """Path of an instance relative to the gateway root."""
    return f"/instances/{segment(instance_id)}"


def task_path(instance_id: str, step_name: str) -> str:
    """Path of a task relative to the gateway root."""
    return f"/tasks/{segment(instance_id)}/{segment(step_name)}"


class EncodedSlashes:
    """ASGI wrapper keeping ``%2F`` encoded in the paths of the gateway's id-carrying routes.

    Args:
        app: The wrapped ASGI application.
        prefixes: Path prefixes to treat (``/instances/``, ``/tasks/`` under the mount path).
    """

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrite ``scope["path"]`` for the treated prefixes, then call the wrapped app."""
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            if path.startswith(self.prefixes):
                raw = scope.get("raw_path")
                raw_path = raw.decode("latin-1").split("?", 1)[0] if isinstance(raw, bytes | bytearray) else None
                # Use the raw path only when it names the same route (no root_path or proxy rewriting).
                if raw_path is not None and raw_path.startswith(self.prefixes):
                    scope["path"] = _reencode_raw(raw_path)
                else:
                    scope["path"] = _reencode_decoded(path)
        await self.app(scope, receive, send)


def _reencode_raw(raw_path: str) -> str:
    # Inside a segment only "%" and "/" need re-encoding for segment_value() to undo.
    return "/".join(unquote(part).replace("%", "%25").replace("/", "%2F") for part in raw_path.split("/"))


def _reencode_decoded(path: str) -> str:
    # Already decoded: a "/" here is a separator; only "%" must be protected from segment_value().
    return "/".join(part.replace("%", "%25") for part in path.split("/"))
