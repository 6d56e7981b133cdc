"""The inbox from visibility (issue 10): a run's search attributes plus the graph describe its one
waiting task exactly, or the run must be asked."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from temporalio.api.common.v1 import Payload
from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from examples.document_review import registry as review_registry
from examples.expense_approval import registry as expense_registry
from litestar_workflows.core.types import WorkflowStatus
from litestar_workflows.rules.listing_facts import FourEyesFacts, ListedTask
from litestar_workflows.temporal.codec import EncryptionCodec, EncryptionKey
from litestar_workflows.temporal.contracts import (
    DATA_CONVERTER,
    MEMO_STARTED_BY,
    MEMO_STEP_COMPLETERS,
    SA_DEFINITION_NAME,
    SA_DEFINITION_VERSION,
    SA_INSTANCE_STATUS,
    SA_PENDING_STEPS,
    SA_WAITING_ON,
    SA_WAITING_SINCE,
)
from litestar_workflows.temporal.visibility import (
    graph_of,
    listing_memo,
    status_clause,
    tasks_from_visibility,
    unavailable_state,
    visible_run,
    visible_runs,
)

SINCE = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _execution(name: str, pending: list[str], waiting_on: list[str]) -> Any:
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(SA_DEFINITION_NAME, name),
        SearchAttributePair(SA_DEFINITION_VERSION, "1.0.0"),
        SearchAttributePair(SA_INSTANCE_STATUS, "waiting"),
        SearchAttributePair(SA_WAITING_SINCE, SINCE),
    ]
    if pending:
        pairs.append(SearchAttributePair(SA_PENDING_STEPS, pending))
    if waiting_on:
        pairs.append(SearchAttributePair(SA_WAITING_ON, waiting_on))
    return cast(
        Any,
        SimpleNamespace(
            id=f"{name}/k", start_time=SINCE, typed_search_attributes=TypedSearchAttributes(pairs), four_eyes=None
        ),
    )


def test_one_waiting_task_is_described_by_visibility() -> None:
    execution = _execution("document_review", ["review"], ["user:rex%20jr"])
    graph = graph_of(execution, review_registry)
    assert graph is not None
    [task] = tasks_from_visibility(execution, graph) or []
    assert (task.step_name, task.assignee, task.candidate_groups) == ("review", "rex jr", ())
    assert task.title == "Review document" and task.form_schema is not None
    assert task.since == SINCE and task.deadline_at == SINCE + timedelta(minutes=5)
    assert task.on_deadline == "escalate"


def test_groups_come_from_the_run_not_the_graph() -> None:
    execution = _execution("expense_approval", ["manager_approval"], ["group:finance"])  # reassigned
    graph = graph_of(execution, expense_registry)
    assert graph is not None
    [task] = tasks_from_visibility(execution, graph) or []
    assert task.assignee is None and task.candidate_groups == ("finance",)


def test_what_visibility_cannot_tell_is_asked() -> None:
    graph = graph_of(_execution("expense_approval", [], []), expense_registry)
    assert graph is not None
    several = _execution("expense_approval", ["manager_approval", "vp_approval"], ["group:managers", "group:vps"])
    assert tasks_from_visibility(several, graph) is None
    two_users = _execution("expense_approval", ["manager_approval"], ["user:a", "user:b"])
    assert tasks_from_visibility(two_users, graph) is None
    assert tasks_from_visibility(_execution("expense_approval", [], []), graph) == []
    assert graph_of(_execution("unknown_definition", ["x"], ["anyone"]), expense_registry) is None


def test_a_run_that_cannot_answer_is_a_row_saying_so() -> None:
    state = unavailable_state(_execution("expense_approval", ["manager_approval"], ["anyone"]), "query timed out")
    assert state.status.value == "waiting" and state.workflow_name == "expense_approval"
    assert state.error == "this instance cannot be read right now: query timed out"


def _row(**payloads: bytes) -> WorkflowExecutionInfo:
    """A visibility row as the server sends it: each attribute a ``json/plain`` payload."""
    info = WorkflowExecutionInfo()
    info.execution.workflow_id = "document_review/k"
    info.start_time.FromDatetime(SINCE.replace(tzinfo=None))
    for name, data in payloads.items():
        info.search_attributes.indexed_fields[name].CopyFrom(Payload(metadata={"encoding": b"json/plain"}, data=data))
    return info


def test_a_row_is_decoded_only_as_far_as_listings_read_it() -> None:
    run = visible_run(
        _row(
            DefinitionName=b'"document_review"',
            DefinitionVersion=b'"1.0.0"',
            PendingSteps=b'["review"]',
            WaitingOn=b'["user:rex"]',
            WaitingSince=b'"2026-11-30T12:00:00.123456789Z"',
            Participants=b"not decoded, so not an error",
        )
    )
    assert run.id == "document_review/k" and run.start_time == SINCE
    attributes = run.typed_search_attributes
    assert attributes.get(SA_PENDING_STEPS) == ["review"] and attributes.get(SA_WAITING_ON) == ["user:rex"]
    assert attributes.get(SA_WAITING_SINCE) == SINCE + timedelta(microseconds=123456)
    graph = graph_of(run, review_registry)
    assert graph is not None
    [task] = tasks_from_visibility(run, graph) or []
    assert task.assignee == "rex"


def test_a_malformed_attribute_is_missing_so_the_run_is_asked() -> None:
    run = visible_run(_row(DefinitionName=b'"document_review"', DefinitionVersion=b'"1.0.0"', PendingSteps=b"{oops"))
    assert run.typed_search_attributes.get(SA_PENDING_STEPS) is None
    wrong_shape = visible_run(_row(PendingSteps=b"[1, 2]", WaitingSince=b'"yesterday"', InstanceStatus=b"7"))
    assert wrong_shape.typed_search_attributes.get(SA_PENDING_STEPS) is None
    assert wrong_shape.typed_search_attributes.get(SA_WAITING_SINCE) is None
    assert wrong_shape.typed_search_attributes.get(SA_INSTANCE_STATUS) is None


def _memo(info: WorkflowExecutionInfo, **values: Any) -> WorkflowExecutionInfo:
    for key, value in values.items():
        info.memo.fields[key].CopyFrom(DATA_CONVERTER.payload_converter.to_payload(value))
    return info


def _expense_row(**memo: Any) -> WorkflowExecutionInfo:
    return _memo(
        _row(
            DefinitionName=b'"expense_approval"',
            DefinitionVersion=b'"1.0.0"',
            PendingSteps=b'["vp_approval"]',
            WaitingOn=b'["group:vps"]',
        ),
        **memo,
    )


def test_the_memo_at_start_carries_the_starter_and_the_watched_steps() -> None:
    graph = expense_registry.get_graph("expense_approval", "1.0.0")
    assert listing_memo(graph, "alice") == {MEMO_STARTED_BY: "alice", MEMO_STEP_COMPLETERS: {"manager_approval": []}}
    review = review_registry.get_graph("document_review", "1.0.0")
    assert listing_memo(review, None) == {MEMO_STARTED_BY: None}  # no exclude_completers_of there


def test_the_row_carries_the_four_eyes_facts_of_the_memo() -> None:
    run = visible_run(_expense_row(**{MEMO_STARTED_BY: "alice", MEMO_STEP_COMPLETERS: {"manager_approval": ["bob"]}}))
    assert run.four_eyes == FourEyesFacts(True, "alice", {"manager_approval": ("bob",)})
    graph = graph_of(run, expense_registry)
    assert graph is not None
    [task] = tasks_from_visibility(run, graph) or []
    assert isinstance(task, ListedTask) and task.four_eyes == run.four_eyes
    by_code = visible_run(_expense_row(**{MEMO_STARTED_BY: None}))  # started by trusted code: known, nobody
    assert by_code.four_eyes == FourEyesFacts(True, None, {})


def test_a_row_without_or_with_malformed_facts_leaves_them_unknown() -> None:
    assert visible_run(_expense_row()).four_eyes is None  # started before runs published them
    odd = _expense_row(**{MEMO_STEP_COMPLETERS: {"manager_approval": "bob", "other": [1], "ok": ["x"]}})
    odd.memo.fields[MEMO_STARTED_BY].CopyFrom(Payload(metadata={"encoding": b"json/plain"}, data=b"{oops"))
    facts = visible_run(odd).four_eyes
    assert facts == FourEyesFacts(False, None, {"ok": ("x",)})
    too_many = _expense_row(**{MEMO_STEP_COMPLETERS: {"manager_approval": [f"u{i}" for i in range(101)]}})
    assert visible_run(too_many).four_eyes is None


async def test_encrypted_memo_entries_are_decrypted_for_the_page_or_unknown() -> None:
    codec = EncryptionCodec([EncryptionKey("k1", os.urandom(32))])
    info = _expense_row(**{MEMO_STARTED_BY: "alice", MEMO_STEP_COMPLETERS: {"manager_approval": []}})
    for key in (MEMO_STARTED_BY, MEMO_STEP_COMPLETERS):
        [sealed] = await codec.encode([info.memo.fields[key]])
        info.memo.fields[key].CopyFrom(sealed)
    assert visible_run(info).four_eyes is None  # not decodable without the codec
    [run] = await visible_runs([info], codec)
    assert run.four_eyes == FourEyesFacts(True, "alice", {"manager_approval": ()})
    other = EncryptionCodec([EncryptionKey("k2", os.urandom(32))])
    [unknown] = await visible_runs([info], other)
    assert unknown.four_eyes is None


def test_a_finished_status_is_matched_by_the_execution_status_too() -> None:
    # Runs with the lean-publish patch do not upsert InstanceStatus as they finish.
    assert (
        status_clause(WorkflowStatus.COMPLETED) == "(InstanceStatus = 'completed' OR ExecutionStatus IN ('Completed'))"
    )
    assert (
        status_clause(WorkflowStatus.FAILED)
        == "(InstanceStatus = 'failed' OR ExecutionStatus IN ('Failed', 'TimedOut'))"
    )
    assert status_clause(WorkflowStatus.CANCELED) == (
        "(InstanceStatus = 'canceled' OR ExecutionStatus IN ('Canceled', 'Terminated'))"
    )
    # A status a running instance has: only on a running run (a closed one keeps its last InstanceStatus).
    assert status_clause(WorkflowStatus.WAITING) == "InstanceStatus = 'waiting' AND ExecutionStatus = 'Running'"
