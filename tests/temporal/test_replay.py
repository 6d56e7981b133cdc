"""Replay of recorded histories: a change to the workflow code that would break running
instances (non-determinism) fails here. Re-record with ``tests/fixtures/histories/record.py``
only when the change is meant to affect new instances only (and is guarded for old ones)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from litestar_workflows.temporal.contracts import DATA_CONVERTER
from worker import sandbox_runner
from workflows.interpreter import InterpreterWorkflow

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "histories").glob("*.json"))
TEXTS = {p.stem: p.read_text() for p in HISTORIES}


def test_fixtures_cover_the_examples() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"expense_small", "expense_large", "document_review", "employee_onboarding"} <= names
    assert {"expense_failed", "expense_canceled", "deadline", "document_review_escalated"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, TEXTS[path.stem])
    replayer = Replayer(
        workflows=[InterpreterWorkflow], workflow_runner=sandbox_runner(), data_converter=DATA_CONVERTER
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure!r}"
