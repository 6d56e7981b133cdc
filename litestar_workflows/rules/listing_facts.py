"""The four-eyes facts of an instance that a listing row carries, so the inbox's ``can_complete``
hint needs no query per workflow (issue #10).

The four-eyes options (``exclude_starter``, ``assignee_not_starter``, ``exclude_completers_of``)
need the instance's starter and who decided the steps some step's ``exclude_completers_of``
names. On Temporal a run publishes both in its memo (the starter at start, the deciders as they
change; :mod:`~litestar_workflows.temporal.visibility` reads them off the listing row); the local
engine has the state. A fact a row does not carry (an instance started before, a step with more
deciders than :data:`MAX_COMPLETERS_PER_STEP`) is unknown, and so is the hint then: it is a hint,
the engine's validators decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Final

from litestar_workflows.core.context import StepExecution
from litestar_workflows.rules import access
from litestar_workflows.rules.spec import GraphSpec
from litestar_workflows.rules.state import InstanceState, PendingTask
from litestar_workflows.rules.task_records import DecisionRecord

__all__ = [
    "MAX_COMPLETERS_PER_STEP",
    "FourEyesFacts",
    "ListedTask",
    "StepDecider",
    "completers_read",
    "completers_record",
    "facts_of_state",
    "known_completers",
    "listed",
    "tasks_with_facts",
    "watched_steps",
]

MAX_COMPLETERS_PER_STEP: Final = 100
"""Deciders of one step a run publishes; beyond that the step's entry is ``None`` (unknown)."""

CompletersRecord = dict[str, list[str] | None]
"""Per watched step, its deciders (sorted), or ``None`` when there are too many to publish."""


@dataclass(frozen=True, slots=True)
class StepDecider:
    """One (step, user) of the published deciders, in the shape the access rules read
    (``decisions=`` of :func:`~litestar_workflows.rules.access.task_completion_error`)."""

    step_name: str
    user_id: str


@dataclass(frozen=True, slots=True)
class FourEyesFacts:
    """What a listing row knows of its instance for the four-eyes options.

    Attributes:
        started_by_known: Whether the row says who started the instance.
        started_by: The starter (``None``: started by trusted code, or not known).
        completers: The deciders of each watched step the row knows of (a step missing here
            is unknown).
    """

    started_by_known: bool = False
    started_by: str | None = None
    completers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ListedTask(PendingTask):
    """A waiting task as a listing returns it: the task and its instance's four-eyes facts
    (``None``: the engine had none to give)."""

    four_eyes: FourEyesFacts | None = None


def watched_steps(graph: GraphSpec) -> list[str]:
    """The steps some step's ``exclude_completers_of`` names (their deciders are published)."""
    return sorted({name for step in graph.steps for name in step.exclude_completers_of})


def completers_read(graph: GraphSpec, pending: Iterable[PendingTask]) -> bool:
    """Whether a waiting task's step excludes the deciders of some step: only then does the inbox
    read the published deciders (a run publishes them while this holds)."""
    return any(graph.has_step(t.step_name) and graph.step(t.step_name).exclude_completers_of for t in pending)


def completers_record(
    graph: GraphSpec, history: Iterable[StepExecution], decisions: Iterable[DecisionRecord]
) -> CompletersRecord:
    """The deciders of every watched step (:func:`~litestar_workflows.rules.access.completers_of`),
    as a run publishes them; ``{}`` when no step excludes the deciders of another."""
    history, decisions = list(history), list(decisions)
    record: CompletersRecord = {}
    for name in watched_steps(graph):
        found = sorted(access.completers_of(history, decisions, name))
        record[name] = found if len(found) <= MAX_COMPLETERS_PER_STEP else None
    return record


def known_completers(value: object) -> dict[str, tuple[str, ...]]:
    """The steps of a published record (decoded JSON) whose deciders are known; anything
    malformed is left out (unknown)."""
    if not isinstance(value, dict):
        return {}
    known: dict[str, tuple[str, ...]] = {}
    for name, users in value.items():
        if (
            isinstance(name, str)
            and isinstance(users, list)
            and len(users) <= MAX_COMPLETERS_PER_STEP
            and all(isinstance(u, str) for u in users)
        ):
            known[name] = tuple(users)
    return known


def facts_of_state(state: InstanceState, graph: GraphSpec) -> FourEyesFacts:
    """The facts of an instance whose state is at hand (the local engine; a run that was asked)."""
    record = completers_record(graph, state.history, state.tasks.decisions)
    return FourEyesFacts(started_by_known=True, started_by=state.started_by, completers=known_completers(record))


def listed(task: PendingTask, facts: FourEyesFacts | None) -> ListedTask:
    """``task`` with its instance's facts."""
    return ListedTask(**{f.name: getattr(task, f.name) for f in fields(PendingTask)}, four_eyes=facts)


def tasks_with_facts(state: InstanceState, graph: GraphSpec | None) -> list[ListedTask]:
    """The waiting tasks of an instance whose state is at hand, with its facts (none without
    its graph: which steps are watched is the graph's)."""
    facts = None if graph is None else facts_of_state(state, graph)
    return [listed(task, facts) for task in state.pending]
