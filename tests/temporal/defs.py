"""Definitions used by the Temporal tests (also loaded by ``worker.py`` subprocesses as
``tests.temporal.defs:registry``)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    RetryPolicy,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = [
    "ATTEMPTS",
    "DECISION_FORM",
    "build_registry",
    "callable_conditions",
    "deadline_flow",
    "doomed_flow",
    "exhausted_flow",
    "flaky_flow",
    "group_flow",
    "loop_flow",
    "parallel_flow",
    "registry",
    "slow_flow",
    "versioned_flow",
]

ATTEMPTS: Counter[str] = Counter()
"""Attempts per ``instance_id/step``, counted by the steps below (in-process workers only)."""

DECISION_FORM: dict[str, Any] = {
    "type": "object",
    "properties": {"approved": {"type": "boolean"}, "note": {"type": "string", "maxLength": 20}},
    "required": ["approved"],
    "additionalProperties": False,
}

FAST_RETRY = RetryPolicy(
    max_attempts=3, initial_interval=timedelta(milliseconds=50), maximum_interval=timedelta(milliseconds=100)
)


def _count(context: WorkflowContext, step: str) -> int:
    key = f"{context.instance_id}/{step}"
    ATTEMPTS[key] += 1
    return ATTEMPTS[key]


class Flaky(BaseMachineStep):
    """Fails twice, then succeeds."""

    name = "flaky"
    description = "Fails on the first two attempts"
    retry_policy = FAST_RETRY

    async def execute(self, context: WorkflowContext) -> str:
        """Raise ``ConnectionError`` until the third attempt."""
        attempt = _count(context, self.name)
        if attempt < 3:
            raise ConnectionError(f"transient failure {attempt}")
        context.set("flaky_attempts", attempt)
        return "ok"


class PermanentError(Exception):
    """Not worth retrying."""


class Doomed(BaseMachineStep):
    """Fails with a non-retryable error."""

    name = "doomed"
    description = "Always fails permanently"
    retry_policy = RetryPolicy(
        max_attempts=5, initial_interval=timedelta(milliseconds=50), non_retryable_errors=("PermanentError",)
    )

    async def execute(self, context: WorkflowContext) -> None:
        """Raise :class:`PermanentError`."""
        _count(context, self.name)
        raise PermanentError("the ledger is closed")


class AlwaysFails(BaseMachineStep):
    """Fails on every attempt (retryable)."""

    name = "always_fails"
    description = "Fails on every attempt"
    retry_policy = FAST_RETRY

    async def execute(self, context: WorkflowContext) -> None:
        """Raise ``RuntimeError``."""
        _count(context, self.name)
        raise RuntimeError("still broken")


class Record(BaseMachineStep):
    """Sets ``<name>_done`` (and its timing) in the data."""

    def __init__(self, name: str, delay: float = 0.0, description: str = "") -> None:
        super().__init__(name, description or f"Record {name}")
        self.delay = delay

    async def execute(self, context: WorkflowContext) -> None:
        """Sleep ``delay`` seconds, then record start and end times."""
        started = time.time()
        if self.delay:
            await asyncio.sleep(self.delay)
        context.set(f"{self.name}_done", True)
        context.set(f"{self.name}_window", [started, time.time()])


class Decision(BaseHumanStep):
    """A decision by the user named in ``approver``."""

    title = "Decide"
    description = "Approve or reject"
    assignee_key = "approver"
    form_schema = DECISION_FORM


def _terminal_flow(name: str, first: BaseMachineStep) -> WorkflowDefinition:
    return WorkflowDefinition(
        name=name,
        version="1.0.0",
        steps={first.name: first, "after": Record("after")},
        edges=[Edge(first.name, "after")],
        initial_step=first.name,
        terminal_steps={"after"},
    )


flaky_flow = _terminal_flow("flaky_flow", Flaky())
doomed_flow = _terminal_flow("doomed_flow", Doomed())
exhausted_flow = _terminal_flow("exhausted_flow", AlwaysFails())

parallel_flow = WorkflowDefinition(
    name="parallel_flow",
    version="1.0.0",
    description="Two concurrent machine branches and a human branch, joined",
    steps={
        "fork": Record("fork"),
        "left": Record("left", delay=0.5),
        "right": Record("right", delay=0.5),
        "sign": Decision("sign"),
        "join": Record("join"),
    },
    edges=[
        Edge("fork", "left"),
        Edge("fork", "right"),
        Edge("fork", "sign"),
        Edge("left", "join"),
        Edge("right", "join"),
        Edge("sign", "join"),
    ],
    initial_step="fork",
    terminal_steps={"join"},
)

deadline_flow = WorkflowDefinition(
    name="deadline_flow",
    version="1.0.0",
    steps={
        "review": Decision("review", deadline=timedelta(hours=1), on_deadline="escalate"),
        "escalate": Record("escalate", description="Escalate an overdue review"),
        "done": Record("done"),
    },
    edges=[Edge("review", "done"), Edge("escalate", "done")],
    initial_step="review",
    terminal_steps={"done"},
)


def _version_step(version: str) -> BaseMachineStep:
    class Stamp(BaseMachineStep):
        name = "stamp"
        description = f"Stamp the version ({version})"

        async def execute(self, context: WorkflowContext) -> None:
            context.set("stamped_by", version)

    return Stamp()


def versioned_flow(version: str, *, extra_step: bool = False) -> WorkflowDefinition:
    """``versioned`` at ``version``: decision, then a stamp naming the code that ran.

    With ``extra_step`` the graph differs (a further step after the stamp).
    """
    steps: dict[str, Any] = {"decide": Decision("decide"), "stamp": _version_step(version)}
    edges = [Edge("decide", "stamp")]
    terminal = "stamp"
    if extra_step:
        steps["audit"] = Record("audit")
        edges.append(Edge("stamp", "audit"))
        terminal = "audit"
    return WorkflowDefinition(
        name="versioned",
        version=version,
        steps=steps,
        edges=edges,
        initial_step="decide",
        terminal_steps={terminal},
    )


class ReviewIfNeeded(BaseHumanStep):
    """Only opened when ``needs_review`` is set (overridden guard)."""

    name = "review"
    title = "Review"
    form_schema = DECISION_FORM

    async def can_execute(self, context: WorkflowContext) -> bool:
        """Open the task only when the data asks for a review."""
        return bool(context.get("needs_review"))


def _approved(context: WorkflowContext) -> bool:
    return context.get("approved", True) is True


def _rejected(context: WorkflowContext) -> bool:
    return context.get("approved", True) is not True


callable_conditions = WorkflowDefinition(
    name="callable_conditions",
    version="1.0.0",
    description="A guarded human step and callable conditions (Python code run by activities)",
    steps={
        "prepare": Record("prepare"),
        "review": ReviewIfNeeded(),
        "accept": Record("accept"),
        "reject": Record("reject"),
    },
    edges=[
        Edge("prepare", "review"),
        Edge("review", "accept", condition=_approved),
        Edge("review", "reject", condition=_rejected),
    ],
    initial_step="prepare",
    terminal_steps={"accept", "reject"},
)


class Count(BaseMachineStep):
    """Increments ``count``."""

    name = "count"
    description = "Count one round"

    async def execute(self, context: WorkflowContext) -> None:
        """Add one to ``count``."""
        context.set("count", context.get("count", 0) + 1)


loop_flow = WorkflowDefinition(
    name="loop_flow",
    version="1.0.0",
    description="A human step in a loop (history would grow without continue-as-new)",
    steps={
        "tick": Decision("tick", deadline=timedelta(hours=1), on_deadline="done"),
        "count": Count(),
        "done": Record("done"),
    },
    edges=[
        Edge("tick", "count"),
        Edge("count", "tick", condition="count < rounds"),
        Edge("count", "done", condition="count >= rounds"),
    ],
    initial_step="tick",
    terminal_steps={"done"},
)


class Slow(BaseMachineStep):
    """Takes a while (so a worker can be killed while it runs)."""

    name = "slow"
    description = "Slow work"
    timeout = timedelta(seconds=4)
    retry_policy = RetryPolicy(max_attempts=10, initial_interval=timedelta(milliseconds=100))

    async def execute(self, context: WorkflowContext) -> None:
        """Sleep one second and count the runs."""
        await asyncio.sleep(1.0)
        context.set("slow_runs", context.get("slow_runs", 0) + 1)


slow_flow = WorkflowDefinition(
    name="slow_flow",
    version="1.0.0",
    steps={"slow": Slow(), "decide": Decision("decide"), "finish": Record("finish")},
    edges=[Edge("slow", "decide"), Edge("decide", "finish")],
    initial_step="slow",
    terminal_steps={"finish"},
)


def group_flow(name: str, group: str) -> WorkflowDefinition:
    """A definition whose only human step is offered to ``group`` (unique per test)."""
    return WorkflowDefinition(
        name=name,
        version="1.0.0",
        steps={
            "intake": Record("intake"),
            "triage": BaseHumanStep("triage", title="Triage", candidate_groups=[group], form_schema=DECISION_FORM),
            "close": Record("close"),
        },
        edges=[Edge("intake", "triage"), Edge("triage", "close")],
        initial_step="intake",
        terminal_steps={"close"},
    )


def build_registry() -> WorkflowRegistry:
    """A registry with every definition above (``versioned`` at 1.0.0 only)."""
    built = WorkflowRegistry()
    for definition in (
        flaky_flow,
        doomed_flow,
        exhausted_flow,
        parallel_flow,
        deadline_flow,
        versioned_flow("1.0.0"),
        callable_conditions,
        loop_flow,
        slow_flow,
    ):
        built.register_definition(definition)
    return built


registry = build_registry()
"""What ``worker.py --definitions tests.temporal.defs:registry`` loads."""
