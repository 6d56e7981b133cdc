"""Definitions with timer, webhook, gateway and group steps, shared by the local-engine, Temporal
and gateway tests (also loadable by a worker process as ``tests.step_kind_defs:registry``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    ConditionalGroup,
    Edge,
    ExclusiveGateway,
    ParallelGroup,
    SequentialGroup,
    TimerStep,
    WebhookStep,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = ["PAYMENT_SCHEMA", "build_registry", "hook_flow", "kinds_flow", "pause_flow", "registry"]

PAYMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"paid": {"type": "boolean"}, "amount": {"type": "number"}},
    "required": ["paid"],
    "additionalProperties": False,
}


class Mark(BaseMachineStep):
    """Sets ``data[<its name>] = True``."""

    async def execute(self, context: WorkflowContext) -> None:
        context.set(self.name, True)


class Ship(BaseMachineStep):
    """Records the payment it saw."""

    async def execute(self, context: WorkflowContext) -> None:
        context.set("shipped", bool(context.get("payment", {}).get("paid")))


class Approve(BaseHumanStep):
    """A decision anyone may take."""

    form_schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}


def route(context: WorkflowContext) -> str:
    """The exclusive gateway's choice: the express lane for small orders."""
    return "express" if context.get("amount", 0) < 100 else "checks"


def delay(context: WorkflowContext) -> timedelta:
    """The computed timer: ``hours`` from the data."""
    return timedelta(hours=float(context.get("hours", 1)))


def size(context: WorkflowContext) -> str:
    """The conditional group's branch key."""
    return "big" if context.get("amount", 0) >= 1000 else "small"


def kinds_flow(cool_off: timedelta = timedelta(hours=1)) -> WorkflowDefinition:
    """cool_off (1 h) -> route: express | checks (parallel: fraud, stock; sequential: audit a, b;
    conditional: big/small) -> wait (computed hours) -> payment (webhook) -> ship."""
    return WorkflowDefinition(
        name="kinds_flow",
        version="1.0.0",
        steps={
            "cool_off": TimerStep("cool_off", cool_off, "cooling-off period"),
            "route": ExclusiveGateway("route", route),
            "express": Mark("express"),
            "checks": ParallelGroup(
                Mark("fraud"),
                SequentialGroup(Mark("audit_a"), Mark("audit_b")),
                ConditionalGroup(size, {"big": Mark("big_review"), "small": Mark("small_review")}),
            ),
            "wait": TimerStep("wait", delay),
            "payment": WebhookStep("payment", callback_key="payment", schema=PAYMENT_SCHEMA),
            "ship": Ship("ship"),
        },
        edges=[
            Edge("cool_off", "route"),
            Edge("route", "express"),
            Edge("route", "checks"),
            Edge("express", "wait"),
            Edge("checks", "wait"),
            Edge("wait", "payment"),
            Edge("payment", "ship"),
        ],
        initial_step="cool_off",
        terminal_steps={"ship"},
    )


def pause_flow(tick: timedelta = timedelta(seconds=1)) -> WorkflowDefinition:
    """approve (human) -> tick (timer 1 s) -> done; for pausing with a task open and a timer running."""
    return WorkflowDefinition(
        name="pause_flow",
        version="1.0.0",
        steps={
            "approve": Approve("approve"),
            "tick": TimerStep("tick", tick),
            "done": Mark("done"),
        },
        edges=[Edge("approve", "tick"), Edge("tick", "done")],
        initial_step="approve",
        terminal_steps={"done"},
    )


def hook_flow() -> WorkflowDefinition:
    """hook (webhook, any payload) -> approve (human) -> done: open after its callback."""
    return WorkflowDefinition(
        name="hook_flow",
        version="1.0.0",
        steps={"hook": WebhookStep("hook"), "approve": Approve("approve"), "done": Mark("done")},
        edges=[Edge("hook", "approve"), Edge("approve", "done")],
        initial_step="hook",
        terminal_steps={"done"},
    )


def build_registry(timer: timedelta | None = None) -> WorkflowRegistry:
    """A fresh registry of the definitions above (``timer``: the fixed timers' duration)."""
    reg = WorkflowRegistry()
    reg.register_definition(kinds_flow(timer or timedelta(hours=1)))
    reg.register_definition(pause_flow(timer or timedelta(seconds=1)))
    reg.register_definition(hook_flow())
    return reg


registry = build_registry()
