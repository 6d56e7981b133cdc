"""The payload converter is machinery, not a contract: for every payload of every recorded
history, it encodes the decoded value to the very bytes Temporal's default converter does, and
decodes it to an equal value (so clients and workers with the default converter interoperate,
and a replayed history sees the payloads it recorded). The graph snapshot a worker decodes for
each instance is decoded once and shared."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from activities.events import EventActivities
from activities.steps import StepActivities
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState
from litestar_workflows.temporal.contracts import DATA_CONVERTER, InterpreterInput
from workflows.interpreter import InterpreterWorkflow

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "histories").glob("*.json"))
DEFAULT = DataConverter.default.payload_converter
OURS = DATA_CONVERTER.payload_converter

_WORKFLOW = workflow._Definition.must_from_class(InterpreterWorkflow)
_ACTIVITIES = {
    d.name: d
    for d in (
        activity._Definition.must_from_callable(fn)
        for cls in (StepActivities, EventActivities)
        for fn in vars(cls).values()
        if activity._Definition.from_callable(fn) is not None
    )
}


def _payload(raw: dict[str, Any]) -> Payload:
    return Payload(
        metadata={k: base64.b64decode(v) for k, v in raw.get("metadata", {}).items()},
        data=base64.b64decode(raw.get("data", "")),
    )


def _args(payloads: dict[str, Any], hints: list[Any] | None) -> Iterator[tuple[dict[str, Any], Any]]:
    """Each argument payload with its hint (handlers take one argument each)."""
    return zip(payloads.get("payloads", []), hints or [], strict=False)


def _typed_payloads(events: list[dict[str, Any]]) -> Iterator[tuple[str, Any, Payload]]:
    """(where, type hint, payload) of every payload whose type the event tells."""
    updates: dict[str, str] = {}
    activities: dict[str, str] = {}
    for event in events:
        kind = event["eventType"].removeprefix("EVENT_TYPE_").lower()
        attrs: dict[str, Any] = next((v for k, v in event.items() if k.endswith("Attributes")), {})
        if kind in ("workflow_execution_started", "workflow_execution_continued_as_new"):
            for raw in attrs.get("input", {}).get("payloads", []):
                yield kind, InterpreterInput, _payload(raw)
        elif kind == "workflow_execution_completed":
            for raw in attrs.get("result", {}).get("payloads", []):
                yield kind, InstanceState, _payload(raw)
        elif kind == "workflow_execution_update_accepted":
            request = attrs["acceptedRequest"]
            name = request["input"]["name"]
            updates[attrs["protocolInstanceId"]] = name
            for raw, hint in _args(request["input"].get("args", {}), _WORKFLOW.updates[name].arg_types):
                yield f"update {name}", hint, _payload(raw)
        elif kind == "workflow_execution_update_completed":
            name = updates.get(attrs["meta"]["updateId"])
            success = attrs.get("outcome", {}).get("success")
            if name is not None and success:
                for raw in success.get("payloads", []):
                    yield f"update {name} result", _WORKFLOW.updates[name].ret_type, _payload(raw)
        elif kind == "workflow_execution_signaled":
            name = attrs["signalName"]
            for raw, hint in _args(attrs.get("input", {}), _WORKFLOW.signals[name].arg_types):
                yield f"signal {name}", hint, _payload(raw)
        elif kind == "activity_task_scheduled":
            name = attrs["activityType"]["name"]
            activities[event["eventId"]] = name
            for raw, hint in _args(attrs.get("input", {}), _ACTIVITIES[name].arg_types):
                yield f"activity {name}", hint, _payload(raw)
        elif kind == "activity_task_completed":
            name = activities[attrs["scheduledEventId"]]
            for raw in attrs.get("result", {}).get("payloads", []):
                yield f"activity {name} result", _ACTIVITIES[name].ret_type, _payload(raw)


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_recorded_payloads_encode_and_decode_as_the_default_converter_does(path: Path) -> None:
    events = json.loads(path.read_text())["events"]
    seen = 0
    for where, hint, payload in _typed_payloads(events):
        value = DEFAULT.from_payloads([payload], [hint])[0]
        assert OURS.from_payloads([payload], [hint])[0] == value, where
        assert OURS.to_payloads([value])[0].data == DEFAULT.to_payloads([value])[0].data, where
        seen += 1
    assert seen >= 2  # at least the workflow's input and one more


def test_a_graph_snapshot_is_decoded_once_and_shared() -> None:
    path = next(p for p in HISTORIES if p.stem == "expense_small")
    started = json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = _payload(started["input"]["payloads"][0])
    first, second = (OURS.from_payloads([payload], [InterpreterInput])[0] for _ in range(2))
    assert isinstance(first.graph, GraphSpec)
    assert first is not second and first.graph is second.graph  # the inputs are separate, the snapshot shared
    assert first.graph.fingerprint() == DEFAULT.from_payloads([payload], [InterpreterInput])[0].graph.fingerprint()
