"""One contender of the in-process benchmark: run N three-machine-step instances, print JSON.

Runs unchanged under our package and under the published ``litestar-workflows`` 0.3.3
(each in its own virtualenv, started with ``python -I`` so neither sees the other).
Usage: ``python -I local_flow.py {ours|published} N``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from litestar_workflows import BaseMachineStep, Edge, LocalExecutionEngine, WorkflowDefinition, WorkflowRegistry


class Validate(BaseMachineStep):
    """Check the amount."""

    async def execute(self, context: Any) -> None:
        context.set("valid", context.get("amount", 0) > 0)


class Enrich(BaseMachineStep):
    """Add a derived value."""

    async def execute(self, context: Any) -> None:
        context.set("tax", round(context.get("amount", 0) * 0.2, 2))


class Record(BaseMachineStep):
    """Mark the request done."""

    async def execute(self, context: Any) -> None:
        context.set("status", "recorded")


def definition() -> WorkflowDefinition:
    return WorkflowDefinition(
        name="three_steps",
        version="1.0.0",
        description="three machine steps",
        steps={"validate": Validate("validate"), "enrich": Enrich("enrich"), "record": Record("record")},
        edges=[Edge("validate", "enrich"), Edge("enrich", "record")],
        initial_step="validate",
        terminal_steps={"record"},
    )


async def ours(n: int) -> list[Any]:
    registry = WorkflowRegistry()
    registry.register_definition(definition())
    engine = LocalExecutionEngine(registry)
    return list(await asyncio.gather(*(engine.start_workflow("three_steps", {"amount": i + 1}) for i in range(n))))


async def published(n: int) -> list[Any]:
    defn = definition()

    class Flow:
        @classmethod
        def get_definition(cls) -> WorkflowDefinition:
            return defn

    registry = WorkflowRegistry()
    registry.register(Flow)  # type: ignore[attr-defined]
    engine = LocalExecutionEngine(registry)
    instances = [await engine.start_workflow(Flow, {"amount": i + 1}) for i in range(n)]  # type: ignore[arg-type]
    # 0.3.3 runs instances as background tasks; wait for all of them to finish.
    await asyncio.gather(*list(engine._running.values()))  # type: ignore[attr-defined]
    return instances


def main() -> None:
    which, n = sys.argv[1], int(sys.argv[2])
    run = ours if which == "ours" else published
    start = time.perf_counter()
    instances = asyncio.run(run(n))
    elapsed = time.perf_counter() - start
    done = sum(1 for i in instances if str(getattr(i.status, "value", i.status)).lower() == "completed")
    print(json.dumps({"contender": which, "n": n, "seconds": elapsed, "completed": done, "per_second": n / elapsed}))


if __name__ == "__main__":
    main()
