"""Who may see and do what: the one home of the access rules both engines apply.

* **Assignment** — who a human task is offered to: its fixed ``assignee``, the user named by
  ``data[assignee_key]``, or members of its ``candidate_groups``; with none of them, anyone.
* **Completion** — the assignment, plus the step's separation-of-duties ("four-eyes") options:
  the completer may not be the starter (``exclude_starter``), may not have completed one of the
  named earlier steps (``exclude_completers_of``), and an assignee taken from the data may be
  required to differ from the starter (``assignee_not_starter``).
* **Reading** — an instance (its data, history and tasks) is visible to its starter, to every
  user or group a task of it is or was offered to, to whoever completed one, to the definition's
  ``visible_to_groups`` and to the engine's admin groups. Anyone else is told it does not exist.
* **Cancelling** — the starter and the admin groups.

Identities appear in Temporal visibility queries as ``user:<id>`` / ``group:<name>`` entries; the
characters that a query could misread are percent-encoded here, once, for writing and querying.

Pure: the Temporal workflow's validators call these functions, so nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus
from litestar_workflows.exceptions import FieldError, WorkflowInstanceNotFoundError
from litestar_workflows.rules.forms import form_errors
from litestar_workflows.rules.spec import GraphSpec, StepSpec
from litestar_workflows.rules.state import InstanceState

__all__ = [
    "ANYONE",
    "DEADLINE_DECIDER",
    "MAX_ENTRY_LENGTH",
    "MAX_GROUPS",
    "Caller",
    "assignment_error",
    "caller_entries",
    "cancel_error",
    "check_reader",
    "completers_of",
    "completion_error",
    "encode_identity",
    "four_eyes_needs_instance",
    "identity_error",
    "is_offered_to",
    "may_read",
    "offered_entries",
    "participant_entries",
    "resolve_assignee",
    "separation_error",
    "start_errors",
    "task_completion_error",
]

ANYONE = "anyone"
"""Entry of a task offered to every authenticated user."""

MAX_ENTRY_LENGTH = 255
"""Longest ``user:``/``group:`` entry (encoded) a visibility query carries (SQL visibility keyword limit)."""

MAX_GROUPS = 100
"""Most groups of one caller that are matched in a visibility query."""

# Everything else is percent-encoded: quotes, backslashes and spaces mean something to a query.
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@+-")


@dataclass(frozen=True)
class Caller:
    """Who asks: an identity taken from a verified token, never from request data.

    Attributes:
        user_id: The token's subject.
        groups: The token's groups.
    """

    user_id: str
    groups: tuple[str, ...] = ()


class _Assignment(Protocol):
    @property
    def assignee(self) -> str | None: ...

    @property
    def assignee_key(self) -> str | None: ...


class _Offer(Protocol):
    @property
    def assignee(self) -> str | None: ...

    @property
    def candidate_groups(self) -> tuple[str, ...]: ...


# --- identities in queries -------------------------------------------------------------------


def encode_identity(value: str) -> str:
    """``value`` with every character outside ``[A-Za-z0-9_.@+-]`` percent-encoded (UTF-8)."""
    if all(c in _SAFE for c in value):
        return value
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


def _user(user_id: str) -> str:
    return "user:" + encode_identity(user_id)


def _group(group: str) -> str:
    return "group:" + encode_identity(group)


def identity_error(user_id: str, groups: Collection[str]) -> str | None:
    """Why this identity cannot be matched in a visibility query; ``None`` when it can."""
    if not user_id.strip():
        return "the user id is blank"
    if len(groups) > MAX_GROUPS:
        return f"{len(groups)} groups; at most {MAX_GROUPS} can be matched"
    for entry in (_user(user_id), *(_group(g) for g in groups)):
        if len(entry.encode()) > MAX_ENTRY_LENGTH:
            return f"{entry[:40]!r}... is longer than {MAX_ENTRY_LENGTH} bytes once encoded"
    return None


# --- assignment ----------------------------------------------------------------------------


def resolve_assignee(step: _Assignment, data: Mapping[str, Any]) -> str | None:
    """The user a task of ``step`` is assigned to: from ``data[assignee_key]`` if set, else the fixed one."""
    if step.assignee_key:
        value = data.get(step.assignee_key)
        return None if value is None else str(value)
    return step.assignee


def offered_entries(assignee: str | None, groups: Iterable[str]) -> list[str]:
    """Who a task is offered to, as entries: ``user:<id>``, ``group:<name>``, or ``anyone``."""
    groups = list(groups)
    if assignee is None and not groups:
        return [ANYONE]
    found = [_user(assignee)] if assignee is not None else []
    found.extend(_group(g) for g in groups)
    return found


def caller_entries(user_id: str | None, groups: Iterable[str]) -> list[str]:
    """The entries a caller matches: ``anyone``, their ``user:`` entry and one per group."""
    entries = [ANYONE]
    if user_id is not None:
        entries.append(_user(user_id))
    entries.extend(_group(g) for g in sorted(set(groups)))
    return entries


def is_offered_to(task: _Offer, user_id: str | None, groups: Collection[str]) -> bool:
    """Inbox rule: the task is assigned to ``user_id``, offered to one of ``groups``, or open to anyone."""
    if task.assignee is None and not task.candidate_groups:
        return True
    return (user_id is not None and task.assignee == user_id) or bool(set(groups) & set(task.candidate_groups))


def assignment_error(task: _Offer, step: StepSpec, user_id: str | None, groups: Collection[str]) -> str | None:
    """Why ``user_id`` (member of ``groups``) is not among those ``task`` is offered to; ``None`` if they are."""
    if user_id is None or not str(user_id).strip():
        return "no user given"
    if not step.is_assigned:
        return None
    if task.assignee is not None and task.assignee == user_id:
        return None
    if set(groups) & set(task.candidate_groups):
        return None
    allowed = []
    if task.assignee is not None:
        allowed.append(f"assignee {task.assignee!r}")
    elif step.assignee_key:
        allowed.append(f"the user in context key {step.assignee_key!r} (not set)")
    if task.candidate_groups:
        allowed.append(f"members of {', '.join(repr(g) for g in task.candidate_groups)}")
    return "only " + " or ".join(allowed) + " may complete it"


# --- separation of duties --------------------------------------------------------------------


class _Decided(Protocol):
    @property
    def step_name(self) -> str: ...

    @property
    def user_id(self) -> str: ...


DEADLINE_DECIDER = "deadline"
"""The ``user_id`` of a default decision's record (the engine, not a person: never excluded)."""


