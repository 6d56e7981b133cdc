"""Edges and workflow definitions: what users write, and how a definition becomes what the rules run.

:func:`compile_definition` is the one place that reads step objects (their classes and
attributes); the rules in :mod:`litestar_workflows.rules` only ever see the frozen
:class:`~litestar_workflows.rules.spec.GraphSpec` it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from litestar_workflows.core.types import StepType
from litestar_workflows.rules.conditions import check_condition
from litestar_workflows.rules.forms import check_form_schema
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec, is_semver
from litestar_workflows.steps.base import BaseHumanStep, BaseMachineStep, BaseStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["Condition", "Edge", "WorkflowDefinition", "compile_definition", "validate_definition"]

Condition = Union[str, "Callable[[WorkflowContext], bool]", None]
"""An edge condition: a safe expression over the data, or a pure callable ``context -> bool``."""


def _step_name(ref: str | BaseStep | type[BaseStep]) -> str:
    return ref if isinstance(ref, str) else ref.name


@dataclass(frozen=True, init=False)
class Edge:
    """A transition from ``source`` to ``target``, taken when ``condition`` holds.

    Every outgoing edge whose condition holds is taken; two or more start parallel
    branches.

    Args:
        source: Source step name (or step / step class).
        target: Target step name (or step / step class).
        condition: ``None`` (always), a string expression such as ``"amount > 5000"``
            evaluated over the instance data, or a pure callable ``context -> bool``.
    """

    source: str
    target: str
    condition: Condition = None

    def __init__(
        self,
        source: str | BaseStep | type[BaseStep],
        target: str | BaseStep | type[BaseStep],
        condition: Condition = None,
    ) -> None:
        object.__setattr__(self, "source", _step_name(source))
        object.__setattr__(self, "target", _step_name(target))
        object.__setattr__(self, "condition", condition)

    def get_source_name(self) -> str:
        """Name of the source step."""
        return self.source

    def get_target_name(self) -> str:
        """Name of the target step."""
        return self.target


@dataclass
class WorkflowDefinition:
    """A workflow: its steps, the edges between them, where it starts and ends.

    Attributes:
        name: Definition name (also the prefix of instance ids on Temporal).
        version: Semantic version, e.g. ``"1.2.0"``.
        description: Human-readable description.
        steps: Step name to step instance; each key must equal the step's ``name``.
        edges: Transitions between steps.
        initial_step: Step executed first.
        terminal_steps: Steps that end their branch; the instance completes when every
            branch has ended.
    """

    name: str
    version: str
    description: str = ""
    steps: dict[str, BaseStep] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    initial_step: str = ""
    terminal_steps: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        # Defensive copies: a registered definition must not change under a running instance.
        self.steps = dict(self.steps)
        self.edges = list(self.edges)
        self.terminal_steps = set(self.terminal_steps)

    def get_step(self, name: str) -> BaseStep:
        """Return the step called ``name``.

        Raises:
            KeyError: There is no such step.
        """
        return self.steps[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible description of the definition (its graph snapshot)."""
        return compile_definition(self).to_dict()


def _callable_name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def compile_definition(definition: WorkflowDefinition) -> GraphSpec:
    """Snapshot ``definition`` (the input a Temporal instance carries)."""
    steps: list[StepSpec] = []
    for key, step in definition.steps.items():
        common: dict[str, Any] = {
            "name": key,
            "description": step.description or "",
            "has_guard": step.has_guard,
            "implementation": f"{type(step).__module__}.{type(step).__qualname__}",
        }
        if isinstance(step, BaseHumanStep):
            steps.append(
                StepSpec(
                    kind=StepType.HUMAN,
                    title=step.title or key,
                    form_schema=step.form_schema,
                    assignee=step.assignee,
                    assignee_key=step.assignee_key,
                    candidate_groups=tuple(step.candidate_groups),
                    deadline_seconds=step.deadline.total_seconds() if step.deadline else None,
                    on_deadline=step.on_deadline,
                    **common,
                )
            )
        else:
            retry = step.retry_policy if isinstance(step, BaseMachineStep) else BaseMachineStep.retry_policy
            timeout = step.timeout if isinstance(step, BaseMachineStep) else BaseMachineStep.timeout
            steps.append(
                StepSpec(
                    kind=StepType.MACHINE,
                    max_attempts=retry.max_attempts,
                    initial_interval_seconds=retry.initial_interval.total_seconds(),
                    backoff_coefficient=retry.backoff_coefficient,
                    maximum_interval_seconds=retry.maximum_interval.total_seconds(),
                    non_retryable_errors=tuple(retry.non_retryable_errors),
                    timeout_seconds=timeout.total_seconds(),
                    **common,
                )
            )
    edges = tuple(
        EdgeSpec(
            index=i,
            source=e.source,
            target=e.target,
            expression=e.condition if isinstance(e.condition, str) else None,
            callable_name=_callable_name(e.condition) if callable(e.condition) else None,
        )
        for i, e in enumerate(definition.edges)
    )
    return GraphSpec(
        name=definition.name,
        version=definition.version,
        description=definition.description or "",
        steps=tuple(steps),
        edges=edges,
        initial_step=definition.initial_step,
        terminal_steps=tuple(sorted(definition.terminal_steps)),
    )


