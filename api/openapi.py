"""Finishing touches on the OpenAPI document Litestar generates.

* The gateway's model schemas are replaced by pydantic's own JSON Schema of the same models:
  Litestar's rendering drops constraints inside optional fields (``pattern``), the
  ``additionalProperties: false`` of request bodies that reject unknown fields, and model
  examples. Property descriptions come from the models' ``Attributes:`` docstring sections.
* Each human step's form schema becomes a component, ``<definition>.<version>.<step>.Form``.
"""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import models, task_models
from api.problems import FieldProblem, Problem
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.rules.spec import GraphSpec

__all__ = ["form_component_name", "form_schemas", "model_schemas"]

logger = logging.getLogger("api")

_REQUESTS: tuple[type[BaseModel], ...] = (
    models.StartInstanceRequest,
    models.CompleteTaskRequest,
    models.CancelInstanceRequest,
    task_models.TaskOperationRequest,
    task_models.ReassignRequest,
    task_models.DelegateRequest,
    task_models.SendBackRequest,
    task_models.CommentRequest,
)
_RESPONSES: tuple[type[BaseModel], ...] = (
    models.AcceptedView,
    models.DefinitionSummary,
    models.DefinitionView,
    models.DevToken,
    models.GraphView,
    models.HealthView,
    models.InstanceList,
    models.InstanceView,
    models.ReadyView,
    models.TaskList,
    models.TaskView,
    task_models.TaskRecordView,
    Problem,
    FieldProblem,
)
_ATTRIBUTE = re.compile(r"^(\w+):\s*(.*)$")


def _split_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(summary, {attribute: description}) of a Google-style class docstring."""
    lines = [line.rstrip() for line in inspect.cleandoc(doc).splitlines()]
    summary: list[str] = []
    attributes: dict[str, str] = {}
    current: str | None = None
    in_attributes = False
    for line in lines:
        stripped = line.strip()
        if stripped == "Attributes:":
            in_attributes = True
            continue
        if not in_attributes:
            summary.append(stripped)
            continue
        match = _ATTRIBUTE.match(stripped)
        if match and line.startswith(" " * 4) and not line.startswith(" " * 8):
            current = match.group(1)
            attributes[current] = match.group(2)
        elif current is not None and stripped:
            attributes[current] += " " + stripped
    return " ".join(s for s in summary if s).strip(), attributes


def _describe(schema: dict[str, Any], model: type[BaseModel]) -> None:
    summary, attributes = _split_docstring(model.__doc__ or "")
    schema["description"] = summary
    for name, prop in schema.get("properties", {}).items():
        if name in attributes and isinstance(prop, dict):
            prop.setdefault("description", attributes[name])
            prop.pop("title", None)


def model_schemas() -> dict[str, dict[str, Any]]:
    """Component schemas of the gateway's models, by model name."""
    pairs = [(m, "validation") for m in _REQUESTS] + [(m, "serialization") for m in _RESPONSES]
    _, top = models_json_schema(pairs, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    found: dict[str, dict[str, Any]] = top.get("$defs", {})
    by_name = {m.__name__: m for m in (*_REQUESTS, *_RESPONSES)}
    for name, schema in found.items():
        if name in by_name:
            _describe(schema, by_name[name])
    return found


def form_component_name(graph: GraphSpec, step_name: str) -> str:
    """Component name of a human step's form schema: ``<definition>.<version>.<step>.Form``."""
    raw = f"{graph.name}.{graph.version}.{step_name}.Form"
    # Component names allow only [A-Za-z0-9._-].
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in raw)


def _has_ref(value: Any) -> bool:
    if isinstance(value, dict):
        return "$ref" in value or any(_has_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_ref(v) for v in value)
    return False


def form_schemas(registry: WorkflowRegistry) -> dict[str, dict[str, Any]]:
    """One component per human step form of every registered definition version."""
    found: dict[str, dict[str, Any]] = {}
    for definition in registry.list_definitions():
        graph = registry.get_graph(definition.name, definition.version)
        for step in graph.steps:
            if not step.is_human or step.form_schema is None:
                continue
            if _has_ref(step.form_schema):
                # Its local "$ref"s would resolve against the OpenAPI document; tasks carry it intact.
                logger.info("form schema of %s.%s uses $ref; not added as a component", graph.name, step.name)
                continue
            form = {k: v for k, v in step.form_schema.items() if k not in ("$schema", "$id")}
            form.setdefault("title", step.title or step.name)
            form.setdefault(
                "description",
                f"Form of human step `{step.name}` of `{graph.name}` {graph.version}: the `data` of "
                f"`POST /tasks/{{instance_id}}/{step.name}/complete`.",
            )
            found[form_component_name(graph, step.name)] = form
    return found
