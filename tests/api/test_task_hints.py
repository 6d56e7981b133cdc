"""``can_complete`` of the inbox and the task view: the claim and the four-eyes rules
(exclude_starter, exclude_completers_of; an assignee who started the instance is refused at
start already), on the in-process engine and on Temporal, where the listing's hints come from
the visibility rows (the runs' memo) and no workflow is asked (issue #10)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.task_hints import can_complete, can_complete_page
from examples import build_registry
from litestar_workflows import LocalExecutionEngine
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.listing_facts import ListedTask
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.api.conftest import make_token

BOB = Caller("bob", ("employees", "managers"))
BERT = Caller("bert", ("managers",))
VERA = Caller("vera", ("managers", "vps"))


def _count_reads(monkeypatch: pytest.MonkeyPatch, engine: ExecutionEngine, *names: str) -> list[tuple[str, str]]:
    """Wrap the engine's instance reads (``get_instance``; on Temporal also its per-run query)
    to record each call as ``(method, instance id)``: the listing's hints must make none."""
    calls: list[tuple[str, str]] = []
    for name in names:
        method: Callable[..., Awaitable[Any]] = getattr(engine, name)

        async def counted(*args: Any, _method: Callable[..., Awaitable[Any]] = method, **kwargs: Any) -> Any:
            calls.append((_method.__name__, str(args[0]) if args else ""))
            return await _method(*args, **kwargs)

        monkeypatch.setattr(engine, name, counted)
    return calls


async def _started(engine: ExecutionEngine, by: str, amount: float, key: str) -> str:
    instance = await engine.start_workflow(
        "expense_approval", {"amount": amount, "description": "x"}, business_key=key, user_id=by
    )
    return instance.id


async def test_the_inbox_hint_applies_the_claim_and_every_four_eyes_rule() -> None:
    engine = LocalExecutionEngine(build_registry())
    own = await _started(engine, "bob", 100, "own")  # exclude_starter: bob may not approve his own
    other = await _started(engine, "alice", 100, "other")
    big = await _started(engine, "alice", 9000, "big")  # goes on to a VP
    await engine.complete_human_task(big, "manager_approval", "vera", {"approved": True}, groups=VERA.groups)
    await engine.claim_task(other, "manager_approval", "bert", groups=BERT.groups)

    async def hints(caller: Caller, tasks: list[Any]) -> dict[tuple[str, str], bool | None]:
        found = can_complete_page(engine, tasks, caller)
        return dict(zip([(t.instance_id, t.step_name) for t in tasks], found, strict=True))

    bob_tasks = (await engine.list_pending_tasks(BOB.user_id, BOB.groups)).items
    mine = next(t for t in bob_tasks if t.instance_id == own)
    assert can_complete(engine, mine, Caller("carol", ("vps",)), None) is False  # not offered to her
    assert isinstance(mine, ListedTask) and mine.four_eyes is not None  # the listing carries the facts
    assert can_complete(engine, mine, BOB, None) is False  # exclude_starter, told from the listing
    assert await hints(BOB, bob_tasks) == {(own, "manager_approval"): False, (other, "manager_approval"): False}

    vera_tasks = (await engine.list_pending_tasks(VERA.user_id, VERA.groups)).items
    got = await hints(VERA, vera_tasks)
    assert got[(big, "vp_approval")] is False  # she approved it as its manager
    assert got[(own, "manager_approval")] is True and got[(other, "manager_approval")] is False  # bert's claim


async def test_get_tasks_reports_the_four_eyes_rules_in_can_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    from api.app import create_app
    from tests.api.conftest import gateway_settings

    engine = LocalExecutionEngine(build_registry())
    own = await _started(engine, "bob", 100, "own")
    other = await _started(engine, "alice", 100, "other")
    reads = _count_reads(monkeypatch, engine, "get_instance")
    async with AsyncTestClient(create_app(gateway_settings(), engine)) as client:
        answer = await client.get("/tasks", headers={"Authorization": f"Bearer {make_token('bob')}"})
    items = {t["instance_id"]: t["can_complete"] for t in answer.json()["items"]}
    assert items == {own: False, other: True}
    assert reads == []


