"""Definitions the fault-injection tests run on real worker processes.

Side effects go to files under ``data["ledger"]`` (a directory the test owns), so a test
can count how often a step's code really ran, across worker restarts.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    RetryPolicy,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowRegistry,
)

__all__ = ["registry"]

QUICK_RETRY = RetryPolicy(max_attempts=5, initial_interval=timedelta(milliseconds=200), backoff_coefficient=1.0)


def _append(context: WorkflowContext, what: str) -> int:
    """Append a line to this instance's ledger file; return how many lines it now has."""
    ledger = Path(context.get("ledger")) / context.instance_id.replace("/", "_")
    with ledger.open("a") as f:
        f.write(what + "\n")
    return len(ledger.read_text().splitlines())


class Submit(BaseMachineStep):
    """Takes ``data["delay"]`` seconds, so a test can kill a worker while it runs."""

    name = "submit"
    retry_policy = QUICK_RETRY
    # A killed worker's attempt is retried once this passes (no heartbeats to notice sooner).
    timeout = timedelta(seconds=5)

    async def execute(self, context: WorkflowContext) -> None:
        await asyncio.sleep(float(context.get("delay", 0)))
        context.set("submitted", True)


class Approve(BaseHumanStep):
    """The decision the tests apply exactly once."""

    name = "approve"
    title = "Approve"
    candidate_groups = ("managers",)
    form_schema = {
        "type": "object",
        "properties": {"approved": {"type": "boolean"}, "note": {"type": "string", "maxLength": 200}},
        "required": ["approved"],
        "additionalProperties": False,
    }


class Record(BaseMachineStep):
    """Writes the decision to the ledger; takes ``data["record_delay"]`` seconds."""

    name = "record"
    retry_policy = QUICK_RETRY
    timeout = timedelta(seconds=5)

    async def execute(self, context: WorkflowContext) -> None:
        await asyncio.sleep(float(context.get("record_delay", 0)))
        _append(context, f"recorded approved={context.get('approved')}")
        context.set("status", "approved" if context.get("approved") else "rejected")


class Flaky(BaseMachineStep):
    """Fails its first ``data["fail_first"]`` attempts (counted in the ledger), then succeeds."""

    name = "flaky"
    retry_policy = QUICK_RETRY

    async def execute(self, context: WorkflowContext) -> None:
        attempt = _append(context, "attempt")
        if attempt <= int(context.get("fail_first", 0)):
            raise ConnectionError(f"ledger service unavailable (attempt {attempt})")
        context.set("attempts", attempt)


class Broken(BaseMachineStep):
    """Always fails with an error that is not retried."""

    name = "broken"
    retry_policy = RetryPolicy(max_attempts=5, non_retryable_errors=("PermissionError",))

    async def execute(self, context: WorkflowContext) -> None:
        raise PermissionError("account 42 is frozen")


approval = WorkflowDefinition(
    name="fault_approval",
    version="1.0.0",
    description="machine -> human -> machine, with tunable delays",
    steps={"submit": Submit(), "approve": Approve(), "record": Record()},
    edges=[Edge("submit", "approve"), Edge("approve", "record")],
    initial_step="submit",
    terminal_steps={"record"},
)

flaky = WorkflowDefinition(
    name="fault_flaky",
    version="1.0.0",
    steps={"flaky": Flaky()},
    edges=[],
    initial_step="flaky",
    terminal_steps={"flaky"},
)

broken = WorkflowDefinition(
    name="fault_broken",
    version="1.0.0",
    steps={"broken": Broken()},
    edges=[],
    initial_step="broken",
    terminal_steps={"broken"},
)

registry = WorkflowRegistry()
for _definition in (approval, flaky, broken):
    registry.register_definition(_definition)