def validate_definition(definition: WorkflowDefinition) -> list[str]:
    """Return every problem of ``definition`` (empty when it is valid)."""
    errors: list[str] = []
    steps = definition.steps
    if not definition.name:
        errors.append("name must not be empty")
    if not is_semver(definition.version):
        errors.append(f"version {definition.version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    for key, step in steps.items():
        if key != step.name:
            errors.append(f"step key {key!r} differs from the step's name {step.name!r}")
    if definition.initial_step not in steps:
        errors.append(f"initial step {definition.initial_step!r} is not in steps")
    for name in sorted(definition.terminal_steps):
        if name not in steps:
            errors.append(f"terminal step {name!r} is not in steps")
    for i, edge in enumerate(definition.edges):
        for end, ref in (("source", edge.source), ("target", edge.target)):
            if ref not in steps:
                errors.append(f"edge {i} ({edge.source!r} -> {edge.target!r}): {end} {ref!r} is not a step")
        if isinstance(edge.condition, str):
            reason = check_condition(edge.condition)
            if reason:
                errors.append(f"edge {i} ({edge.source!r} -> {edge.target!r}): condition {edge.condition!r}: {reason}")
        elif edge.condition is not None and not callable(edge.condition):
            errors.append(f"edge {i} ({edge.source!r} -> {edge.target!r}): condition must be a string or a callable")
    for key, step in steps.items():
        if isinstance(step, BaseHumanStep):
            if step.form_schema is not None:
                if not isinstance(step.form_schema, dict):
                    errors.append(f"human step {key!r}: form_schema must be a JSON object")
                else:
                    for problem in check_form_schema(step.form_schema):
                        errors.append(f"human step {key!r}: form_schema is not a valid JSON Schema: {problem}")
            if (step.deadline is None) != (step.on_deadline is None):
                errors.append(f"human step {key!r}: deadline and on_deadline must be set together")
            if step.on_deadline is not None and step.on_deadline not in steps:
                errors.append(f"human step {key!r}: on_deadline {step.on_deadline!r} is not a step")
            if step.deadline is not None and step.deadline.total_seconds() <= 0:
                errors.append(f"human step {key!r}: deadline must be positive")
        elif isinstance(step, BaseMachineStep):
            if step.retry_policy.max_attempts < 1:
                errors.append(f"machine step {key!r}: retry_policy.max_attempts must be at least 1")
            if step.timeout.total_seconds() <= 0:
                errors.append(f"machine step {key!r}: timeout must be positive")
        else:
            errors.append(f"step {key!r} must derive from BaseMachineStep or BaseHumanStep")
    if errors:
        # The graph checks below assume the references above are sound.
        return errors
    spec = compile_definition(definition)
    reachable = {definition.initial_step} | spec.reachable_from(definition.initial_step)
    for name in steps:
        if name not in reachable:
            errors.append(f"step {name!r} is unreachable from the initial step {definition.initial_step!r}")
    for name in steps:
        if name not in definition.terminal_steps and not spec.outgoing(name):
            errors.append(f"non-terminal step {name!r} has no outgoing edge")
        if name in definition.terminal_steps and spec.outgoing(name):
            errors.append(f"terminal step {name!r} has outgoing edges (a terminal step ends its branch)")
    if not definition.terminal_steps & reachable:
        errors.append("no terminal step is reachable from the initial step")
    return errors
