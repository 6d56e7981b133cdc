"""Idempotency keys of completions: bound to (user, instance, step, request body).

A key is scoped by hashing it together with the user (a JSON array, so no separator can make
two different (user, key) pairs collide); the instance scopes it by construction (the key lives
in the instance's state, and on Temporal the update id is per workflow). The first request a key
is used with is remembered by its digest: the same key with another step or body is refused,
so a retry never replays the answer of a different request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from litestar_workflows.rules.state import InstanceState

__all__ = [
    "MAX_REMEMBERED_KEYS",
    "key_conflicts",
    "remember_key",
    "request_digest",
    "scoped_key",
    "start_business_key",
]

MAX_REMEMBERED_KEYS = 200
"""Keys kept per instance (the newest); an older key is forgotten, as Temporal forgets update ids
of earlier runs."""


def _digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def scoped_key(user_id: str, key: str) -> str:
    """The key as stored: a digest of ``[user_id, key]`` (another user's key never matches)."""
    return _digest(["idempotency-key", user_id, key])


def request_digest(step_name: str, data: Mapping[str, Any], comment: str | None) -> str:
    """Digest of what a completion asks for."""
    return _digest([step_name, dict(data), comment])


def key_conflicts(state: InstanceState, scoped: str, digest: str) -> bool:
    """Whether ``scoped`` was first used with a request other than ``digest``."""
    first = state.completion_keys.get(scoped)
    return first is not None and first != digest


def remember_key(state: InstanceState, scoped: str, digest: str) -> None:
    """Record that ``scoped`` was used for ``digest`` (keeps the newest :data:`MAX_REMEMBERED_KEYS`)."""
    keys = state.completion_keys
    keys.pop(scoped, None)
    keys[scoped] = digest
    while len(keys) > MAX_REMEMBERED_KEYS:
        del keys[next(iter(keys))]


def start_business_key(user_id: str, key: str) -> str:
    """Business key of a start made idempotent by ``key`` alone: ``idem-`` and a digest of
    ``[user_id, key]``, so the same key from another user starts (or finds) another instance."""
    return "idem-" + _digest(["start-key", user_id, key])[:40]
