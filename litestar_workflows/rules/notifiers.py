"""Notifiers as the rules see them: names, which events a batch holds, failures kept on the state.

A notifier is a named group of event-bus handlers (user code: send a mail, post to chat). Its
name is the unit of isolation (on Temporal, one activity execution per batch and notifier, with
the notifier's own retries) and of visibility: a notifier that failed on every attempt is
recorded on the instance (:attr:`InstanceState.notifier_failures`, the newest
:data:`NOTIFIER_FAILURES_KEPT`) and the instance goes on. Both engines use these functions, so
a failure reads the same in the local engine, the Temporal Web UI and the gateway.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from litestar_workflows.rules.state import InstanceState

__all__ = [
    "DEFAULT_NOTIFIER",
    "NOTIFIER_ERROR_CHARS",
    "NOTIFIER_FAILURES_KEPT",
    "NotifierFailure",
    "check_notifier_name",
    "describe_events",
    "failure_lines",
    "record_notifier_failure",
]

DEFAULT_NOTIFIER: Final = "default"
"""The notifier of handlers subscribed without a name (they share one activity, in order)."""

NOTIFIER_FAILURES_KEPT: Final = 20
"""How many notifier failures an instance keeps (the newest)."""

NOTIFIER_ERROR_CHARS: Final = 500
"""A recorded error message is cut to this many characters."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class NotifierFailure:
    """A notifier that failed on a batch of events after its last attempt (the instance went on).

    Attributes:
        notifier: The notifier's name.
        events: The events it failed on, e.g. ``"HumanTaskReminder \u00d71, StepCompleted \u00d72"``.
        error: The last attempt's error (cut to :data:`NOTIFIER_ERROR_CHARS`).
        at: When it was given up.
        attempts: How many attempts were made (0 when unknown).
    """

    notifier: str
    events: str
    error: str
    at: datetime
    attempts: int = 0


def check_notifier_name(name: str) -> str:
    """``name`` if it is a valid notifier name (1-64 of ``A-Za-z0-9_.-``, starting alphanumeric).

    Raises:
        ValueError: It is not (names appear in the Web UI, the history and the instance view).
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"notifier name must be 1-64 characters of A-Za-z0-9_.- starting alphanumeric, not {name!r}")
    return name


def describe_events(type_names: Iterable[str]) -> str:
    """``"HumanTaskReminder \u00d71, StepCompleted \u00d72"``: a batch's event types, counted, first seen first."""
    counts = Counter(type_names)
    return ", ".join(f"{name} \u00d7{count}" for name, count in counts.items())


def record_notifier_failure(
    state: InstanceState, notifier: str, events: str, error: str, at: datetime, attempts: int = 0
) -> NotifierFailure:
    """Keep a notifier's failure on ``state`` (bounded: the newest :data:`NOTIFIER_FAILURES_KEPT`)."""
    if len(error) > NOTIFIER_ERROR_CHARS:
        error = error[: NOTIFIER_ERROR_CHARS - 1] + "…"
    failure = NotifierFailure(notifier=notifier, events=events, error=error, at=at, attempts=attempts)
    state.notifier_failures = [*state.notifier_failures, failure][-NOTIFIER_FAILURES_KEPT:]
    return failure


def failure_lines(state: InstanceState, limit: int = 5) -> list[str]:
    """Web UI lines of the newest failures: ``notifier mail failed on HumanTaskReminder \u00d71: <error>``."""
    shown = state.notifier_failures[-limit:]
    lines = [f"notifier {f.notifier} failed on {f.events}: {f.error}" for f in shown]
    hidden = len(state.notifier_failures) - len(shown)
    if hidden:
        lines.insert(0, f"({hidden} earlier notifier failure(s) in the instance state)")
    return lines
