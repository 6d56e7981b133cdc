"""Timer, webhook, gateway and group steps, pause/resume and their graph, on LocalExecutionEngine."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from litestar_workflows import (
    BaseMachineStep,
    Edge,
    LocalExecutionEngine,
    ParallelGateway,
    TimerStep,
    WebhookStep,
    WorkflowContext,
    WorkflowDefinition,
    WorkflowStatus,
)
from litestar_workflows.core.definition import compile_definition
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.core.types import StepStatus, StepType
from litestar_workflows.exceptions import (
    FormValidationError,
    PauseNotAllowedError,
    StepNotWaitingError,
    WebhookAlreadyDeliveredError,
    WebhookSecretError,
    WorkflowNotPausedError,
    WorkflowPausedError,
)
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.spec import GraphSpec
from tests import step_kind_defs

FAST = timedelta(milliseconds=20)


async def _until(
    engine: LocalExecutionEngine, iid: str, status: WorkflowStatus, within: float = 2.0
) -> WorkflowInstance:
    for _ in range(int(within / 0.01)):
        instance = await engine.get_instance(iid)
        if instance.status == status and not instance.running_steps:
            return instance
        await asyncio.sleep(0.01)
    raise AssertionError(f"{iid} did not reach {status}")


def _waiting(instance: WorkflowInstance) -> list[str]:
    return [h.step_name for h in instance.context.step_history if h.status == StepStatus.WAITING]


def test_groups_and_gateways_compile_into_plain_graph_steps() -> None:
    definition = step_kind_defs.kinds_flow()
    assert definition.validate() == []
    graph = compile_definition(definition)
    kinds = {s.name: (s.kind, s.gateway) for s in graph.steps}
    assert kinds["route"] == (StepType.GATEWAY, "exclusive")
    assert kinds["checks"] == (StepType.GATEWAY, "parallel")
    assert kinds["checks.2"] == (StepType.GATEWAY, "exclusive")  # the conditional group
    assert graph.step("cool_off").timer_seconds == 3600
    assert graph.step("wait").timer_computed and graph.step("wait").runs_code
    assert graph.step("payment").callback_key == "payment"
    assert graph.step("payment").form_schema == step_kind_defs.PAYMENT_SCHEMA
    assert {e.target for e in graph.outgoing("checks")} == {"fraud", "checks.1", "checks.2"}
    assert {e.source for e in graph.incoming("wait")} == {"express", "checks.join"}
    # Old graphs (no new fields) still decode: the new fields have defaults.
    raw = graph.to_dict()
    for step in raw["steps"]:
        for key in ("timer_seconds", "timer_computed", "callback_key", "gateway"):
            step.pop(key)
    assert GraphSpec.from_dict(raw).step("route").gateway is None


def test_invalid_kinds_are_refused() -> None:
    def always(context: WorkflowContext) -> bool:
        return True

    definition = WorkflowDefinition(
        name="bad",
        version="1.0.0",
        steps={
            "t": TimerStep("t", timedelta(seconds=-1)),
            "w": WebhookStep("w", callback_key="", schema={"type": "nonsense"}),
            "p": ParallelGateway("p", ["t", "nowhere"]),
        },
        edges=[Edge("p", "w"), Edge("w", "t", always)],
        initial_step="p",
        terminal_steps={"t"},
    )
    problems = "\n".join(definition.validate())
    assert "timer step 't': duration must not be negative" in problems
    assert "webhook step 'w': callback_key must be a non-empty string" in problems
    assert "webhook step 'w': schema is not a valid JSON Schema" in problems
    assert "parallel gateway 'p': branch 'nowhere' is not a step" in problems
    assert "a callable condition cannot follow a webhook step" in problems


async def test_every_kind_runs_in_process() -> None:
    engine = LocalExecutionEngine(step_kind_defs.build_registry(FAST))
    started = await engine.start_workflow("kinds_flow", {"amount": 5000, "hours": 0.00001})
    assert started.status == WorkflowStatus.WAITING
    assert _waiting(started) == ["cool_off"]
    instance = await _until(engine, started.id, WorkflowStatus.WAITING)
    for _ in range(200):
        if "payment" in _waiting(instance):
            break
        await asyncio.sleep(0.01)
    data = instance.context.data
    assert data["fraud"] and data["audit_a"] and data["audit_b"] and data["big_review"]
    assert "small_review" not in data and "express" not in data
    secret = instance.context.metadata["webhook_secret"]
    with pytest.raises(WebhookSecretError):
        await engine.deliver_webhook(started.id, "payment", {"paid": True}, secret="guess")
    with pytest.raises(FormValidationError) as invalid:
        await engine.deliver_webhook(started.id, "payment", {"paid": "yes"}, secret=secret)
    assert invalid.value.errors[0].pointer == "/paid"
    with pytest.raises(StepNotWaitingError, match="not a webhook step"):
        await engine.deliver_webhook(started.id, "ship", {}, secret=secret)
    done = await engine.deliver_webhook(started.id, "payment", {"paid": True, "amount": 5000}, secret=secret)
    assert done.status == WorkflowStatus.COMPLETED
    assert done.context.data["payment"] == {"paid": True, "amount": 5000}
    assert done.context.data["shipped"] is True
    order = [h.step_name for h in done.context.step_history]
    assert order.index("checks.join") > max(order.index("fraud"), order.index("audit_b"), order.index("checks.2.join"))


async def test_exclusive_gateway_takes_one_lane_and_webhook_is_taken_once() -> None:
    engine = LocalExecutionEngine(step_kind_defs.build_registry(FAST))
    started = await engine.start_workflow("kinds_flow", {"amount": 5, "hours": 0.00001})
    for _ in range(200):
        instance = await engine.get_instance(started.id)
        if "payment" in _waiting(instance):
            break
        await asyncio.sleep(0.01)
    assert instance.context.data.get("express") is True and "fraud" not in instance.context.data
    secret = instance.context.metadata["webhook_secret"]
    first, second = await asyncio.gather(
        engine.deliver_webhook(started.id, "payment", {"paid": True}, secret=secret),
        engine.deliver_webhook(started.id, "payment", {"paid": False}, secret=secret),
        return_exceptions=True,
    )
    assert isinstance(first, WorkflowInstance)
    assert isinstance(second, Exception)
    assert (await engine.get_instance(started.id)).context.data["payment"] == {"paid": True}


async def test_webhook_refuses_a_second_delivery_while_the_instance_runs() -> None:
    release = asyncio.Event()

    class Hold(BaseMachineStep):
        async def execute(self, context: WorkflowContext) -> None:
            await release.wait()

    definition = WorkflowDefinition(
        name="hook_then_hold",
        version="1.0.0",
        steps={"hook": WebhookStep("hook"), "hold": Hold("hold"), "end": TimerStep("end", FAST)},
        edges=[Edge("hook", "hold"), Edge("hold", "end")],
        initial_step="hook",
        terminal_steps={"end"},
    )
    registry = step_kind_defs.build_registry(FAST)
    registry.register_definition(definition)
    engine = LocalExecutionEngine(registry)
    instance = await engine.start_workflow("hook_then_hold")
    secret = instance.context.metadata["webhook_secret"]
    first = asyncio.create_task(engine.deliver_webhook(instance.id, "hook", {"n": 1}, secret=secret))
    await asyncio.sleep(0.02)  # the first delivery is applied; its next step runs (holding the instance)
    second = asyncio.create_task(engine.deliver_webhook(instance.id, "hook", {"n": 2}, secret=secret))
    release.set()
    assert (await first).context.data["webhook_data"] == {"n": 1}
    with pytest.raises(WebhookAlreadyDeliveredError):
        await second


async def test_pause_holds_new_steps_and_completions_while_timers_count() -> None:
    engine = LocalExecutionEngine(step_kind_defs.build_registry(timedelta(milliseconds=50)), admin_groups=("ops",))
    instance = await engine.start_workflow("pause_flow", user_id="alice")
    with pytest.raises(PauseNotAllowedError):
        await engine.pause_workflow(instance.id, caller=Caller("mallory", ()))
    paused = await engine.pause_workflow(instance.id, "audit", caller=Caller("bob", ("ops",)))
    assert paused.status == WorkflowStatus.PAUSED
    with pytest.raises(WorkflowPausedError, match="completing step 'approve'"):
        await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
    with pytest.raises(WorkflowPausedError):
        await engine.pause_workflow(instance.id)
    resumed = await engine.resume_workflow(instance.id, caller=Caller("alice", ()))
    assert resumed.status == WorkflowStatus.WAITING
    with pytest.raises(WorkflowNotPausedError):
        await engine.resume_workflow(instance.id)
    await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
    # Paused while the timer runs: it fires, but the step after it waits for the resume.
    await engine.pause_workflow(instance.id)
    await asyncio.sleep(0.15)
    held = await engine.get_instance(instance.id)
    assert held.status == WorkflowStatus.PAUSED
    assert held.context.get_last_execution("tick").status == StepStatus.SUCCEEDED  # type: ignore[union-attr]
    assert "done" not in held.context.data
    finished = await engine.resume_workflow(instance.id)
    assert finished.status == WorkflowStatus.COMPLETED
    assert finished.context.data["done"] is True
