"""What both engines do before they start an instance, in one place.

The definition is resolved (a name or a registered workflow class), the initial data is checked
for size and depth first (the schema checks recurse into it), then against the definition's
``input_schema`` and four-eyes options; the instance id follows from the business key. Nothing
is written before these pass, on either engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

from litestar_workflows.core.definition import WorkflowDefinition
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import InitialDataError
from litestar_workflows.rules import access
from litestar_workflows.rules.budgets import SizeBudgets, check_initial_data
from litestar_workflows.rules.spec import GraphSpec

__all__ = ["CheckedStart", "check_start", "instance_id_for"]


class CheckedStart(NamedTuple):
    """A start request that passed the checks.

    Attributes:
        workflow_name: The definition's name.
        version: The version asked for (``None``: the latest, which ``definition`` is).
        definition: The definition to run.
        graph: Its compiled graph.
    """

    workflow_name: str
    version: str | None
    definition: WorkflowDefinition
    graph: GraphSpec


def check_start(
    registry: WorkflowRegistry,
    budgets: SizeBudgets,
    workflow: str | type[Any],
    version: str | None,
    initial_data: Mapping[str, Any] | None,
    user_id: str | None,
) -> CheckedStart:
    """Resolve the definition and check ``initial_data`` for a start by ``user_id``.

    Raises:
        WorkflowNotFoundError: No such definition (version) in the registry.
        BudgetExceededError: The data is over its size budget.
        InputTooDeepError: The data nests deeper than allowed.
        InitialDataError: The data fails the definition's ``input_schema`` or four-eyes options.
    """
    workflow_name, version = registry.resolve(workflow, version)  # a workflow class: its name
    definition = registry.get_definition(workflow_name, version)
    graph = registry.get_graph(workflow_name, definition.version)
    # Size and depth first: the schema checks below recurse into the data.
    check_initial_data(budgets, dict(initial_data or {}))
    problems = access.start_errors(graph, dict(initial_data or {}), user_id)
    if problems:
        raise InitialDataError(workflow_name, problems)
    return CheckedStart(workflow_name, version, definition, graph)


def instance_id_for(workflow_name: str, business_key: str | None) -> str:
    """The id of a new instance: a business key names one instance of its definition forever
    (``<definition>/<business key>``); without one, a fresh UUID."""
    return f"{workflow_name}/{business_key}" if business_key else str(uuid.uuid4())
