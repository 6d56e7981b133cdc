"""Exceptions: the published constructor shapes and attributes next to ours, and one HTTP mapping."""

from __future__ import annotations

from uuid import uuid4

import pytest

import litestar_workflows.exceptions as errors
from api.problems import CATALOGUE
from litestar_workflows import LocalExecutionEngine, WorkflowRegistry
from litestar_workflows.temporal.contracts import error_details, error_from_details
from tests.compat.flows import ApprovalWorkflow


def test_published_shapes() -> None:
    cause = RuntimeError("disk full")
    failed = errors.StepExecutionError("save", cause=cause)
    assert (failed.step_name, failed.cause, failed.error) == ("save", cause, "disk full")
    assert errors.StepExecutionError("save", cause).cause is cause
    assert str(errors.StepExecutionError("save")) == "Step 'save' failed"

    moved = errors.InvalidTransitionError("a", "b", reason="not connected")
    assert (moved.from_step, moved.to_step, moved.reason) == ("a", "b", "not connected")
    assert str(moved) == "Invalid transition from 'a' to 'b': not connected"

    task = uuid4()
    missing = errors.TaskNotFoundError(task)
    assert missing.task_id == str(task) and str(task) in str(missing)
    assert isinstance(missing, KeyError) and isinstance(missing, ValueError)
    done = errors.TaskAlreadyCompletedError("inst/review")
    assert (done.task_id, done.instance_id, done.step_name) == ("inst/review", "inst", "review")
    refused = errors.UnauthorizedTaskError("inst/review", "mallory")
    assert (refused.task_id, refused.user_id, refused.step_name) == ("inst/review", "mallory", "review")
    assert errors.WorkflowInstanceNotFoundError(task).instance_id == str(task)


def test_our_shapes_still_work_and_carry_task_ids() -> None:
    missing = errors.TaskNotFoundError("inst", "ceo")
    assert str(missing) == "Workflow instance 'inst' has no step 'ceo'" and missing.task_id == "inst/ceo"
    done = errors.TaskAlreadyCompletedError("inst", "review", "bob")
    assert "already completed by 'bob'" in str(done) and done.task_id == "inst/review"
    refused = errors.UnauthorizedTaskError("inst", "review", "mallory", "only managers")
    assert refused.user_id == "mallory" and str(refused).endswith("only managers")
    failed = errors.StepExecutionError("save", "disk full")
    assert (failed.error, failed.cause) == ("disk full", None)
    stuck = errors.InvalidTransitionError("a", reason="no condition holds")
    assert str(stuck) == "No edge can be taken from step 'a': no condition holds" and stuck.to_step is None


def test_published_attributes_survive_the_temporal_round_trip() -> None:
    for error in (errors.TaskAlreadyCompletedError("inst", "review", "bob"), errors.TaskNotFoundError("x/y")):
        back = error_from_details(type(error).__name__, str(error), error_details(error))
        assert (type(back), back.task_id, str(back)) == (type(error), error.task_id, str(error))  # type: ignore[attr-defined]
    back = error_from_details("StepExecutionError", "boom", error_details(errors.StepExecutionError("s", "boom")))
    assert back.cause is None  # type: ignore[attr-defined]


def _sdk_errors() -> list[type[errors.WorkflowsError]]:
    found = [getattr(errors, name) for name in errors.__all__]
    return [c for c in found if isinstance(c, type) and issubclass(c, errors.WorkflowsError)]


@pytest.mark.parametrize("cls", _sdk_errors(), ids=lambda c: c.__name__)
def test_every_error_class_names_its_problem_once(cls: type[errors.WorkflowsError]) -> None:
    assert cls.problem_code in CATALOGUE, f"{cls.__name__}: no problem type {cls.problem_code!r} in api/problems.py"
    assert CATALOGUE[cls.problem_code].status == cls.http_status


async def test_an_unknown_step_is_also_a_value_error() -> None:
    registry = WorkflowRegistry()
    registry.register(ApprovalWorkflow)
    engine = LocalExecutionEngine(registry)
    instance = await engine.start_workflow(ApprovalWorkflow, initial_data={"amount": 5000})
    with pytest.raises(ValueError, match="no step 'ceo'"):
        await engine.complete_human_task(instance.id, "ceo", "bob", {"approved": True})
