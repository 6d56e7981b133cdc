"""Fewer visibility writes per instance (``PATCH_LEAN_PUBLISH``, through the third baseline): the
deciders memo is upserted only once a step that reads it waits, a completed instance does not
upsert ``InstanceStatus``, and the listings still tell and filter every status right."""

from __future__ import annotations

import json
from typing import Any

from temporalio.api.history.v1 import HistoryEvent

from api.task_hints import can_complete_page
from litestar_workflows import BaseHumanStep, WorkflowDefinition
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.rules.access import Caller
from litestar_workflows.rules.listing_facts import ListedTask
from litestar_workflows.temporal.contracts import MEMO_STEP_COMPLETERS, PATCH_BASELINE_V3, SA_INSTANCE_STATUS
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.api.send_back_defs import FOUR_EYES_QUORUM_DEFINITION
from tests.temporal.conftest import Harness
from tests.temporal.helpers import attribute, describe, eventually, patch_ids

SMALL = {"requester_id": "alice", "amount": 250.0, "description": "Conference fee"}
LARGE = {"requester_id": "alice", "amount": 9000.0, "description": "Team offsite"}


async def _events(engine: TemporalExecutionEngine, instance_id: str) -> list[HistoryEvent]:
    return list((await engine.client.get_workflow_handle(instance_id).fetch_history()).events)


def _upserted(events: list[HistoryEvent]) -> list[set[str]]:
    """The search attribute names of each upsert, in order."""
    return [
        set(e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
        for e in events
        if e.HasField("upsert_workflow_search_attributes_event_attributes")
    ]


def _memos(events: list[HistoryEvent]) -> list[Any]:
    """The deciders memo of each memo upsert, in order."""
    return [
        json.loads(e.workflow_properties_modified_event_attributes.upserted_memo.fields[MEMO_STEP_COMPLETERS].data)
        for e in events
        if e.HasField("workflow_properties_modified_event_attributes")
    ]


async def test_a_completed_expense_writes_two_upserts_and_no_memo(temporal_engine: TemporalExecutionEngine) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", SMALL, user_id="alice")
    await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert instance.status == WorkflowStatus.COMPLETED
    events = await _events(temporal_engine, instance.id)
    assert await patch_ids(temporal_engine.client, instance.id) == [PATCH_BASELINE_V3]  # one marker, every patch
    # The marker's TemporalChangeVersion, the first wait, the completion; none as it completes.
    upserts = _upserted(events)
    assert upserts[0] == {"TemporalChangeVersion"} and len(upserts) == 3
    assert _memos(events) == []  # no step that reads the deciders ever waited
    # The run says it completed; InstanceStatus keeps its last open value, and listings tell it right.
    assert attribute(await describe(temporal_engine.client, instance.id), SA_INSTANCE_STATUS) == "running"
    listed = await eventually(
        lambda: temporal_engine.list_instances(workflow_name="expense_approval", status=WorkflowStatus.COMPLETED),
        lambda page: instance.id in {i.id for i in page.items},
    )
    assert next(i for i in listed.items if i.id == instance.id).status == WorkflowStatus.COMPLETED
    running = await temporal_engine.list_instances(workflow_name="expense_approval", status=WorkflowStatus.RUNNING)
    assert instance.id not in {i.id for i in running.items}


async def test_the_deciders_are_published_when_the_step_that_reads_them_waits(
    temporal_engine: TemporalExecutionEngine,
) -> None:
    instance = await temporal_engine.start_workflow("expense_approval", LARGE, user_id="alice")
    await temporal_engine.complete_human_task(
        instance.id, "manager_approval", "bob", {"approved": True}, groups=["managers"]
    )
    assert instance.pending_steps == ["vp_approval"]  # excludes manager_approval's deciders
    events = await _events(temporal_engine, instance.id)
    assert _memos(events) == [{"manager_approval": ["bob"]}]
    # The inbox's hint, from the listing row alone: bob may not sign it off, carol may.
    bob = await eventually(
        lambda: temporal_engine.list_pending_tasks(user="bob", group=["vps"], workflow_name="expense_approval"),
        lambda page: any(t.instance_id == instance.id for t in page.items),
    )
    row = next(t for t in bob.items if t.instance_id == instance.id)
    assert isinstance(row, ListedTask) and row.four_eyes is not None
    assert row.four_eyes.completers == {"manager_approval": ("bob",)}
    assert can_complete_page(temporal_engine, [row], Caller("bob", ("vps",))) == [False]
    assert can_complete_page(temporal_engine, [row], Caller("carol", ("vps",))) == [True]
    await temporal_engine.complete_human_task(instance.id, "vp_approval", "carol", {"approved": True}, groups=["vps"])
    assert instance.status == WorkflowStatus.COMPLETED
    assert _memos(await _events(temporal_engine, instance.id)) == [{"manager_approval": ["bob"]}]


async def test_the_deciders_of_a_quorum_are_published_once_pay_waits(harness: Harness) -> None:
    harness.registry.register_definition(FOUR_EYES_QUORUM_DEFINITION)
    engine, finance = harness.engine, ("finance",)
    iid = (await engine.start_workflow("quorum_then_pay", {}, user_id="zed")).id
    for user in ("ann", "bob"):
        await engine.complete_human_task(iid, "approve", user, {"approved": True}, groups=finance)
    done = await engine.complete_human_task(iid, "pay", "cid", {}, groups=finance)
    assert done.status == WorkflowStatus.COMPLETED
    assert _memos(await _events(engine, iid)) == [{"approve": ["ann", "bob"]}]  # once, as pay began waiting


class Sign(BaseHumanStep):
    name = "sign"
    candidate_groups = ("finance",)


SIGN_ONLY = WorkflowDefinition(
    name="sign_only", version="1.0.0", steps={"sign": Sign()}, edges=[], initial_step="sign", terminal_steps={"sign"}
)


async def test_a_human_step_that_ends_the_instance_upserts_its_status_with_the_rest(harness: Harness) -> None:
    harness.registry.register_definition(SIGN_ONLY)
    engine = harness.engine
    iid = (await engine.start_workflow("sign_only", {}, user_id="zed")).id
    done = await engine.complete_human_task(iid, "sign", "cid", {}, groups=("finance",))
    assert done.status == WorkflowStatus.COMPLETED
    last = _upserted(await _events(engine, iid))[-1]
    assert {SA_INSTANCE_STATUS.name, "PendingSteps"} <= last  # the waiting step cleared: the status goes along
    assert attribute(await describe(engine.client, iid), SA_INSTANCE_STATUS) == "completed"