async def test_the_listing_hints_on_temporal_ask_no_workflow(
    temporal_engine: TemporalExecutionEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The starter's own expense and the manager's VP task are refused from the visibility rows
    alone: the starter from the memo at start, the manager from the deciders the run upserts."""
    run = uuid.uuid4().hex[:8]
    own = await _started(temporal_engine, "bob", 100, f"own-{run}")
    big = await _started(temporal_engine, "alice", 9000, f"big-{run}")
    await temporal_engine.complete_human_task(big, "manager_approval", "vera", {"approved": True}, groups=VERA.groups)
    reads = _count_reads(monkeypatch, temporal_engine, "get_instance", "_state")

    async def listing(caller: Caller, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], bool | None]:
        for _ in range(100):  # visibility is eventually consistent with the runs
            tasks = (await temporal_engine.list_pending_tasks(caller.user_id, caller.groups, limit=200)).items
            mine = [t for t in tasks if (t.instance_id, t.step_name) in wanted]
            if {(t.instance_id, t.step_name) for t in mine} == wanted and all(
                isinstance(t, ListedTask) and t.four_eyes and t.four_eyes.completers.get("manager_approval")
                for t in mine
                if t.step_name == "vp_approval"
            ):
                hints = can_complete_page(temporal_engine, mine, caller)
                return dict(zip([(t.instance_id, t.step_name) for t in mine], hints, strict=True))
            await asyncio.sleep(0.1)
        raise AssertionError(f"the listing never showed {wanted}")

    assert await listing(BOB, {(own, "manager_approval")}) == {(own, "manager_approval"): False}
    assert await listing(VERA, {(own, "manager_approval"), (big, "vp_approval")}) == {
        (own, "manager_approval"): True,
        (big, "vp_approval"): False,  # she decided manager_approval (exclude_completers_of)
    }
    assert await listing(Caller("carol", ("vps",)), {(big, "vp_approval")}) == {(big, "vp_approval"): True}
    # Other tests' runs on the shared server with several waiting steps are asked (``_state``); ours never.
    assert [r for r in reads if r[0] == "get_instance" or r[1] in (own, big)] == []

    from api.app import create_app
    from tests.api.conftest import gateway_settings

    async with AsyncTestClient(create_app(gateway_settings(), temporal_engine)) as client:
        answer = await client.get(
            "/tasks",
            params={"workflow_name": "expense_approval", "limit": 200},
            headers={"Authorization": f"Bearer {make_token('bob', BOB.groups)}"},
        )
    items = {t["instance_id"]: t["can_complete"] for t in answer.json()["items"]}
    assert items[own] is False  # the starter's own expense, over HTTP, still without a read
    assert [r for r in reads if r[0] == "get_instance" or r[1] in (own, big)] == []


async def test_every_decider_of_a_quorum_step_is_refused_in_the_listing() -> None:
    """``exclude_completers_of`` a step with two approvers: the listing's facts name both."""
    from litestar_workflows.engine.registry import WorkflowRegistry
    from tests.api.send_back_defs import FOUR_EYES_QUORUM_DEFINITION

    registry = WorkflowRegistry()
    registry.register_definition(FOUR_EYES_QUORUM_DEFINITION)
    engine = LocalExecutionEngine(registry)
    instance = await engine.start_workflow("quorum_then_pay", {}, user_id="zed")
    for user in ("ann", "bob"):
        await engine.complete_human_task(instance.id, "approve", user, {"approved": True}, groups=["finance"])
    hints = {}
    for user in ("ann", "bob", "cid"):
        caller = Caller(user, ("finance",))
        [task] = (await engine.list_pending_tasks(caller.user_id, caller.groups)).items
        assert isinstance(task, ListedTask) and task.four_eyes is not None
        assert task.four_eyes.completers == {"approve": ("ann", "bob")}
        [hints[user]] = can_complete_page(engine, [task], caller)
    assert hints == {"ann": False, "bob": False, "cid": True}
