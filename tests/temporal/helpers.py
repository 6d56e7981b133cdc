"""Helpers of the Temporal tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowExecutionDescription
from temporalio.common import SearchAttributeKey

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], within: float = 15.0) -> T:
    """Call ``probe`` until ``accept`` holds for its result (visibility is eventually consistent)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if accept(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within}s; last value: {value!r}")
        await asyncio.sleep(0.2)


async def history_length(client: Client, workflow_id: str) -> int:
    """Number of events in the workflow's history (all runs of the current chain's last run)."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return len(history.events)


async def describe(client: Client, workflow_id: str) -> WorkflowExecutionDescription:
    """Describe the workflow."""
    return await client.get_workflow_handle(workflow_id).describe()


def attribute(description: WorkflowExecutionDescription, key: SearchAttributeKey[Any]) -> Any:
    """A search attribute value from a description (``None`` when unset)."""
    return description.typed_search_attributes.get(key)


async def current_details(client: Client, workflow_id: str) -> str:
    """The workflow's current details, as the Web UI reads them (built-in metadata query)."""
    metadata = await client.get_workflow_handle(workflow_id).query(
        "__temporal_workflow_metadata", result_type=WorkflowMetadata
    )
    return str(metadata.current_details)


async def payload_sizes(client: Client, workflow_id: str) -> dict[str, list[int]]:
    """Bytes of each update result (``"update"``) and each activity input (by activity type)
    written into the current run's history, in order."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    sizes: dict[str, list[int]] = {}
    for event in history.events:
        if event.HasField("workflow_execution_update_completed_event_attributes"):
            outcome = event.workflow_execution_update_completed_event_attributes.outcome
            sizes.setdefault("update", []).append(sum(len(p.data) for p in outcome.success.payloads))
        elif event.HasField("activity_task_scheduled_event_attributes"):
            scheduled = event.activity_task_scheduled_event_attributes
            kind = scheduled.activity_type.name
            sizes.setdefault(kind, []).append(sum(len(p.data) for p in scheduled.input.payloads))
    return sizes


async def patch_ids(client: Client, workflow_id: str) -> list[str]:
    """The ``workflow.patched`` ids whose markers the workflow's current run recorded, in order."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    markers = [
        e.marker_recorded_event_attributes for e in history.events if e.HasField("marker_recorded_event_attributes")
    ]
    return [json.loads(m.details["patch-data"].payloads[0].data)["id"] for m in markers if "patch-data" in m.details]
