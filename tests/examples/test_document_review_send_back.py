"""The document review example's send-back edges: the reviewer sends the document back to its
author with a comment; the workers of instances started before the edges still serve them."""

from __future__ import annotations

import dataclasses

import pytest

import examples
from examples.document_review import build_document_review
from litestar_workflows import LocalExecutionEngine, WorkflowStatus
from litestar_workflows.core.definition import compile_definition
from litestar_workflows.exceptions import TaskOperationNotAllowedError
from litestar_workflows.rules.spec import EdgeSpec

DOC = {"title": "Travel policy", "author_id": "alice", "reviewer_id": "bob", "category": "howto"}


async def test_the_reviewer_sends_the_document_back_to_its_author() -> None:
    engine = LocalExecutionEngine(examples.registry)
    instance = await engine.start_workflow("document_review", initial_data=DOC, user_id="alice")
    assert instance.pending_steps == ["review"]
    with pytest.raises(TaskOperationNotAllowedError):  # only the assigned reviewer may, not the author
        await engine.send_back_task(instance.id, "review", "alice", "looks fine to me")
    view = await engine.send_back_task(instance.id, "review", "bob", "Section 2 needs the new per-diem rates")
    assert [t.assignee for t in view.pending_tasks] == ["alice"] and view.pending_steps == ["revise"]
    assert "decision" not in view.context.data  # sent back without the form
    await engine.complete_human_task(instance.id, "revise", "alice", {"changes": "rates added"})
    done = await engine.complete_human_task(instance.id, "review", "bob", {"decision": "approve"})
    assert done.status == WorkflowStatus.COMPLETED and done.context.data["status"] == "published"
    decided = [(d.user_id, d.outcome) for d in done.tasks.decisions]
    assert decided == [("bob", "sent back"), ("alice", "completed"), ("bob", "completed")]


def test_the_send_back_edges_leave_the_fingerprint_running_instances_need() -> None:
    definition = build_document_review()
    with_edges = compile_definition(definition)
    without = dataclasses.replace(with_edges, edges=tuple(e for e in with_edges.edges if not e.send_back))
    assert len(without.edges) == len(with_edges.edges) - 2
    assert with_edges.fingerprint() == without.fingerprint()  # workers serve instances started before
    assert with_edges.full_fingerprint() != without.fingerprint()
    # One inserted before other edges shifts their indexes (callable conditions are found by index).
    shifted = tuple(dataclasses.replace(e, index=e.index + 1) for e in without.edges)
    inserted = dataclasses.replace(without, edges=(EdgeSpec(0, "review", "revise", send_back=True), *shifted))
    assert inserted.fingerprint() != without.fingerprint()
