"""How the timer, webhook, gateway and group steps enter a graph.

:func:`expand_step_kinds` turns groups into their member steps and gateways, and adds a parallel
gateway's edges to its branches, when a definition is built; :func:`step_kind_fields` gives the
:class:`~litestar_workflows.rules.spec.StepSpec` fields of a timer, webhook or gateway;
:func:`step_kind_errors` says what is wrong with one. Everything after that (routing, waiting,
pausing) is in the rules, shared by both engines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from litestar_workflows.core.types import StepType
from litestar_workflows.rules.forms import check_form_schema
from litestar_workflows.steps.base import BaseStep
from litestar_workflows.steps.gateway import ExclusiveGateway, ParallelGateway
from litestar_workflows.steps.groups import ConditionalGroup, ParallelGroup, SequentialGroup, StepGroup
from litestar_workflows.steps.timer import TimerStep
from litestar_workflows.steps.webhook import WebhookStep

if TYPE_CHECKING:
    from litestar_workflows.core.context import WorkflowContext

__all__ = ["expand_step_kinds", "is_step_kind", "step_kind_errors", "step_kind_fields"]


class _Edge(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def condition(self) -> Any: ...


EdgeFactory = Callable[[str, str, Any], Any]


def is_step_kind(step: BaseStep) -> bool:
    """Whether ``step`` is one of the kinds of this module."""
    return isinstance(step, TimerStep | WebhookStep | ExclusiveGateway | ParallelGateway | StepGroup)


def step_kind_fields(step: BaseStep) -> dict[str, Any] | None:
    """The StepSpec fields (besides name, description, guard, implementation) of a timer, webhook
    or parallel gateway; ``None`` for other steps (an exclusive gateway adds ``gateway`` to a
    machine step's fields: it runs code with the machine step's retries and timeout)."""
    if isinstance(step, TimerStep):
        fixed = step.fixed_duration
        timing = {"timer_seconds": fixed.total_seconds()} if fixed is not None else {"timer_computed": True}
        return {"kind": StepType.TIMER, **_machine_fields(step), **timing}
    if isinstance(step, WebhookStep):
        return {"kind": StepType.WEBHOOK, "callback_key": step.callback_key, "form_schema": step.schema}
    if isinstance(step, ParallelGateway):
        return {"kind": StepType.GATEWAY, "gateway": "parallel"}
    if isinstance(step, ExclusiveGateway):
        return {"kind": StepType.GATEWAY, "gateway": "exclusive", **_machine_fields(step)}
    return None


def _machine_fields(step: TimerStep | ExclusiveGateway) -> dict[str, Any]:
    retry = step.retry_policy
    return {
        "max_attempts": retry.max_attempts,
        "initial_interval_seconds": retry.initial_interval.total_seconds(),
        "backoff_coefficient": retry.backoff_coefficient,
        "maximum_interval_seconds": retry.maximum_interval.total_seconds(),
        "non_retryable_errors": tuple(retry.non_retryable_errors),
        "timeout_seconds": step.timeout.total_seconds(),
    }


def step_kind_errors(key: str, step: BaseStep, steps: Mapping[str, BaseStep], edges: Sequence[_Edge]) -> list[str]:
    """Problems of the timer, webhook or gateway ``step`` (empty for other steps)."""
    errors: list[str] = []
    if isinstance(step, TimerStep):
        fixed = step.fixed_duration
        if fixed is not None and fixed.total_seconds() < 0:
            errors.append(f"timer step {key!r}: duration must not be negative")
        if fixed is None and not callable(step._duration):
            errors.append(f"timer step {key!r}: duration must be a timedelta or a function of the context")
    elif isinstance(step, WebhookStep):
        if not isinstance(step.callback_key, str) or not step.callback_key:
            errors.append(f"webhook step {key!r}: callback_key must be a non-empty string")
        if step.schema is not None:
            if not isinstance(step.schema, dict):
                errors.append(f"webhook step {key!r}: schema must be a JSON object")
            else:
                errors.extend(
                    f"webhook step {key!r}: schema is not a valid JSON Schema: {p}"
                    for p in check_form_schema(step.schema)
                )
    elif isinstance(step, ExclusiveGateway):
        if not callable(step.condition):
            errors.append(f"exclusive gateway {key!r}: condition must be a function of the context")
    elif isinstance(step, ParallelGateway):
        errors.extend(f"parallel gateway {key!r}: branch {b!r} is not a step" for b in step.branches if b not in steps)
    elif isinstance(step, StepGroup):
        errors.append(f"group {key!r} was not expanded (build the definition with WorkflowDefinition)")
    if isinstance(step, TimerStep | WebhookStep | ParallelGateway):
        for i, edge in enumerate(edges):
            if edge.source == key and callable(edge.condition):
                errors.append(
                    f"edge {i} ({edge.source!r} -> {edge.target!r}): a callable condition cannot follow a "
                    f"{step.step_type.value} step (no step code runs there); use a string condition"
                )
    return errors


@dataclass
class _BranchChooser:
    """The code of a conditional group's gateway: the entry step of the chosen branch."""

    condition: Callable[[WorkflowContext], str]
    entries: dict[str, str]
    otherwise: str

    def __call__(self, context: WorkflowContext) -> str:
        return self.entries.get(self.condition(context), self.otherwise)


