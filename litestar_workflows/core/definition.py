"""Edges and workflow definitions: what users write, and how a definition becomes what the rules run.

:func:`compile_definition` is the one place that reads step objects (their classes and
attributes); the rules in :mod:`litestar_workflows.rules` only ever see the frozen
:class:`~litestar_workflows.rules.spec.GraphSpec` it returns.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from litestar_workflows.core.types import StepType
from litestar_workflows.rules.conditions import check_condition, evaluate_condition
from litestar_workflows.rules.forms import check_form_schema
from litestar_workflows.rules.machine import select_targets
from litestar_workflows.rules.spec import EdgeSpec, GraphSpec, StepSpec, is_semver, to_mermaid
from litestar_workflows.steps.base import BaseHumanStep, BaseMachineStep, BaseStep
from litestar_workflows.steps.kinds import expand_step_kinds, is_step_kind, step_kind_errors, step_kind_fields
from litestar_workflows.steps.task_edges import task_edge_errors
from litestar_workflows.steps.task_options import task_option_errors, task_option_fields

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["Condition", "Edge", "WorkflowDefinition", "compile_definition", "validate_definition"]

Condition = Union[str, "Callable[[WorkflowContext], bool]", None]
"""An edge condition: a safe expression over the data, or a pure callable ``context -> bool``."""


StepRef: TypeAlias = str | BaseStep | type[BaseStep]
"""How an edge names a step: its key in ``steps``, the step object, or (as in 0.3.3) its class."""


def _step_name(ref: StepRef) -> str:
    return ref if isinstance(ref, str) else (getattr(ref, "name", "") or "")


def _resolve(ref: StepRef, steps: Mapping[str, BaseStep]) -> str:
    """The key in ``steps`` that ``ref`` names: a string is a key; a step object is found by
    identity, a class by being the one step of that class; else the object's own ``name``."""
    if isinstance(ref, str):
        return ref
    if isinstance(ref, type):
        keys = [k for k, s in steps.items() if type(s) is ref]
    else:
        keys = [k for k, s in steps.items() if s is ref]
    return keys[0] if len(keys) == 1 else _step_name(ref)


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
        send_back: A "request changes" edge from a human step: followed only when a participant
            sends the task back (with a comment), never when the task is completed; it takes
            no condition.

    A step object or class is resolved to its key in ``steps`` when the definition is built
    (a class must then be the class of exactly one step); ``source``/``target`` are names.
    """

    source: str
    target: str
    condition: Condition = None
    send_back: bool = False

    def __init__(
        self,
        source: str | BaseStep | type[BaseStep],
        target: str | BaseStep | type[BaseStep],
        condition: Condition = None,
        *,
        send_back: bool = False,
    ) -> None:
        object.__setattr__(self, "source", _step_name(source))
        object.__setattr__(self, "target", _step_name(target))
        object.__setattr__(self, "condition", condition)
        object.__setattr__(self, "send_back", send_back)
        # The references as given (not fields: equality and the graph only see names).
        object.__setattr__(self, "_refs", (source, target))

    def resolved(self, steps: Mapping[str, BaseStep]) -> Edge:
        """This edge with step objects/classes resolved to their keys in ``steps``."""
        refs: tuple[StepRef, StepRef] = getattr(self, "_refs", (self.source, self.target))
        source, target = _resolve(refs[0], steps), _resolve(refs[1], steps)
        if (source, target) == (self.source, self.target):
            return self
        return Edge(source, target, self.condition, send_back=self.send_back)

    def evaluate_condition(self, context: WorkflowContext) -> bool:
        """Whether the edge is taken for ``context``: ``None`` always; a string expression
        through the safe evaluator over ``context.data``; a callable called with ``context``.

        Raises:
            ValueError: The expression names something not in the data, or fails to evaluate
                (0.3.3 answered ``True`` for any string; here a typo surfaces).
        """
        if self.condition is None:
            return True
        if isinstance(self.condition, str):
            return evaluate_condition(self.condition, context.data)
        return bool(self.condition(context))

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
        steps: Step name to step instance. The key is the step's name in the graph: a step
            whose own ``name`` is unset or differs is stored as a shallow copy named by the key
            (the object you passed is not changed).
        edges: Transitions between steps.
        initial_step: Step executed first.
        terminal_steps: Steps that end their branch; the instance completes when every
            branch has ended.
        input_schema: JSON Schema the initial data must satisfy; checked at start, every failing
            field reported (``None``: any JSON object).
        visible_to_groups: Groups that may read every instance, beyond its participants (see
            :mod:`litestar_workflows.rules.access`).
    """

    name: str
    version: str
    description: str = ""
    steps: dict[str, BaseStep] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    initial_step: str = ""
    terminal_steps: set[str] = field(default_factory=set)
    input_schema: dict[str, Any] | None = None
    visible_to_groups: Sequence[str] = ()

    def __post_init__(self) -> None:
        # Defensive copies: a registered definition must not change under a running instance.
        given = dict(self.steps)  # edges naming a step object resolve by identity against these
        self.steps = {key: _named(key, step) for key, step in given.items()}
        self.edges = [e.resolved(given) if isinstance(e, Edge) else e for e in self.edges]
        self.terminal_steps = set(self.terminal_steps)
        # Groups become their member steps; parallel gateways get their branch edges.
        self.steps, self.edges, self.terminal_steps = expand_step_kinds(
            self.steps, self.edges, self.terminal_steps, Edge
        )

    def validate(self) -> list[str]:
        """Every problem of the definition, one sentence each (empty when it is valid)."""
        return validate_definition(self)

    def get_next_steps(self, current_step: str, context: WorkflowContext) -> list[str]:
        """Steps the edges leaving ``current_step`` lead to for ``context`` (each once, in edge order).

        Raises:
            ConditionError: A condition could not be evaluated.
        """
        graph = compile_definition(self)

        def call(edge: EdgeSpec, data: Mapping[str, Any]) -> bool:
            condition = self.edges[edge.index].condition
            return bool(condition(context)) if callable(condition) else False

        return select_targets(graph, current_step, context.data, call)

    def to_mermaid(self) -> str:
        """Mermaid flowchart source of the graph."""
        return to_mermaid(compile_definition(self))

    def to_mermaid_with_state(
        self,
        current_step: str | None = None,
        completed_steps: Collection[str] | None = None,
        failed_steps: Collection[str] | None = None,
    ) -> str:
        """:meth:`to_mermaid` with steps coloured: completed (green), failed (red), current (blue)."""
        lines = [to_mermaid(compile_definition(self))]
        styles = (
            ("completed", completed_steps or (), "fill:#d4edda,stroke:#28a745"),
            ("failed", failed_steps or (), "fill:#f8d7da,stroke:#dc3545"),
            ("current", [current_step] if current_step else (), "fill:#cce5ff,stroke:#007bff,stroke-width:3px"),
        )
        for name, steps, style in styles:
            known = [s for s in steps if s in self.steps]
            if known:
                lines.append(f"    classDef {name} {style}")
                lines.append(f"    class {','.join(known)} {name}")
        return "\n".join(lines)

    def get_step(self, name: str) -> BaseStep:
        """Return the step called ``name``.

        Raises:
            KeyError: There is no such step.
        """
        return self.steps[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible description of the definition (its graph snapshot)."""
        return compile_definition(self).to_dict()


def _named(key: str, step: BaseStep) -> BaseStep:
    """``step`` if it is called ``key``, else a shallow copy that is (0.3.3 routes by key)."""
    if getattr(step, "name", None) == key or not isinstance(step, BaseStep):
        return step  # not a step at all: validation reports it
    renamed = copy.copy(step)
    renamed.name = key
    return renamed


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
        kind_fields = step_kind_fields(step)
        if kind_fields is not None:
            steps.append(StepSpec(**kind_fields, **common))
        elif isinstance(step, BaseHumanStep):
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
                    exclude_starter=bool(step.exclude_starter),
                    exclude_completers_of=tuple(step.exclude_completers_of),
                    assignee_not_starter=bool(step.assignee_not_starter),
                    **task_option_fields(step),
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
            send_back=bool(getattr(e, "send_back", False)),
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
        input_schema=definition.input_schema,
        visible_to_groups=tuple(definition.visible_to_groups),
    )


def validate_definition(definition: WorkflowDefinition) -> list[str]:
    """Return every problem of ``definition`` (empty when it is valid)."""
    errors: list[str] = []
    steps = definition.steps
    if not definition.name:
        errors.append("name must not be empty")
    if not is_semver(definition.version):
        errors.append(f"version {definition.version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    for key in steps:
        if not isinstance(key, str) or not key or "/" in key:
            errors.append(f"step key {key!r} must be a non-empty string without '/' (task ids are <instance>/<step>)")
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
    errors.extend(task_edge_errors(steps, definition.edges))
    for key, step in steps.items():
        errors.extend(step_kind_errors(key, step, steps, definition.edges))
        if isinstance(step, BaseHumanStep):
            if step.form_schema is not None:
                if not isinstance(step.form_schema, dict):
                    errors.append(f"human step {key!r}: form_schema must be a JSON object")
                else:
                    for problem in check_form_schema(step.form_schema):
                        errors.append(f"human step {key!r}: form_schema is not a valid JSON Schema: {problem}")
            if (step.deadline is None) != (step.on_deadline is None and step.default_decision is None):
                errors.append(f"human step {key!r}: deadline and on_deadline must be set together")
            errors.extend(task_option_errors(key, step))
            if step.on_deadline is not None and step.on_deadline not in steps:
                errors.append(f"human step {key!r}: on_deadline {step.on_deadline!r} is not a step")
            if step.deadline is not None and step.deadline.total_seconds() <= 0:
                errors.append(f"human step {key!r}: deadline must be positive")
            for earlier in step.exclude_completers_of:
                if not isinstance(steps.get(earlier), BaseHumanStep):
                    errors.append(f"human step {key!r}: exclude_completers_of names {earlier!r}, not a human step")
            if step.assignee_not_starter and not step.assignee_key:
                errors.append(f"human step {key!r}: assignee_not_starter needs an assignee_key")
        elif isinstance(step, BaseMachineStep):
            if step.retry_policy.max_attempts < 1:
                errors.append(f"machine step {key!r}: retry_policy.max_attempts must be at least 1")
            if step.timeout.total_seconds() <= 0:
                errors.append(f"machine step {key!r}: timeout must be positive")
        elif not is_step_kind(step):
            errors.append(f"step {key!r} must derive from BaseMachineStep or BaseHumanStep")
    if definition.input_schema is not None:
        if not isinstance(definition.input_schema, dict):
            errors.append("input_schema must be a JSON object")
        else:
            problems = check_form_schema(definition.input_schema)
            errors.extend(f"input_schema is not a valid JSON Schema: {p}" for p in problems)
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
