"""The event delivery activity: runs the worker's event handlers, outside the workflow.

Handlers are user code with side effects, so the interpreter never runs them: it hands each
batch of lifecycle events to this activity and goes on without waiting (the instance never
blocks on a slow or failing handler). Delivery is at least once: a handler that raises fails
the attempt, which Temporal retries with back-off; handlers that already succeeded for an event
are skipped on the retry when the attempt's heartbeat recorded it (best effort), so a handler
may still see an event twice and must be idempotent (``event.kind``, ``instance_id`` and
``timestamp`` identify an event).
"""

from __future__ import annotations

import inspect
import logging

from temporalio import activity
from temporalio.exceptions import ApplicationError

from litestar_workflows.core.events import event_from_dict
from litestar_workflows.engine.events import EventBus
from litestar_workflows.temporal.contracts import ACTIVITY_DELIVER_EVENTS, EventBatch

__all__ = ["EventActivities"]

logger = logging.getLogger("litestar_workflows.events")


class EventActivities:
    """The event delivery activity bound to one worker's bus.

    Args:
        bus: The handlers; ``None`` (a worker without one) takes every batch without delivering it.
    """

    def __init__(self, bus: EventBus | None) -> None:
        self._bus = bus

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
        details = activity.info().heartbeat_details
        done = int(details[0]) if details and isinstance(details[0], int) else 0
        position = calls = 0
        for raw in batch.events:
            event = event_from_dict(raw)
            for handler in self._bus.handlers_for(event):
                position += 1
                if position <= done:
                    continue  # succeeded in an earlier attempt
                try:
                    result = handler(event)
                    if inspect.isawaitable(result):
                        await result
                except Exception as exc:  # user code: retried by Temporal, logged here
                    name = getattr(handler, "__qualname__", repr(handler))
                    logger.warning("event handler %s failed on %s of %r: %s", name, event.kind, event.instance_id, exc)
                    raise ApplicationError(
                        f"event handler {name} failed on {event.kind}: {exc}", type=type(exc).__name__
                    ) from exc
                calls += 1
                activity.heartbeat(position)
        return calls