class _Expansion:
    def __init__(self, make_edge: EdgeFactory) -> None:
        self.make_edge = make_edge
        self.steps: dict[str, BaseStep] = {}
        self.edges: list[Any] = []
        self.exits: dict[str, str] = {}

    def add(self, key: str, step: BaseStep) -> str:
        """Add ``step`` under ``key``; returns the step the group's outgoing edges leave from."""
        if not isinstance(step, StepGroup):
            self.steps[key] = step
            return key
        members = self._members(key, step)
        if isinstance(step, SequentialGroup):
            exit_ = key
            self.steps[key] = ParallelGateway(key, [], step.description)
            for member_key, member in members:
                self.edges.append(self.make_edge(exit_, member_key, None))
                exit_ = self.add(member_key, member)
            return exit_
        if isinstance(step, ParallelGroup):
            join = self._join(key, step.callback)
            self.steps[key] = ParallelGateway(key, [k for k, _ in members], step.description)
            for member_key, member in members:
                self.edges.append(self.make_edge(self.add(member_key, member), join, None))
            return self.add(join, step.callback) if step.callback is not None else join
        assert isinstance(step, ConditionalGroup)
        join = self._join(key, None)
        chooser = _BranchChooser(
            step.condition, {branch: k for (k, _), branch in zip(members, step.branches, strict=True)}, join
        )
        self.steps[key] = ExclusiveGateway(key, chooser, step.description)
        self.edges.append(self.make_edge(key, join, None))
        for member_key, member in members:
            self.edges.append(self.make_edge(key, member_key, None))
            self.edges.append(self.make_edge(self.add(member_key, member), join, None))
        return join

    def _members(self, key: str, group: StepGroup) -> list[tuple[str, BaseStep]]:
        if isinstance(group, ConditionalGroup):
            pairs = [(f"{key}.{branch}", member) for branch, member in group.branches.items()]
        elif isinstance(group, SequentialGroup | ParallelGroup):
            pairs = [(f"{key}.{i}", member) for i, member in enumerate(group.steps)]
        else:
            pairs = []
        return [
            (member.name if member.name and not isinstance(member, StepGroup) else k, member) for k, member in pairs
        ]

    def _join(self, key: str, callback: BaseStep | None) -> str:
        if callback is not None:
            return callback.name or f"{key}.callback"
        self.steps[f"{key}.join"] = ParallelGateway(f"{key}.join", [], f"join of {key}")
        return f"{key}.join"


def expand_step_kinds(
    steps: Mapping[str, BaseStep], edges: Sequence[_Edge], terminal_steps: set[str], make_edge: EdgeFactory
) -> tuple[dict[str, BaseStep], list[Any], set[str]]:
    """Expand groups into steps and edges, and give each parallel gateway its edges to its
    branches; a definition without groups or parallel gateways comes back unchanged."""
    if not any(isinstance(s, StepGroup | ParallelGateway) for s in steps.values()):
        return dict(steps), list(edges), set(terminal_steps)
    expansion = _Expansion(make_edge)
    exits = {key: expansion.add(key, step) for key, step in steps.items()}
    new_edges: list[Any] = list(expansion.edges)
    for edge in edges:
        source = exits.get(edge.source, edge.source)
        moved: Any = edge if source == edge.source else make_edge(source, edge.target, edge.condition)
        if getattr(edge, "send_back", False) and moved is not edge:
            moved = dataclasses.replace(moved, send_back=True)  # a send-back edge stays one from the group's exit
        new_edges.append(moved)
    present = {(e.source, e.target) for e in new_edges}
    for key, step in expansion.steps.items():
        if isinstance(step, ParallelGateway):
            for branch in step.branches:
                if (key, branch) not in present:
                    new_edges.append(make_edge(key, branch, None))
                    present.add((key, branch))
    terminals = {exits.get(name, name) for name in terminal_steps}
    return expansion.steps, new_edges, terminals
