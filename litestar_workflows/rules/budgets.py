"""Size budgets: how big any one thing an instance keeps may grow, checked before it is written.

Temporal refuses a payload over 2 MiB (and warns at 256 KiB); a run's history is cut off at
51,200 events or 50 MB (docs/reliability.md). An instance whose state crosses such a limit is
wedged for good: its workflow task fails on every retry. So every value that ends up in the
state is measured (UTF-8 JSON bytes, the way Temporal's payload converter encodes it) and
refused before anything is written when it is over its budget:

* a completion's form data and comment, and ``initial_data``: refused by the engine (the
  Temporal update validator writes nothing; the local engine changes nothing);
* the instance data after a completion or a machine step: the completion is refused, the
  machine step fails with a clear error instead of wedging the workflow;
* the instance's own step history is a bounded window (the full audit is each run's Temporal
  history), and a machine step's return value is kept there only when it is small.

Everything here is pure (no I/O) and deterministic: the interpreter workflow runs it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from litestar_workflows.core.context import StepExecution
from litestar_workflows.core.types import StepStatus
from litestar_workflows.exceptions import BudgetExceededError, InputTooDeepError
from litestar_workflows.rules.state import InstanceState

__all__ = [
    "HISTORY_DATA_BYTES",
    "HISTORY_RESULT_BYTES",
    "HISTORY_WINDOW",
    "SizeBudgets",
    "check_completion",
    "check_initial_data",
    "encoded_size",
    "json_depth_error",
    "recorded_data",
    "recorded_result",
    "remember",
    "step_output_error",
]

HISTORY_WINDOW: Final = 50
"""Step executions an instance's state keeps (oldest finished ones are dropped first)."""

HISTORY_RESULT_BYTES: Final = 4096
"""A machine step's return value is kept in the state's history only up to this size."""

HISTORY_DATA_BYTES: Final = 2048
"""A decision's form data is copied into its history record only up to this size (it is kept
in full once, merged into the instance data; the update that carried it is in Temporal's history)."""

_KIB = 1024


@dataclass(frozen=True)
class SizeBudgets:
    """The size budgets of one instance, in bytes of UTF-8 JSON (fixed at its start).

    With the defaults the whole state stays under about 1.2 MiB (data 256 KiB, history window
    50 x (4 KiB result + 2 KiB copy of a decision + 8 KiB comment + 4 KiB error)), well under
    Temporal's 2 MiB payload limit.

    Attributes:
        completion_bytes: Form data of one completion.
        comment_bytes: Comment of one completion.
        initial_data_bytes: Data an instance is started with.
        instance_data_bytes: The instance data as a whole, after any change.
        step_output_bytes: What one machine step returns (data changes plus return value).
        max_depth: Nesting depth of any JSON value a caller sends (objects and arrays).
    """

    completion_bytes: int = 64 * _KIB
    comment_bytes: int = 8 * _KIB
    initial_data_bytes: int = 128 * _KIB
    instance_data_bytes: int = 256 * _KIB
    step_output_bytes: int = 256 * _KIB
    max_depth: int = 32


def encoded_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (what a Temporal payload carries)."""
    blob = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return len(blob.encode("utf-8", errors="surrogatepass"))


def json_depth_error(value: Any, limit: int) -> str | None:
    """Why ``value`` nests deeper than ``limit`` (``None`` if it does not); iterative, so a
    value nested thousands deep is measured without a RecursionError."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return f"nests deeper than {limit} levels"
        stack.extend((child, depth + 1) for child in children)
    return None


def _check(field: str, value: Any, limit: int, budgets: SizeBudgets) -> int:
    reason = json_depth_error(value, budgets.max_depth)
    if reason is not None:
        raise InputTooDeepError(field, reason, limit=budgets.max_depth, unit="levels")
    size = encoded_size(value)
    if size > limit:
        raise BudgetExceededError(field, f"is {size} bytes, over the limit of {limit} bytes", limit=limit, size=size)
    return size


def check_initial_data(budgets: SizeBudgets, data: Any) -> None:
    """Refuse ``initial_data`` over its budget.

    Raises:
        BudgetExceededError: Too large or too deep (``field`` is ``/initial_data``).
    """
    _check("/initial_data", data, budgets.initial_data_bytes, budgets)


def check_completion(budgets: SizeBudgets, data: Any, comment: str | None, instance_data: Mapping[str, Any]) -> None:
    """Refuse a completion whose data, comment or resulting instance data is over budget.

    Raises:
        BudgetExceededError: ``field`` names what is too large: ``/data``, ``/comment``, or
            ``/data`` with the instance-data limit when the merged data would be too large.
    """
    _check("/data", data, budgets.completion_bytes, budgets)
    if comment is not None:
        size = len(comment.encode("utf-8", errors="surrogatepass"))
        if size > budgets.comment_bytes:
            limit = budgets.comment_bytes
            raise BudgetExceededError(
                "/comment", f"is {size} bytes, over the limit of {limit} bytes", limit=limit, size=size
            )
    if isinstance(data, Mapping):
        merged = {**instance_data, **data}
        size = encoded_size(merged)
        if size > budgets.instance_data_bytes:
            limit = budgets.instance_data_bytes
            raise BudgetExceededError(
                "/data",
                f"would make the instance data {size} bytes, over the limit of {limit} bytes",
                limit=limit,
                size=size,
            )


def step_output_error(
    budgets: SizeBudgets,
    instance_data: Mapping[str, Any],
    changes_set: Mapping[str, Any],
    removed: list[str],
    result: Any,
) -> str | None:
    """Why a machine step's output may not be kept (``None`` if it may)."""
    output = encoded_size({"set": changes_set, "result": result})
    if output > budgets.step_output_bytes:
        return f"its output is {output} bytes, over the step output limit of {budgets.step_output_bytes} bytes"
    merged = {k: v for k, v in instance_data.items() if k not in removed}
    merged.update(changes_set)
    size = encoded_size(merged)
    if size > budgets.instance_data_bytes:
        limit = budgets.instance_data_bytes
        return f"it would make the instance data {size} bytes, over the limit of {limit} bytes"
    return None


def recorded_result(result: Any) -> Any:
    """What the state's history keeps of a step's return value: itself if small, else a note
    (the full value stays in the step's activity result in Temporal's history)."""
    if result is None or isinstance(result, bool | int | float):
        return result
    size = encoded_size(result)
    if size <= HISTORY_RESULT_BYTES:
        return result
    return f"<result of {size} bytes not kept in the instance state>"


def recorded_data(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a human step's history record keeps of its form data: a copy when small, else
    ``None`` (the data itself is in the instance data, once)."""
    return dict(data) if encoded_size(data) <= HISTORY_DATA_BYTES else None


def remember(state: InstanceState, record: StepExecution, window: int = HISTORY_WINDOW) -> None:
    """Append ``record`` to the state's history, dropping the oldest finished records beyond
    ``window`` (waiting and running records stay: they are still to be closed)."""
    state.history.append(record)
    excess = len(state.history) - window
    if excess <= 0:
        return
    kept: list[StepExecution] = []
    for item in state.history:
        if excess > 0 and item.status not in (StepStatus.WAITING, StepStatus.RUNNING):
            excess -= 1
            state.history_dropped += 1
            continue
        kept.append(item)
    state.history = kept
