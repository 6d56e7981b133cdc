"""``can_complete`` of the inbox and the task view: the claim and the four-eyes rules
(exclude_starter, exclude_completers_of; an assignee who started the instance is refused at
start already), on the in-process engine."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from api.task_hints import can_complete, can_complete_page
from examples import build_registry
from litestar_workflows import LocalExecutionEngine
from litestar_workflows.rules.access import Caller
from tests.api.conftest import make_token

BOB = Caller("bob", ("employees", "managers"))
BERT = Caller("bert", ("managers",))
VERA = Caller("vera", ("managers", "vps"))


async def _started(engine: LocalExecutionEngine, by: str, amount: float, key: str) -> str:
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
        found = await can_complete_page(engine, tasks, caller)
        return dict(zip([(t.instance_id, t.step_name) for t in tasks], found, strict=True))

    bob_tasks = (await engine.list_pending_tasks(BOB.user_id, BOB.groups)).items
    mine = next(t for t in bob_tasks if t.instance_id == own)
    assert can_complete(engine, mine, Caller("carol", ("vps",)), None) is False  # not offered to her
    assert can_complete(engine, mine, BOB, None) is None  # exclude_starter needs the instance
    assert await hints(BOB, bob_tasks) == {(own, "manager_approval"): False, (other, "manager_approval"): False}

    vera_tasks = (await engine.list_pending_tasks(VERA.user_id, VERA.groups)).items
    got = await hints(VERA, vera_tasks)
    assert got[(big, "vp_approval")] is False  # she approved it as its manager
    assert got[(own, "manager_approval")] is True and got[(other, "manager_approval")] is False  # bert's claim


async def test_get_tasks_reports_the_four_eyes_rules_in_can_complete() -> None:
    from api.app import create_app
    from tests.api.conftest import gateway_settings

    engine = LocalExecutionEngine(build_registry())
    own = await _started(engine, "bob", 100, "own")
    other = await _started(engine, "alice", 100, "other")
    async with AsyncTestClient(create_app(gateway_settings(), engine)) as client:
        answer = await client.get("/tasks", headers={"Authorization": f"Bearer {make_token('bob')}"})
    items = {t["instance_id"]: t["can_complete"] for t in answer.json()["items"]}
    assert items == {own: False, other: True}
