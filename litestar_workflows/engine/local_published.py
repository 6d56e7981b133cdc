"""The parts of 0.3.3's ``LocalExecutionEngine`` API that are about the engine object itself.

``LocalExecutionEngine`` derives from :class:`PublishedLocalEngineAPI`; the engine's own
module keeps the instance lifecycle. Kept apart so that file stays about running instances.
"""

from __future__ import annotations

from typing import Any

from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.core.models import WorkflowInstance
from litestar_workflows.exceptions import StepExecutionError
from litestar_workflows.steps.base import BaseStep

__all__ = ["PublishedLocalEngineAPI", "refuse_persistence"]


def refuse_persistence(persistence: Any) -> None:
    """``persistence`` must be ``None``: this engine keeps instances in memory only.

    0.3.3 accepted a persistence object (its SQLAlchemy layer) here. We do not offer that
    layer: durability is what :class:`~litestar_workflows.temporal.engine.TemporalExecutionEngine`
    gives, so passing a store is refused instead of silently ignored.

    Raises:
        TypeError: ``persistence`` is not ``None``.
    """
    if persistence is not None:
        raise TypeError(
            "LocalExecutionEngine keeps instances in memory and takes no persistence object "
            f"(got {type(persistence).__name__}); for durable instances use TemporalExecutionEngine"
        )


class PublishedLocalEngineAPI:
    """``execute_step``, ``get_running_instances`` and ``get_all_instances``."""

    _instances: dict[str, Any]  # the engine's records; each has a ``view`` (WorkflowInstance)

    async def execute_step(self, step: BaseStep, context: WorkflowContext, previous_result: Any = None) -> Any:
        """Run ``step`` once against ``context``, outside any instance, and return its result.

        The step's guard decides first (``None`` when it skips); ``on_success``/``on_failure``
        run as in an instance; no retries. ``previous_result``, when given, is put in the data
        as ``_previous_result`` (as 0.3.3 did).

        Raises:
            StepExecutionError: ``execute`` raised (the exception is its ``cause``).
        """
        if previous_result is not None:
            context.set("_previous_result", previous_result)
        if not await step.can_execute(context):
            return None
        try:
            result = await step.execute(context)
        except Exception as exc:  # a user's step may raise anything
            await step.on_failure(context, exc)
            raise StepExecutionError(step.name, cause=exc) from exc
        await step.on_success(context, result)
        return result

    def get_running_instances(self) -> list[WorkflowInstance]:
        """Instances that have not finished (running, waiting, paused), oldest first."""
        return [v for v in self.get_all_instances() if not v.status.is_finished]

    def get_all_instances(self) -> list[WorkflowInstance]:
        """Every instance this engine holds, oldest first (views, refreshed in place)."""
        views: list[WorkflowInstance] = [record.view for record in self._instances.values()]
        return sorted(views, key=lambda v: v.started_at)
