"""The event bus: who hears about an instance's transitions.

Handlers are user code with side effects (send a mail, update a search index). Whatever a handler
does, the instance must not notice: a handler that raises is logged (with the event) and the other
handlers still run; :meth:`EventBus.publish` never raises for a handler's failure.

``LocalExecutionEngine`` publishes on its bus at each transition, awaiting the handlers in
order before it goes on (so in tests the events are there once the call returns). The Temporal
engine runs handlers outside the workflow (see docs/migrating.md).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from litestar_workflows.core.events import WorkflowEvent

__all__ = ["EventBus", "EventHandler", "SupportsEmit", "as_event_bus"]

logger = logging.getLogger("litestar_workflows.events")

E = TypeVar("E", bound=WorkflowEvent)

EventHandler = Callable[[Any], Awaitable[None] | None]
"""A handler: ``handler(event)``, a plain function or a coroutine function."""


class EventBus:
    """Subscribers by event type; an in-process publish/subscribe hub.

    ``subscribe(WorkflowEvent, handler)`` receives every event; ``subscribe(StepFailed, handler)``
    only those of that type (and its subclasses).
    """

    def __init__(self) -> None:
        self._handlers: list[tuple[type[WorkflowEvent], EventHandler]] = []

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None] | None]) -> None:
        """Call ``handler`` for every published event that is an instance of ``event_type``."""
        if not (isinstance(event_type, type) and issubclass(event_type, WorkflowEvent)):
            raise TypeError(f"event_type must be a WorkflowEvent subclass, not {event_type!r}")
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {handler!r}")
        self._handlers.append((event_type, handler))

    def unsubscribe(self, event_type: type[WorkflowEvent], handler: EventHandler) -> None:
        """Remove a subscription made with the same arguments (no error if there is none)."""
        self._handlers = [(t, h) for t, h in self._handlers if not (t is event_type and h == handler)]

    def handlers_for(self, event: WorkflowEvent) -> list[EventHandler]:
        """The handlers ``event`` goes to, in subscription order."""
        return [h for t, h in self._handlers if isinstance(event, t)]

    @property
    def has_subscribers(self) -> bool:
        """Whether anyone listens (engines skip building events when nobody does)."""
        return bool(self._handlers)

    async def publish(self, event: WorkflowEvent) -> None:
        """Deliver ``event`` to its handlers, one after the other; a failing handler is logged."""
        for handler in self.handlers_for(event):
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a handler is user code: its failure must not fail the instance
                logger.exception(
                    "event handler %r failed on %s for instance %r",
                    getattr(handler, "__qualname__", handler),
                    event.kind,
                    event.instance_id,
                )


class SupportsEmit(Protocol):
    """0.3.3's event bus shape: any object with ``emit(name, **fields)`` (sync or async)."""

    def emit(self, event_name: str, /, **fields: Any) -> Any: ...


def as_event_bus(bus: EventBus | SupportsEmit | None) -> EventBus:
    """``bus`` as an :class:`EventBus`: itself; a new one for ``None``; for an object with only
    0.3.3's ``emit``, a bus that calls ``emit(event.kind, **fields)`` for every event."""
    if isinstance(bus, EventBus):
        return bus
    adapted = EventBus()
    if bus is None:
        return adapted
    emit = getattr(bus, "emit", None)
    if not callable(emit):
        raise TypeError(f"event_bus must be an EventBus or have an emit(name, **fields) method, not {bus!r}")

    async def forward(event: WorkflowEvent) -> None:
        fields = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
        result = emit(event.kind, **fields)
        if inspect.isawaitable(result):
            await result

    adapted.subscribe(WorkflowEvent, forward)
    return adapted
