"""Named notifiers on the event bus and in the local engine: names and policies are checked, each
notifier sees only its events, and a failing one is recorded on the instance, never fatal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from litestar_workflows import LocalExecutionEngine
from litestar_workflows.core.events import (
    HumanTaskCreated,
    StepCompleted,
    StepFailed,
    WorkflowCompleted,
    WorkflowEvent,
    WorkflowStarted,
)
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.engine.events import DEFAULT_NOTIFIER, EventBus, NotifierPolicy
from litestar_workflows.rules.notifiers import (
    NOTIFIER_ERROR_CHARS,
    NOTIFIER_FAILURES_KEPT,
    describe_events,
    failure_lines,
    record_notifier_failure,
)
from litestar_workflows.rules.state import InstanceState
from tests import step_kind_defs
from tests.api.conftest import auth_headers, gateway_settings

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _started() -> WorkflowStarted:
    return WorkflowStarted(instance_id="i", timestamp=NOW, workflow_name="w", workflow_version="1")


@pytest.mark.parametrize("name", ["", "-mail", "mail box", "x" * 65, "mail/1", 3])
def test_a_notifier_name_is_checked(name: object) -> None:
    bus = EventBus()
    with pytest.raises(ValueError, match="notifier name"):
        bus.subscribe(WorkflowEvent, print, notifier=name)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [{"max_attempts": 0}, {"max_attempts": 101}, {"initial_interval": 0}, {"timeout": -1}, {"maximum_interval": 0.5}],
)
def test_a_policy_is_bounded(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        NotifierPolicy(**fields)  # type: ignore[arg-type]


def test_notifiers_group_handlers_and_know_their_kinds() -> None:
    bus = EventBus()
    bus.subscribe(StepFailed, print)
    quick = NotifierPolicy(max_attempts=2, initial_interval=0.1, maximum_interval=0.1)

    @bus.notifier("mail", HumanTaskCreated, WorkflowCompleted, policy=quick)
    def mail(event: WorkflowEvent) -> None: ...

    bus.subscribe(WorkflowEvent, print, notifier="audit")
    assert bus.notifiers() == ["audit", DEFAULT_NOTIFIER, "mail"]
    assert bus.kinds_of("mail") == ["task.created", "workflow.completed"]
    assert bus.kinds_of(DEFAULT_NOTIFIER) == ["step.failed"]
    assert len(bus.kinds_of("audit")) >= 14  # every concrete event type
    assert bus.policy("mail") == quick and bus.policy("audit") == NotifierPolicy()
    assert bus.handlers_for(_started(), "mail") == [] and bus.handlers_for(_started(), "audit") == [print]


async def test_publish_runs_every_handler_and_reports_the_failures() -> None:
    bus, seen = EventBus(), list[str]()

    async def broken(event: WorkflowEvent) -> None:
        raise ConnectionError("smtp down")

    bus.subscribe(WorkflowEvent, broken, notifier="mail")
    bus.subscribe(WorkflowEvent, lambda e: seen.append(e.kind), notifier="audit")
    assert await bus.publish(_started()) == [("mail", "ConnectionError: smtp down")]
    assert seen == ["workflow.started"]


def test_failures_on_the_state_are_bounded_and_cut() -> None:
    state = InstanceState(instance_id="i", workflow_name="w", workflow_version="1", started_at=NOW)
    for n in range(NOTIFIER_FAILURES_KEPT + 3):
        record_notifier_failure(state, "mail", describe_events(["StepCompleted", "StepCompleted"]), f"e{n}", NOW)
    record_notifier_failure(state, "chat", describe_events(["WorkflowCompleted"]), "x" * 2000, NOW, attempts=3)
    assert len(state.notifier_failures) == NOTIFIER_FAILURES_KEPT
    last = state.notifier_failures[-1]
    assert (last.notifier, last.events, last.attempts) == ("chat", "WorkflowCompleted \u00d71", 3)
    assert len(last.error) == NOTIFIER_ERROR_CHARS
    lines = failure_lines(state)
    assert lines[0] == f"({NOTIFIER_FAILURES_KEPT - 5} earlier notifier failure(s) in the instance state)"
    assert lines[-2] == "notifier mail failed on StepCompleted \u00d72: e22"


async def test_a_failing_notifier_does_not_stop_the_local_instance_and_is_recorded() -> None:
    bus, audited = EventBus(), list[WorkflowEvent]()
    bus.subscribe(WorkflowEvent, audited.append, notifier="audit")

    @bus.notifier("mail", HumanTaskCreated, StepCompleted)
    async def mail(event: WorkflowEvent) -> None:
        raise ConnectionError("smtp down")

    engine = LocalExecutionEngine(step_kind_defs.build_registry(timedelta(milliseconds=10)), event_bus=bus)
    instance = await engine.start_workflow("pause_flow", user_id="alice")
    await engine.complete_human_task(instance.id, "approve", "alice", {"ok": True})
    for _ in range(200):
        if instance.status.is_finished:
            break
        await asyncio.sleep(0.01)
    assert instance.status == WorkflowStatus.COMPLETED
    assert [e.kind for e in audited][-1] == "workflow.completed"
    failures = [(f.notifier, f.events, f.attempts) for f in instance.notifier_failures]
    assert failures == [("mail", "HumanTaskCreated \u00d71", 1)] + [("mail", "StepCompleted \u00d71", 1)] * 3
    assert instance.notifier_failures[0].error == "ConnectionError: smtp down"


async def test_the_gateway_and_the_task_ui_show_a_failing_notifier() -> None:
    bus = EventBus()

    @bus.notifier("mail", HumanTaskCreated)
    def mail(event: WorkflowEvent) -> None:
        raise ConnectionError("smtp down")

    engine = LocalExecutionEngine(step_kind_defs.build_registry(), event_bus=bus)
    instance = await engine.start_workflow("pause_flow", user_id="alice")
    path = "/instances/" + instance.id.replace("/", "%2F")
    async with AsyncTestClient(create_app(gateway_settings(), engine), base_url="https://gw.example") as client:
        view = (await client.get(path, headers=auth_headers("alice"))).json()
        page = await client.get("/ui" + path, headers=auth_headers("alice"))
    assert [(f["notifier"], f["events"], f["error"]) for f in view["notifier_failures"]] == [
        ("mail", "HumanTaskCreated \u00d71", "ConnectionError: smtp down")
    ]
    assert page.status_code == 200, page.text[:300]
    assert "notifier mail failed on HumanTaskCreated \u00d71: ConnectionError: smtp down" in page.text
