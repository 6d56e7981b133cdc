"""The event delivery activities: run the worker's event handlers (notifiers), outside the workflow.

Handlers are user code with side effects, so the interpreter never runs them: it hands each
batch of lifecycle events to activities and goes on without waiting (the instance never blocks
on a slow or failing handler). Instances of this version ask :meth:`EventActivities.notifier_routes`
(a local activity: the answer is recorded, so the fan-out replays) which notifiers want which
events and with which retry policy, then run :meth:`EventActivities.notify` once per notifier,
each retried on its own; a notifier whose last attempt failed is recorded on the instance.
Instances started before (unpatched) hand whole batches to :meth:`EventActivities.deliver_events`.

Delivery is at least once: a handler that raises fails the attempt, which Temporal retries with
back-off; handlers that already succeeded for an event are skipped on the retry when the
attempt's heartbeat recorded it (best effort), so a handler may still see an event twice and
must be idempotent (``event.kind``, ``instance_id`` and ``timestamp`` identify an event).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from litestar_workflows.core.events import event_from_dict
from litestar_workflows.engine.events import EventBus
from litestar_workflows.temporal.contracts import (
    ACTIVITY_DELIVER_EVENTS,
    ACTIVITY_NOTIFIER_ROUTES,
    ACTIVITY_NOTIFY,
    EventBatch,
    NotifierRoute,
    NotifyBatch,
)

__all__ = ["EventActivities"]

logger = logging.getLogger("litestar_workflows.events")


class EventActivities:
    """The event delivery activity bound to one worker's bus.

    Args:
        bus: The handlers; ``None`` (a worker without one) takes every batch without delivering it.
    """

    def __init__(self, bus: EventBus | None) -> None:
        self._bus = bus

    def activities(self) -> list[Any]:
        """The activities to register on the worker (the old batch one stays for unpatched runs)."""
        return [self.deliver_events, self.notifier_routes, self.notify]

    @activity.defn(name=ACTIVITY_NOTIFIER_ROUTES)
    async def notifier_routes(self, kinds: list[str]) -> list[NotifierRoute]:
        """The notifiers with a handler for any of ``kinds``, each with the kinds it wants and its policy."""
        if self._bus is None:
            return []
        wanted, routes = set(kinds), []
        for name in self._bus.notifiers():
            mine = [k for k in self._bus.kinds_of(name) if k in wanted]
            if mine:
                policy = self._bus.policy(name)
                routes.append(
                    NotifierRoute(
                        notifier=name,
                        kinds=mine,
                        max_attempts=policy.max_attempts,
                        initial_interval=policy.initial_interval,
                        maximum_interval=policy.maximum_interval,
                        timeout=policy.timeout,
                    )
                )
        return routes

    @activity.defn(name=ACTIVITY_NOTIFY)
    async def notify(self, batch: NotifyBatch) -> int:
        """Call the handlers of ``batch.notifier`` for every event of ``batch``, in order.

        Returns:
            How many handler calls were made in this attempt.

        Raises:
            ApplicationError: A handler raised (retryable, up to the notifier's ``max_attempts``).
        """
        if self._bus is None:
            return 0
        return await self._run(batch.events, batch.notifier)

    @activity.defn(name=ACTIVITY_DELIVER_EVENTS)
    async def deliver_events(self, batch: EventBatch) -> int:
        """Call every subscribed handler for every event of ``batch``, in order.

        Returns:
            How many handler calls were made in this attempt.

        Raises:
            ApplicationError: A handler raised (retryable: the attempt is retried).
        """
        if self._bus is None:
            return 0
        return await self._run(batch.events, None)

    async def _run(self, events: list[dict[str, Any]], notifier: str | None) -> int:
        assert self._bus is not None
        details = activity.info().heartbeat_details
        done = int(details[0]) if details and isinstance(details[0], int) else 0
        position = calls = 0
        for raw in events:
            event = event_from_dict(raw)
            for handler in self._bus.handlers_for(event, notifier):
                position += 1
                if position <= done:
                    continue  # succeeded in an earlier attempt
                try:
                    result = handler(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:  # user code: retried by Temporal, logged here
                    name = getattr(handler, "__qualname__", repr(handler))
                    where = f"notifier {notifier}: " if notifier else ""
                    logger.warning(
                        "%sevent handler %s failed on %s of %r: %s", where, name, event.kind, event.instance_id, exc
                    )
                    # The workflow records a notifier's message next to its name and events.
                    message = (
                        f"{name}: {type(exc).__name__}: {exc}"
                        if notifier
                        else f"event handler {name} failed on {event.kind}: {exc}"
                    )
                    raise ApplicationError(message, type=type(exc).__name__) from exc
                calls += 1
                activity.heartbeat(position)
        return calls
