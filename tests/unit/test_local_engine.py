"""LocalExecutionEngine: the in-process engine, on real asyncio."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from litestar_workflows import (
    BaseHumanStep,
    BaseMachineStep,
    Edge,
    FormValidationError,
    LocalExecutionEngine,
    RetryPolicy,
    StepNotWaitingError,
    StepStatus,
    UnauthorizedTaskError,
    WorkflowAlreadyCompletedError,
    WorkflowAlreadyExistsError,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowInstanceNotFoundError,
    WorkflowNotFoundError,
    WorkflowRegistry,
    WorkflowStatus,
)
from tests.unit.steps import Ask, Mark

FAST = RetryPolicy(max_attempts=3, initial_interval=timedelta(milliseconds=1))


class Flaky(BaseMachineStep):
    """Fails ``data['fail_times']`` times, then succeeds."""

    retry_policy = FAST
    calls = 0

    async def execute(self, context: WorkflowContext) -> str:
        Flaky.calls += 1
        if Flaky.calls <= context.get("fail_times", 0):
            raise ConnectionError(f"attempt {Flaky.calls} failed")
        return "ok"


class Broken(BaseMachineStep):
    retry_policy = RetryPolicy(
        max_attempts=5, initial_interval=timedelta(milliseconds=1), non_retryable_errors=("KeyError",)
    )
    calls = 0

    async def execute(self, context: WorkflowContext) -> None:
        Broken.calls += 1
        raise KeyError("no such account")


class Slow(BaseMachineStep):
    retry_policy = RetryPolicy(max_attempts=1)
    timeout = timedelta(milliseconds=50)

    async def execute(self, context: WorkflowContext) -> None:
        await asyncio.sleep(5)


def expense(version: str = "1.0.0", groups: tuple[str, ...] = ("managers",)) -> WorkflowDefinition:
    return WorkflowDefinition(
        name="expense",
        version=version,
        steps={"submit": Mark("submit"), "approve": Ask("approve", candidate_groups=groups), "done": Mark("done")},
        edges=[Edge("submit", "approve"), Edge("approve", "done")],
        initial_step="submit",
        terminal_steps={"done"},
    )


def engine(*definitions: WorkflowDefinition) -> LocalExecutionEngine:
    registry = WorkflowRegistry()
    for definition in definitions or (expense(),):
        registry.register_definition(definition)
    return LocalExecutionEngine(registry)


async def test_start_settles_and_completion_updates_the_callers_object() -> None:
    eng = engine()
    instance = await eng.start_workflow("expense", {"amount": 5}, user_id="alice")
    assert instance.status == WorkflowStatus.WAITING and instance.current_step == "approve"
    task = instance.pending_tasks[0]
    assert task.candidate_groups == ("managers",) and task.form_schema is not None
    result = await eng.complete_human_task(instance.id, "approve", "bob", {"ok": True}, groups=["managers"])
    assert result is instance and instance.status == WorkflowStatus.COMPLETED
    assert instance.current_step is None and instance.context.get("done") is True
    assert await eng.get_instance(instance.id) is instance


async def test_rejected_completions_change_nothing() -> None:
    eng = engine()
    instance = await eng.start_workflow("expense", {}, user_id="alice")
    before = (instance.status, list(instance.context.step_history), dict(instance.context.data))
    with pytest.raises(FormValidationError) as info:
        await eng.complete_human_task(instance.id, "approve", "bob", {"ok": 3}, groups=["managers"])
    assert info.value.errors[0].pointer == "/ok"
    with pytest.raises(UnauthorizedTaskError):
        await eng.complete_human_task(instance.id, "approve", "alice", {"ok": True}, groups=["staff"])
    # Someone who may not read the instance is told it does not exist (the read policy).
    with pytest.raises(WorkflowInstanceNotFoundError):
        await eng.complete_human_task(instance.id, "approve", "mallory", {"ok": True}, groups=["staff"])
    with pytest.raises(StepNotWaitingError):
        await eng.complete_human_task(instance.id, "done", "bob", {}, groups=["managers"])
    with pytest.raises(WorkflowInstanceNotFoundError):
        await eng.complete_human_task("nope", "approve", "bob", {"ok": True})
    assert (instance.status, list(instance.context.step_history), dict(instance.context.data)) == before


async def test_concurrent_completions_exactly_one_wins() -> None:
    eng = engine()
    instance = await eng.start_workflow("expense", {})
    results = await asyncio.gather(
        *(
            eng.complete_human_task(instance.id, "approve", f"m{i}", {"ok": True}, groups=["managers"])
            for i in range(20)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(
        isinstance(r, StepNotWaitingError | WorkflowAlreadyCompletedError)
        for r in results
        if isinstance(r, BaseException)
    )


async def test_idempotent_completion_and_business_key() -> None:
    eng = engine()
    first = await eng.start_workflow("expense", {"a": 1}, business_key="r-1")
    assert first.id == "expense/r-1"
    assert await eng.start_workflow("expense", {"a": 1}, business_key="r-1") is first
    with pytest.raises(WorkflowAlreadyExistsError):
        await eng.start_workflow("expense", {"a": 2}, business_key="r-1")
    once = await eng.complete_human_task(
        first.id, "approve", "bob", {"ok": True}, groups=["managers"], idempotency_key="k"
    )
    again = await eng.complete_human_task(
        first.id, "approve", "bob", {"ok": True}, groups=["managers"], idempotency_key="k"
    )
    assert again.status == once.status == WorkflowStatus.COMPLETED
    assert [h.step_name for h in first.context.step_history].count("approve") == 1


async def test_retry_then_success_and_permanent_failures() -> None:
    flaky = WorkflowDefinition(
        name="flaky", version="1.0.0", steps={"f": Flaky("f")}, edges=[], initial_step="f", terminal_steps={"f"}
    )
    broken = WorkflowDefinition(
        name="broken", version="1.0.0", steps={"b": Broken("b")}, edges=[], initial_step="b", terminal_steps={"b"}
    )
    slow = WorkflowDefinition(
        name="slow", version="1.0.0", steps={"s": Slow("s")}, edges=[], initial_step="s", terminal_steps={"s"}
    )
    eng = engine(flaky, broken, slow)
    Flaky.calls = 0
    ok = await eng.start_workflow("flaky", {"fail_times": 2})
    assert ok.status == WorkflowStatus.COMPLETED
    record = ok.context.get_last_execution("f")
    assert record is not None and record.attempts == 3 and record.result == "ok"
    Broken.calls = 0
    bad = await eng.start_workflow("broken", {})
    assert bad.status == WorkflowStatus.FAILED and Broken.calls == 1
    assert bad.error == "Step 'b' failed: KeyError: 'no such account'"
    Flaky.calls = 0
    exhausted = await eng.start_workflow("flaky", {"fail_times": 10})
    assert exhausted.error == "Step 'f' failed after 3 attempts: ConnectionError: attempt 3 failed"
    timed_out = await eng.start_workflow("slow", {})
    assert timed_out.status == WorkflowStatus.FAILED and "timed out after 0.05s" in (timed_out.error or "")


async def test_parallel_machine_steps_run_concurrently() -> None:
    started: list[str] = []
    gate = asyncio.Event()

    class Wait(BaseMachineStep):
        async def execute(self, context: WorkflowContext) -> None:
            started.append(self.name)
            if len(started) == 2:
                gate.set()
            await asyncio.wait_for(gate.wait(), 2)
            context.set(self.name, True)

    defn = WorkflowDefinition(
        name="par",
        version="1.0.0",
        steps={"s": Mark("s"), "a": Wait("a"), "b": Wait("b"), "j": Mark("j")},
        edges=[Edge("s", "a"), Edge("s", "b"), Edge("a", "j"), Edge("b", "j")],
        initial_step="s",
        terminal_steps={"j"},
    )
    instance = await engine(defn).start_workflow("par", {})
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.data == {"s": True, "a": True, "b": True, "j": True}


async def test_callable_conditions_and_guards() -> None:
    class NeverOnWeekends(Mark):
        async def can_execute(self, context: WorkflowContext) -> bool:
            return not context.get("weekend", False)

    defn = WorkflowDefinition(
        name="cond",
        version="1.0.0",
        steps={"s": Mark("s"), "big": NeverOnWeekends("big"), "small": Mark("small")},
        edges=[Edge("s", "big", lambda ctx: ctx.get("amount") > 100), Edge("s", "small", "amount <= 100")],
        initial_step="s",
        terminal_steps={"big", "small"},
    )
    eng = engine(defn)
    big = await eng.start_workflow("cond", {"amount": 500})
    assert big.context.get("big") is True and big.context.get("small") is None
    skipped = await eng.start_workflow("cond", {"amount": 500, "weekend": True})
    assert skipped.status == WorkflowStatus.COMPLETED
    assert skipped.context.get_last_execution("big").status == StepStatus.SKIPPED  # type: ignore[union-attr]


async def test_deadline_escalates() -> None:
    ask = BaseHumanStep("approve", "Approve", deadline=timedelta(milliseconds=30), on_deadline="escalate")
    defn = WorkflowDefinition(
        name="dl",
        version="1.0.0",
        steps={"approve": ask, "escalate": Ask("escalate"), "done": Mark("done")},
        edges=[Edge("approve", "done"), Edge("escalate", "done")],
        initial_step="approve",
        terminal_steps={"done"},
    )
    eng = engine(defn)
    instance = await eng.start_workflow("dl", {})
    assert instance.pending_steps == ["approve"] and instance.pending_tasks[0].deadline_at is not None
    for _ in range(100):
        if instance.pending_steps == ["escalate"]:
            break
        await asyncio.sleep(0.01)
    assert instance.pending_steps == ["escalate"]
    assert instance.context.get_last_execution("approve").status == StepStatus.TIMED_OUT  # type: ignore[union-attr]


async def test_cancel_list_and_inbox() -> None:
    eng = engine(expense(), expense("2.0.0", groups=("finance",)))
    old = await eng.start_workflow("expense", {}, version="1.0.0")
    new = await eng.start_workflow("expense", {})
    assert (old.workflow_version, new.workflow_version) == ("1.0.0", "2.0.0")
    assert [t.instance_id for t in (await eng.list_pending_tasks(group="managers")).items] == [old.id]
    assert [t.instance_id for t in (await eng.list_pending_tasks("bob", ["finance"])).items] == [new.id]
    assert len((await eng.list_pending_tasks()).items) == 2
    page = await eng.list_instances(limit=1)
    assert len(page.items) == 1 and page.next_cursor == "1"
    rest = await eng.list_instances(limit=1, cursor=page.next_cursor)
    assert rest.next_cursor is None and {page.items[0].id, rest.items[0].id} == {old.id, new.id}
    await eng.cancel_workflow(old.id, "duplicate")
    assert old.status == WorkflowStatus.CANCELED and old.error == "canceled: duplicate"
    assert [i.id for i in (await eng.list_instances(status=WorkflowStatus.CANCELED)).items] == [old.id]
    with pytest.raises(WorkflowAlreadyCompletedError):
        await eng.cancel_workflow(old.id, "again")
    with pytest.raises(WorkflowNotFoundError):
        await eng.start_workflow("nope")


async def test_step_defined_by_constructor_keywords() -> None:
    class Submit(BaseMachineStep):
        async def execute(self, context: WorkflowContext) -> dict[str, Any]:
            context.set("who", self.name)
            return {"n": 1}

    step = Submit(name="x", description="custom")
    assert (step.name, step.description) == ("x", "custom")
    defn = WorkflowDefinition(
        name="kw", version="1.0.0", steps={"x": step}, edges=[], initial_step="x", terminal_steps={"x"}
    )
    instance = await engine(defn).start_workflow("kw")
    assert instance.context.get("who") == "x"
    assert instance.context.step_history[0].result == {"n": 1}
    assert instance.context.has_step_executed("x") and not instance.context.has_step_executed("y")
