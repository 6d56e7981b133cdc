"""The interpreter's fan-out of lifecycle events to the worker's notifiers, one activity each.

The workflow cannot know the worker's handlers, so for each handful of queued events it asks
(a local activity, :data:`ACTIVITY_NOTIFIER_ROUTES`; the answer is recorded in the history, so
replay takes the same branches) which notifiers want which of them and with which retry policy.
Each notifier then has its own queue and its own sender running :data:`ACTIVITY_NOTIFY` in order,
batch after batch, with its own retries: a broken notifier neither delays nor hides the events of
another. When a notifier's last attempt fails, the failure is recorded on the instance
(:func:`~litestar_workflows.rules.notifiers.record_notifier_failure`) and shown in the Web UI's
current details; the instance goes on. Only the closing of the run waits for the senders.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError, RetryState

with workflow.unsafe.imports_passed_through():
    from litestar_workflows.core.events import EVENT_TYPES
    from litestar_workflows.rules.notifiers import describe_events, record_notifier_failure
    from litestar_workflows.rules.state import InstanceState
    from litestar_workflows.temporal.contracts import (
        ACTIVITY_NOTIFIER_ROUTES,
        ACTIVITY_NOTIFY,
        NotifierRoute,
        NotifyBatch,
    )

__all__ = ["NotifierFanOut"]

# One batch to a notifier stays well below Temporal's 2 MiB payload limit.
_BATCH_BYTES = 256 * 1024
# Asking the worker for its notifiers is in-memory work; it gets a few quick attempts.
_ROUTES_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3)
_ROUTES_TIMEOUT = timedelta(seconds=10)
# A failure recorded when the worker could not say which notifiers want the events.
_ROUTES_FAILED = "(notifier routes)"


def _type_names(events: list[dict[str, Any]]) -> str:
    names = []
    for event in events:
        cls = EVENT_TYPES.get(str(event.get("kind")))
        names.append(cls.__name__ if cls is not None else str(event.get("kind")))
    return describe_events(names)


def _error_of(exc: ActivityError) -> str:
    cause = exc.cause
    if isinstance(cause, FailureError) and cause.message:
        return cause.message
    return str(cause or exc)


class NotifierFanOut:
    """Per-notifier queues and senders of one workflow run (workflow code: deterministic).

    Args:
        state: The instance state (failures are recorded on it).
        guard: Wraps a background coroutine so its crash fails the workflow task (the interpreter's).
        on_failure: Called after a failure was recorded (to refresh the Web UI's current details).
    """

    def __init__(
        self,
        state: Callable[[], InstanceState],
        guard: Callable[[Coroutine[Any, Any, None]], Coroutine[Any, Any, None]],
        on_failure: Callable[[], None],
    ) -> None:
        self._state = state
        self._guard = guard
        self._on_failure = on_failure
        self._queues: dict[str, list[dict[str, Any]]] = {}
        self._routes: dict[str, NotifierRoute] = {}
        self._senders: dict[str, asyncio.Task[None]] = {}

    def idle(self) -> bool:
        """Whether every notifier's queue was handed over (before the run closes or continues as new)."""
        return not any(self._queues.values()) and all(t.done() for t in self._senders.values())

    async def hand_over(self, events: list[dict[str, Any]]) -> None:
        """Route ``events`` (oldest first) to the notifiers that want them; returns once queued."""
        kinds = sorted({str(e.get("kind")) for e in events})
        try:
            routes = await workflow.execute_local_activity(
                ACTIVITY_NOTIFIER_ROUTES,
                kinds,
                result_type=list[NotifierRoute],
                start_to_close_timeout=_ROUTES_TIMEOUT,
                retry_policy=_ROUTES_RETRY,
                summary=f"which notifiers want {_type_names(events)}",
            )
        except ActivityError as exc:
            self._failed(_ROUTES_FAILED, events, _error_of(exc), 0)
            return
        for route in routes:
            wanted = set(route.kinds)
            mine = [e for e in events if str(e.get("kind")) in wanted]
            if not mine:
                continue
            self._routes[route.notifier] = route
            self._queues.setdefault(route.notifier, []).extend(mine)
            sender = self._senders.get(route.notifier)
            if sender is None or sender.done():
                self._senders[route.notifier] = asyncio.create_task(self._guard(self._send(route.notifier)))

    async def _send(self, notifier: str) -> None:
        """Hand ``notifier``'s queue over batch by batch, in order; a batch that keeps failing is recorded."""
        while self._queues.get(notifier):
            queue = self._queues[notifier]
            size = count = 0
            for event in queue:
                size += len(json.dumps(event, default=str))
                if count and size > _BATCH_BYTES:
                    break
                count += 1
            batch, self._queues[notifier] = queue[:count], queue[count:]
            route = self._routes[notifier]
            try:
                await workflow.execute_activity(
                    ACTIVITY_NOTIFY,
                    NotifyBatch(self._state().instance_id, notifier, batch),
                    result_type=int,
                    start_to_close_timeout=timedelta(seconds=route.timeout),
                    retry_policy=RetryPolicy(
                        initial_interval=timedelta(seconds=route.initial_interval),
                        backoff_coefficient=2.0,
                        maximum_interval=timedelta(seconds=route.maximum_interval),
                        maximum_attempts=route.max_attempts,
                    ),
                    summary=f"notify {notifier}: {_type_names(batch)}",
                )
            except ActivityError as exc:
                exhausted = exc.retry_state == RetryState.MAXIMUM_ATTEMPTS_REACHED
                self._failed(notifier, batch, _error_of(exc), route.max_attempts if exhausted else 0)

    def _failed(self, notifier: str, events: list[dict[str, Any]], error: str, attempts: int) -> None:
        record_notifier_failure(self._state(), notifier, _type_names(events), error, workflow.now(), attempts)
        self._on_failure()
