"""Fixtures of the fault-injection tests: a fresh cluster of real processes per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.harness import Cluster

FIGURES: list[tuple[str, dict[str, Any]]] = []
"""(test name, figures) of every fault test that ran, for the session summary."""


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    """Dev server (SQLite under ``tmp_path``), started; workers and gateway are up to the test."""
    stack = Cluster(tmp_path)
    await stack.start_server()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def record_figures(request: pytest.FixtureRequest) -> Any:
    """``record_figures(**values)`` prints a test's figures and keeps them for the summary."""

    def record(**values: Any) -> None:
        print(f"\nFIGURES {request.node.name}: {values}")
        FIGURES.append((request.node.name, values))

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print every fault test's figures at the end of the run."""
    if not FIGURES:
        return
    terminalreporter.section("fault injection figures")
    for name, values in FIGURES:
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
