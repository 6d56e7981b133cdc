"""Fixtures of the Temporal tests: an engine over the test definitions, on its own worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from temporalio.client import Client

from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import StartWorker
from tests.temporal import defs


@dataclass
class Harness:
    """An engine, its registry (shared with its worker) and its task queue."""

    engine: TemporalExecutionEngine
    registry: WorkflowRegistry
    task_queue: str
    client: Client


@pytest.fixture
async def harness(temporal_client: Client, start_temporal_worker: StartWorker) -> AsyncIterator[Harness]:
    """A fresh registry of :mod:`tests.temporal.defs` with a worker on a fresh task queue."""
    registry = defs.build_registry()
    async with start_temporal_worker(registry) as queue:
        engine = TemporalExecutionEngine(registry, temporal_client, queue, settle_timeout=20)
        yield Harness(engine, registry, queue, temporal_client)