def _completers(history: Iterable[StepExecution], decisions: Iterable[_Decided], step_name: str) -> set[str]:
    """Everyone who decided on ``step_name``: its completers in the history and every decider in
    its decision records (a step with several approvers completes once, by its last decider; the
    records name them all, and whoever sent it back)."""
    found = {
        h.completed_by
        for h in history
        if h.step_name == step_name and h.status == StepStatus.SUCCEEDED and h.completed_by is not None
    }
    found.update(d.user_id for d in decisions if d.step_name == step_name and d.user_id != DEADLINE_DECIDER)
    return found


def completers_of(history: Iterable[StepExecution], decisions: Iterable[_Decided], step_name: str) -> set[str]:
    """Everyone ``exclude_completers_of`` a step excludes (see :func:`_completers`): what a run
    publishes for the listing's hints (:mod:`.listing_facts`)."""
    return _completers(history, decisions, step_name)


def separation_error(
    step: StepSpec,
    task: _Offer,
    user_id: str,
    *,
    started_by: str | None,
    history: Iterable[StepExecution],
    decisions: Iterable[_Decided] = (),
) -> str | None:
    """Why the step's four-eyes options forbid ``user_id`` to complete it; ``None`` if they do not.

    ``started_by``, ``history`` and ``decisions`` (``state.tasks.decisions``) are the instance's
    (its state's or its view's); without the decision records only the last decider of a step
    with several approvers is excluded by ``exclude_completers_of``.
    """
    starter = started_by
    if step.exclude_starter and starter is not None and user_id == starter:
        return "the user who started the instance may not complete this step (four-eyes rule)"
    if step.assignee_not_starter and starter is not None and task.assignee == starter:
        return (
            f"it is assigned to the starter {starter!r} through {step.assignee_key!r}, "
            "and the assignee must be someone else (four-eyes rule)"
        )
    history, decisions = list(history), list(decisions)
    for earlier in step.exclude_completers_of:
        if user_id in _completers(history, decisions, earlier):
            return f"{user_id!r} completed {earlier!r} and may not also complete this step (four-eyes rule)"
    return None


def completion_error(
    step: StepSpec,
    task: _Offer,
    user_id: str | None,
    groups: Collection[str],
    *,
    started_by: str | None,
    history: Iterable[StepExecution],
    decisions: Iterable[_Decided] = (),
) -> str | None:
    """Why ``user_id`` may not complete ``task`` (assignment, then four-eyes); ``None`` if they may."""
    reason = assignment_error(task, step, user_id, groups)
    if reason is None and user_id is not None:
        reason = separation_error(step, task, user_id, started_by=started_by, history=history, decisions=decisions)
    return reason


