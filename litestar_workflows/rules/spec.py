"""The graph core: an immutable, serialisable snapshot of a definition, and its static rules.

:class:`GraphSpec` is what a Temporal instance carries in its input so it keeps
the version it started with. Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from litestar_workflows.core.types import StepType
from litestar_workflows.rules.task_records import EscalationLevel

__all__ = [
    "EdgeSpec",
    "GraphSpec",
    "StepSpec",
    "is_semver",
    "semver_key",
    "to_mermaid",
]

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


def is_semver(version: str) -> bool:
    """Whether ``version`` is a semantic version (``MAJOR.MINOR.PATCH[-pre][+build]``)."""
    return bool(_SEMVER.match(version))


def semver_key(version: str) -> tuple[Any, ...]:
    """Sort key implementing semantic-version precedence (10.0.0 > 9.0.0 > 9.0.0-rc.1)."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a semantic version")
    major, minor, patch, pre, _build = match.groups()
    # A release sorts after all of its pre-releases; numeric identifiers sort before alphanumeric ones.
    pre_key: tuple[Any, ...] = (
        (1,) if pre is None else (0, *((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    )
    return (int(major), int(minor), int(patch), pre_key)


@dataclass(frozen=True)
class StepSpec:
    """Snapshot of one step: everything the engines need except its Python code.

    Attributes:
        name: Step name.
        kind: Machine or human.
        description: Description (activity summary on Temporal).
        title: Human task title.
        form_schema: JSON Schema of a human step's form.
        assignee: Fixed assignee of a human step.
        assignee_key: Context key naming the assignee.
        candidate_groups: Groups allowed to complete a human step.
        deadline_seconds: Human step deadline.
        on_deadline: Step taken when the deadline passes.
        max_attempts: Retry policy: attempts in total.
        initial_interval_seconds: Retry policy: first delay.
        backoff_coefficient: Retry policy: delay multiplier.
        maximum_interval_seconds: Retry policy: delay cap.
        non_retryable_errors: Retry policy: exception class names not retried.
        timeout_seconds: Machine step attempt timeout.
        has_guard: The step overrides ``can_execute``.
        implementation: ``module.qualname`` of the step class (informational).
        exclude_starter: Four-eyes: the user who started the instance may not complete it.
        exclude_completers_of: Four-eyes: whoever completed one of these steps may not complete it.
        assignee_not_starter: Four-eyes: the assignee taken from ``assignee_key`` must not be the starter.
        manager_groups: Groups that may reassign the task (besides the engine's admin groups).
        approvals_required: Distinct approvers the step needs (1: an ordinary completion).
        approval_groups: With several approvers: one approver from each of these groups.
        approval_key: Form field whose truth value says whether a decision approves.
        rejection_ends_step: With several approvers: a rejection completes the step at once.
        reminder_after_seconds: First reminder, after the task opened.
        reminder_every_seconds: Later reminders, this far apart.
        escalation_levels: Escalation chain: reassignments after given times.
        default_decision: Form data submitted as the decision when the deadline passes
            (instead of taking ``on_deadline``).
    """

    name: str
    kind: StepType
    description: str = ""
    title: str = ""
    form_schema: dict[str, Any] | None = None
    assignee: str | None = None
    assignee_key: str | None = None
    candidate_groups: tuple[str, ...] = ()
    deadline_seconds: float | None = None
    on_deadline: str | None = None
    max_attempts: int = 3
    initial_interval_seconds: float = 1.0
    backoff_coefficient: float = 2.0
    maximum_interval_seconds: float = 30.0
    non_retryable_errors: tuple[str, ...] = ()
    timeout_seconds: float = 300.0
    has_guard: bool = False
    implementation: str = ""
    timer_seconds: float | None = None
    timer_computed: bool = False
    callback_key: str | None = None
    gateway: str | None = None
    exclude_starter: bool = False
    exclude_completers_of: tuple[str, ...] = ()
    assignee_not_starter: bool = False
    manager_groups: tuple[str, ...] = ()
    approvals_required: int = 1
    approval_groups: tuple[str, ...] = ()
    approval_key: str = "approved"
    rejection_ends_step: bool = True
    reminder_after_seconds: float | None = None
    reminder_every_seconds: float | None = None
    escalation_levels: tuple[EscalationLevel, ...] = ()
    default_decision: dict[str, Any] | None = None

    @property
    def is_human(self) -> bool:
        """Whether this is a human step."""
        return self.kind == StepType.HUMAN

    @property
    def runs_code(self) -> bool:
        """Whether activating the step runs its Python code (where user code runs: an activity on Temporal)."""
        return (
            self.kind == StepType.MACHINE
            or (self.kind == StepType.GATEWAY and self.gateway == "exclusive")
            or (self.kind == StepType.TIMER and self.timer_computed)
        )

    @property
    def is_assigned(self) -> bool:
        """Whether any assignment rule restricts who may complete the step."""
        return bool(self.assignee or self.assignee_key or self.candidate_groups)

    def retry_delay(self, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retrying after ``attempt`` failed with ``error``;
        ``None`` when the step must fail (non-retryable error or attempts exhausted)."""
        if type(error).__name__ in self.non_retryable_errors or attempt >= self.max_attempts:
            return None
        delay = self.initial_interval_seconds * self.backoff_coefficient ** (attempt - 1)
        return float(min(delay, self.maximum_interval_seconds))


@dataclass(frozen=True)
class EdgeSpec:
    """Snapshot of one edge.

    Attributes:
        index: Position in the definition's edge list (identifies callable conditions).
        source: Source step.
        target: Target step.
        expression: String condition, if any.
        callable_name: ``module.qualname`` of a callable condition, if any.
        send_back: A "request changes" edge of a human step: followed only when a participant
            sends the task back (:mod:`~litestar_workflows.rules.send_back`), never on completion.
    """

    index: int
    source: str
    target: str
    expression: str | None = None
    callable_name: str | None = None
    send_back: bool = False

    @property
    def label(self) -> str:
        """Short text describing the condition (empty when unconditional; ``send back`` for a
        send-back edge)."""
        if self.send_back:
            return "send back"
        return self.expression or (f"{self.callable_name}()" if self.callable_name else "")


@dataclass(frozen=True)
class GraphSpec:
    """Immutable snapshot of a workflow definition's graph.

    Attributes:
        name: Definition name.
        version: Definition version.
        description: Definition description.
        steps: Steps in definition order.
        edges: Edges in definition order.
        initial_step: First step.
        terminal_steps: Steps that end their branch (sorted).
        input_schema: JSON Schema the initial data must satisfy, if any.
        visible_to_groups: Groups that may read every instance (beyond its participants).
    """

    name: str
    version: str
    description: str
    steps: tuple[StepSpec, ...]
    edges: tuple[EdgeSpec, ...]
    initial_step: str
    terminal_steps: tuple[str, ...] = field(default=())
    input_schema: dict[str, Any] | None = None
    visible_to_groups: tuple[str, ...] = ()

    # --- lookups -------------------------------------------------------------------

    @cached_property
    def _by_name(self) -> dict[str, StepSpec]:
        return {s.name: s for s in self.steps}

    @cached_property
    def _order(self) -> dict[str, int]:
        return {s.name: i for i, s in enumerate(self.steps)}

    def step(self, name: str) -> StepSpec:
        """The step called ``name``.

        Raises:
            KeyError: No such step.
        """
        return self._by_name[name]

    def has_step(self, name: str) -> bool:
        """Whether the graph has a step called ``name``."""
        return name in self._by_name

    def order(self, name: str) -> int:
        """Position of ``name`` in definition order (deterministic tie-breaking)."""
        return self._order.get(name, len(self._order))

    def outgoing(self, name: str) -> tuple[EdgeSpec, ...]:
        """Edges leaving ``name`` that a completion follows, in definition order (send-back edges
        are not among them: :meth:`send_back_targets`)."""
        return tuple(e for e in self.edges if e.source == name and not e.send_back)

    def send_back_targets(self, name: str) -> tuple[str, ...]:
        """Where sending the task of ``name`` back leads (its send-back edges), each once."""
        return tuple(dict.fromkeys(e.target for e in self.edges if e.source == name and e.send_back))

    def incoming(self, name: str) -> tuple[EdgeSpec, ...]:
        """Edges entering ``name``, in definition order."""
        return tuple(e for e in self.edges if e.target == name)

    @property
    def has_webhooks(self) -> bool:
        """Whether any step waits for a webhook (its instances then get a callback secret)."""
        return any(s.kind == StepType.WEBHOOK for s in self.steps)

    def is_terminal(self, name: str) -> bool:
        """Whether ``name`` ends its branch."""
        return name in self.terminal_steps

    def successors(self, name: str) -> set[str]:
        """Direct successors of ``name``, including its deadline target."""
        found = {e.target for e in self.edges if e.source == name}
        step = self._by_name.get(name)
        if step is not None and step.on_deadline:
            found.add(step.on_deadline)
        return found

    @cached_property
    def _reach(self) -> dict[str, frozenset[str]]:
        reach: dict[str, frozenset[str]] = {}
        for start in self._by_name:
            seen: set[str] = set()
            stack = list(self.successors(start))
            while stack:
                node = stack.pop()
                if node in seen:
                    continue
                seen.add(node)
                stack.extend(self.successors(node))
            reach[start] = frozenset(seen)
        return reach

    def reachable_from(self, name: str) -> frozenset[str]:
        """Steps reachable from ``name`` by one or more edges."""
        return self._reach.get(name, frozenset())

    # --- serialisation -------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form. ``send_back`` appears only on send-back edges, so the graphs
        (and fingerprints) of definitions without one are what they were before it existed."""
        raw = asdict(self)
        for edge in raw["edges"]:
            if not edge.get("send_back"):
                edge.pop("send_back", None)
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> GraphSpec:
        """Inverse of :meth:`to_dict`."""
        steps = tuple(
            StepSpec(
                **{
                    **s,
                    "kind": StepType(s["kind"]),
                    "candidate_groups": tuple(s.get("candidate_groups", ())),
                    "non_retryable_errors": tuple(s.get("non_retryable_errors", ())),
                    "exclude_completers_of": tuple(s.get("exclude_completers_of", ())),
                    "manager_groups": tuple(s.get("manager_groups", ())),
                    "approval_groups": tuple(s.get("approval_groups", ())),
                    "escalation_levels": tuple(
                        EscalationLevel(
                            float(e["after_seconds"]), tuple(e.get("candidate_groups", ())), e.get("assignee")
                        )
                        if isinstance(e, dict)
                        else e
                        for e in s.get("escalation_levels", ())
                    ),
                }
            )
            for s in raw["steps"]
        )
        edges = tuple(EdgeSpec(**e) for e in raw["edges"])
        return cls(
            name=raw["name"],
            version=raw["version"],
            description=raw.get("description", ""),
            steps=steps,
            edges=edges,
            initial_step=raw["initial_step"],
            terminal_steps=tuple(raw.get("terminal_steps", ())),
            input_schema=raw.get("input_schema"),
            visible_to_groups=tuple(raw.get("visible_to_groups", ())),
        )

    def fingerprint(self) -> str:
        """Hash of what a worker's code must agree on with an instance's snapshot (the activities
        compare it): the graph without the access options of :mod:`~litestar_workflows.rules.access`
        (four-eyes, ``input_schema``, ``visible_to_groups``). Those are applied from the instance's
        own snapshot, never from the worker's, so tightening them in a release does not leave
        running instances waiting for a worker with their exact graph. Send-back edges are left
        out for the same reason (only the workflow follows them, from its own snapshot; the
        activities never see them): one appended to a definition leaves its running instances
        served. The other edges keep their ``index``, so one inserted before a callable
        condition's edge still changes the fingerprint (the activity finds conditions by index).

        Computed once per snapshot (workers share one decoded snapshot between the instances
        that carry it)."""
        return self._fingerprint

    @cached_property
    def _fingerprint(self) -> str:
        raw = self.to_dict()
        raw["edges"] = [e for e in raw["edges"] if not e.get("send_back")]
        for key in _ACCESS_GRAPH_FIELDS:
            raw.pop(key, None)
        for step in raw["steps"]:
            for key in _ACCESS_STEP_FIELDS:
                step.pop(key, None)
        return _digest(raw)

    def full_fingerprint(self) -> str:
        """Hash of the whole graph, access options included (the registry refuses a second,
        different graph under one name and version)."""
        return self._full_fingerprint

    @cached_property
    def _full_fingerprint(self) -> str:
        return _digest(self.to_dict())


_ACCESS_GRAPH_FIELDS = ("input_schema", "visible_to_groups")
_ACCESS_STEP_FIELDS = ("exclude_starter", "exclude_completers_of", "assignee_not_starter")


def _digest(raw: dict[str, Any]) -> str:
    blob = json.dumps(raw, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def to_mermaid(graph: GraphSpec) -> str:
    """Mermaid flowchart source of ``graph`` (human steps drawn as rounded boxes)."""

    def node(step: StepSpec) -> str:
        text = (step.title or step.name).replace('"', "'")
        shape = f'("{text}")' if step.is_human else f'["{text}"]'
        return f"    {step.name}{shape}"

    lines = ["flowchart TD", *(node(s) for s in graph.steps)]
    for edge in graph.edges:
        label = edge.label.replace('"', "'").replace("|", "/")
        if edge.send_back:
            lines.append(f'    {edge.source} -.->|"send back"| {edge.target}')
            continue
        lines.append(
            f'    {edge.source} -->|"{label}"| {edge.target}' if label else f"    {edge.source} --> {edge.target}"
        )
    for step in graph.steps:
        if step.on_deadline:
            lines.append(f'    {step.name} -.->|"deadline {step.deadline_seconds:g}s"| {step.on_deadline}')
    lines.append(f"    __start((start)) --> {graph.initial_step}")
    for name in graph.terminal_steps:
        lines.append(f"    {name} --> __end(((end)))")
    return "\n".join(lines)
