"""The event bus: who hears about an instance's transitions.

Handlers are user code with side effects (send a mail, update a search index). Whatever a handler
does, the instance must not notice: a handler that raises is logged (with the event) and the other
handlers still run; :meth:`EventBus.publish` never raises for a handler's failure.

Handlers belong to **notifiers**: named groups (``subscribe(..., notifier="mail")``; handlers
subscribed without a name form the ``"default"`` notifier). The name is the unit of isolation and
of visibility: on Temporal each notifier gets its own activity per batch of events, with its own
retry policy (:class:`NotifierPolicy`), so a broken notifier delays and hides nothing of another's;
one that fails after its last attempt is recorded on the instance (``notifier_failures``), which
goes on (:mod:`litestar_workflows.rules.notifiers`).

``LocalExecutionEngine`` publishes on its bus at each transition, awaiting the handlers in
order before it goes on (so in tests the events are there once the call returns). The Temporal
engine runs handlers outside the workflow (docs/temporal.md).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from litestar_workflows.core.events import EVENT_TYPES, WorkflowEvent
from litestar_workflows.rules.notifiers import DEFAULT_NOTIFIER, check_notifier_name

__all__ = ["DEFAULT_NOTIFIER", "EventBus", "EventHandler", "NotifierPolicy", "SupportsEmit", "as_event_bus"]

logger = logging.getLogger("litestar_workflows.events")

E = TypeVar("E", bound=WorkflowEvent)
F = TypeVar("F", bound=Callable[..., Any])

EventHandler = Callable[[Any], Awaitable[None] | None]
"""A handler: ``handler(event)``, a plain function or a coroutine function."""

_MAX_ATTEMPTS = 100
_MAX_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class NotifierPolicy:
    """How a notifier is retried on Temporal (each notifier has its own; the local engine calls once).

    Attributes:
        max_attempts: Attempts per batch before it is given up and recorded as failed (1-100).
        initial_interval: Seconds before the first retry; doubles after each (up to ``maximum_interval``).
        maximum_interval: Longest wait between two attempts, in seconds.
        timeout: How long one attempt may run, in seconds.

    The default (10 attempts, 1 s doubling to 2 min) gives a notifier about 10 minutes.
    """

    max_attempts: int = 10
    initial_interval: float = 1.0
    maximum_interval: float = 120.0
    timeout: float = 120.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or not 1 <= self.max_attempts <= _MAX_ATTEMPTS:
            raise ValueError(f"max_attempts must be an int from 1 to {_MAX_ATTEMPTS}, not {self.max_attempts!r}")
        for name in ("initial_interval", "maximum_interval", "timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value <= _MAX_SECONDS:
                raise ValueError(f"{name} must be seconds in (0, {_MAX_SECONDS:g}], not {value!r}")
        if self.maximum_interval < self.initial_interval:
            raise ValueError("maximum_interval must not be shorter than initial_interval")


class EventBus:
    """Subscribers by event type, grouped in named notifiers; an in-process publish/subscribe hub.

    ``subscribe(WorkflowEvent, handler)`` receives every event; ``subscribe(StepFailed, handler)``
    only those of that type (and its subclasses). ``notifier="mail"`` puts the handler in the
    ``mail`` notifier (see the module docstring); :meth:`notifier` is the same as a decorator.
    """

    def __init__(self) -> None:
        self._handlers: list[tuple[type[WorkflowEvent], EventHandler, str]] = []
        self._policies: dict[str, NotifierPolicy] = {}

    def subscribe(
        self,
        event_type: type[E],
        handler: Callable[[E], Awaitable[None] | None],
        *,
        notifier: str = DEFAULT_NOTIFIER,
        policy: NotifierPolicy | None = None,
    ) -> None:
        """Call ``handler`` for every published event that is an instance of ``event_type``.

        Args:
            event_type: The event class (its subclasses too).
            handler: ``handler(event)``, sync or async.
            notifier: The notifier the handler belongs to (1-64 of ``A-Za-z0-9_.-``).
            policy: The notifier's retry policy on Temporal (else the one set before, else the default).
        """
        if not (isinstance(event_type, type) and issubclass(event_type, WorkflowEvent)):
            raise TypeError(f"event_type must be a WorkflowEvent subclass, not {event_type!r}")
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {handler!r}")
        check_notifier_name(notifier)
        if policy is not None:
            self.set_policy(notifier, policy)
        self._handlers.append((event_type, handler, notifier))

    def notifier(
        self, name: str, *event_types: type[WorkflowEvent], policy: NotifierPolicy | None = None
    ) -> Callable[[F], F]:
        """Decorator: subscribe the function to ``event_types`` (all events if none) as notifier ``name``.

        ``@bus.notifier("mail", HumanTaskReminder, policy=NotifierPolicy(max_attempts=5))``
        """
        check_notifier_name(name)

        def register(handler: F) -> F:
            for event_type in event_types or (WorkflowEvent,):
                self.subscribe(event_type, handler, notifier=name, policy=policy)
            return handler

        return register

    def set_policy(self, notifier: str, policy: NotifierPolicy) -> None:
        """Set ``notifier``'s retry policy on Temporal."""
        if not isinstance(policy, NotifierPolicy):
            raise TypeError(f"policy must be a NotifierPolicy, not {policy!r}")
        self._policies[check_notifier_name(notifier)] = policy

    def policy(self, notifier: str) -> NotifierPolicy:
        """``notifier``'s retry policy (the default one unless set)."""
        return self._policies.get(notifier) or NotifierPolicy()

    def unsubscribe(self, event_type: type[WorkflowEvent], handler: EventHandler) -> None:
        """Remove a subscription made with the same arguments (no error if there is none)."""
        self._handlers = [(t, h, n) for t, h, n in self._handlers if not (t is event_type and h == handler)]

    def handlers_for(self, event: WorkflowEvent, notifier: str | None = None) -> list[EventHandler]:
        """The handlers ``event`` goes to (of ``notifier`` only, if given), in subscription order."""
        return [h for t, h, n in self._handlers if isinstance(event, t) and (notifier is None or n == notifier)]

    def notifiers(self) -> list[str]:
        """The notifier names that have handlers, sorted."""
        return sorted({n for _, _, n in self._handlers})

    def kinds_of(self, notifier: str) -> list[str]:
        """The event kinds (``"task.reminder"``, …) ``notifier`` has a handler for, sorted."""
        types = [t for t, _, n in self._handlers if n == notifier]
        return sorted(kind for kind, cls in EVENT_TYPES.items() if any(issubclass(cls, t) for t in types))

    @property
    def has_subscribers(self) -> bool:
        """Whether anyone listens (engines skip building events when nobody does)."""
        return bool(self._handlers)

    async def publish(self, event: WorkflowEvent) -> list[tuple[str, str]]:
        """Deliver ``event`` to its handlers, one after the other; a failing handler is logged.

        Returns:
            ``(notifier, error)`` of each handler that raised (the others still ran).
        """
        failures: list[tuple[str, str]] = []
        for event_type, handler, notifier in list(self._handlers):
            if not isinstance(event, event_type):
                continue
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:  # a handler is user code: its failure must not fail the instance
                logger.exception(
                    "notifier %s: event handler %r failed on %s for instance %r",
                    notifier,
                    getattr(handler, "__qualname__", handler),
                    event.kind,
                    event.instance_id,
                )
                failures.append((notifier, f"{type(exc).__name__}: {exc}"))
        return failures


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