def four_eyes_needs_instance(step: StepSpec) -> bool:
    """Whether the step's four-eyes options need the instance's starter or history to be told
    (a listing reads them from its rows' facts, :mod:`.listing_facts`, or answers "unknown")."""
    return bool(step.exclude_starter or step.assignee_not_starter or step.exclude_completers_of)


def task_completion_error(
    step: StepSpec,
    task: _Offer,
    user_id: str | None,
    groups: Collection[str],
    *,
    claimed_by: str | None,
    started_by: str | None,
    history: Iterable[StepExecution],
    decisions: Iterable[_Decided] = (),
) -> str | None:
    """Why ``user_id`` may not complete ``task`` right now: someone else's claim, then
    :func:`completion_error` (assignment and four-eyes). The hint views show (``can_complete``,
    the UI's refusal); the engine's validators make the decision. Pass the step as the current
    offer sees it (``rules.tasks.offer_step`` after a hand-over)."""
    if claimed_by is not None and claimed_by != user_id:
        return f"it is claimed by {claimed_by!r}; only they may complete it until it is unclaimed"
    return completion_error(step, task, user_id, groups, started_by=started_by, history=history, decisions=decisions)


# --- reading and cancelling -----------------------------------------------------------------------


def participant_entries(state: InstanceState, graph: GraphSpec | None = None) -> list[str]:
    """Everyone who may read the instance, as entries (admin groups aside): the starter, every
    offer of a task (recorded in ``state.participants`` and the pending ones), the completers and
    the definition's ``visible_to_groups``."""
    found: list[str] = []

    def add(entries: Iterable[str]) -> None:
        for entry in entries:
            if entry not in found:
                found.append(entry)

    if state.started_by is not None:
        add([_user(state.started_by)])
    add(state.participants)
    for task in state.pending:
        add(offered_entries(task.assignee, task.candidate_groups))
    add(_user(h.completed_by) for h in state.history if h.completed_by is not None)
    if graph is not None:
        add(_group(g) for g in graph.visible_to_groups)
    return found


def may_read(
    state: InstanceState, graph: GraphSpec | None, caller: Caller | None, admin_groups: Collection[str] = ()
) -> bool:
    """Whether ``caller`` may see the instance; ``None`` is trusted code (no token involved)."""
    if caller is None or set(caller.groups) & set(admin_groups):
        return True
    entries = set(participant_entries(state, graph))
    return bool(entries & set(caller_entries(caller.user_id, caller.groups)))


def check_reader(
    state: InstanceState, graph: GraphSpec | None, user_id: str, groups: Collection[str], admin_groups: Collection[str]
) -> None:
    """Refuse a request of someone who may not read the instance as if it did not exist.

    Raises:
        WorkflowInstanceNotFoundError: ``user_id`` (in ``groups``) may not read it.
    """
    if not may_read(state, graph, Caller(user_id, tuple(groups)), admin_groups):
        raise WorkflowInstanceNotFoundError(state.instance_id)


def cancel_error(state: InstanceState, caller: Caller | None, admin_groups: Collection[str] = ()) -> str | None:
    """Why ``caller`` may not cancel the instance; ``None`` if they may (starter or admin)."""
    if caller is None or caller.user_id == state.started_by or set(caller.groups) & set(admin_groups):
        return None
    admins = ", ".join(map(repr, admin_groups)) or "the admin groups"
    return f"only the user who started it ({state.started_by!r}) or members of {admins} may cancel it"


# --- starting ----------------------------------------------------------------------------------


def start_errors(graph: GraphSpec, data: Any, started_by: str | None) -> list[FieldError]:
    """Every problem of ``data`` as initial data: the definition's ``input_schema``, and an
    assignee taken from the data that must not be the starter. Empty when it may start."""
    errors = list(form_errors(graph.input_schema, data)) if graph.input_schema is not None else []
    if started_by is not None and isinstance(data, Mapping):
        for step in graph.steps:
            if step.assignee_not_starter and step.assignee_key and data.get(step.assignee_key) == started_by:
                errors.append(
                    FieldError(
                        f"/{step.assignee_key}",
                        f"must not be the user who starts the instance ({started_by!r}): "
                        f"step {step.name!r} needs someone else (four-eyes rule)",
                    )
                )
    return errors
