"""The quickstart is the contract: its programs run unchanged on our SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from litestar_workflows import WorkflowStatus

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "tests" / "fixtures" / "quickstart.md"
SEED = ROOT.parent / "shared" / "seed" / "quickstart.md"


def _lines() -> list[str]:
    return DOC.read_text(encoding="utf-8").splitlines(keepends=True)


def _block(start: str, end: str, *, inclusive: bool = False) -> str:
    """The doc's lines from the one starting with ``start`` up to (not incl.) the one starting with ``end``."""
    lines = _lines()
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    last = next(i for i in range(first + 1, len(lines)) if lines[i].startswith(end))
    return "".join(lines[first : last + 1 if inclusive else last])


def complete_example() -> str:
    """The "Complete Example" program, byte for byte."""
    return _block('"""Complete expense approval workflow example."""', "    asyncio.run(main())", inclusive=True)


def test_fixture_is_the_seed() -> None:
    if not SEED.exists():
        pytest.skip("shared/seed is not beside this checkout")
    assert DOC.read_bytes() == SEED.read_bytes()


def test_complete_example_runs_unchanged(tmp_path: Path) -> None:
    program = tmp_path / "complete_example.py"
    program.write_text(complete_example(), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3, run.stdout
    assert lines[0].startswith("Workflow started: ") and len(lines[0]) > len("Workflow started: ")
    assert lines[1] == "Current step: manager_approval"
    assert lines[2] == "Workflow completed with status: approved"


def _step_by_step() -> dict[str, Any]:
    source = "from datetime import datetime\n" + "".join(
        [
            _block("from litestar_workflows import BaseMachineStep, WorkflowContext", "The WorkflowContext provides"),
            _block("from litestar_workflows import BaseHumanStep", "When this step is reached"),
            _block("class ProcessResult(BaseMachineStep):", "Step 2: Create"),
            _block("from litestar_workflows import WorkflowDefinition, Edge", "Key concepts:"),
            _block("from litestar_workflows import WorkflowRegistry, LocalExecutionEngine", "The workflow will:"),
            _block("async def approve_expense(", "After the task is completed:"),
        ]
    )
    namespace: dict[str, Any] = {"__name__": "quickstart_steps"}
    compiled = compile(source, "quickstart_steps", "exec")
    # The trusted, checked-in documentation is executed here (test code only), never user input.
    exec(compiled, namespace)
    return namespace


async def test_step_by_step_snippets_approve() -> None:
    ns = _step_by_step()
    instance = await ns["submit_expense"]("alice@example.com", 250.0, "Conference fee")
    assert instance.status == WorkflowStatus.WAITING
    assert instance.current_step == "manager_approval"
    assert instance.context.get("submitted") is True
    assert instance.context.get("requires_vp_approval") is False
    await ns["approve_expense"](instance.id, "bob@example.com", True, "fine")
    assert instance.status == WorkflowStatus.COMPLETED
    assert instance.context.get("status") == "approved"
    record = instance.context.get_last_execution("manager_approval")
    assert record is not None and record.completed_by == "bob@example.com"


async def test_step_by_step_snippets_reject_and_invalid_amount() -> None:
    ns = _step_by_step()
    instance = await ns["submit_expense"]("alice@example.com", 9000.0, "Laptop")
    assert instance.context.get("requires_vp_approval") is True
    await ns["approve_expense"](instance.id, "bob@example.com", False, "too expensive")
    assert instance.context.get("status") == "rejected"
    assert instance.context.get("rejection_reason") == "too expensive"

    failed = await ns["submit_expense"]("alice@example.com", 0, "nothing")
    assert failed.status == WorkflowStatus.FAILED
    assert failed.failed_step == "submit_request"
    assert failed.error is not None and "Amount must be positive" in failed.error
