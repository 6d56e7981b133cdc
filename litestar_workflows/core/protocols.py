"""The published protocols: what a step, a workflow class, an instance and an engine look like.

Structural types (:class:`typing.Protocol`) for annotating code that accepts any of them. The
classes users subclass are :class:`~litestar_workflows.steps.base.BaseMachineStep` and
:class:`~litestar_workflows.steps.base.BaseHumanStep`; a workflow class is any class with
``get_definition()``; the engines' full interface is
:class:`~litestar_workflows.engine.base.ExecutionEngine`, re-exported here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from litestar_workflows.core.context import WorkflowContext
from litestar_workflows.core.types import StepType, WorkflowStatus
from litestar_workflows.engine.base import ExecutionEngine

if TYPE_CHECKING:
    from litestar_workflows.core.definition import WorkflowDefinition

__all__ = ["ExecutionEngine", "Step", "Workflow", "WorkflowInstance"]

T = TypeVar("T", covariant=True)


@runtime_checkable
class Step(Protocol[T]):
    """A step: a name, a kind and the four coroutines the engines call."""

    name: str
    description: str
    step_type: StepType

    async def execute(self, context: WorkflowContext) -> T:
        """Run the step."""
        ...

    async def can_execute(self, context: WorkflowContext) -> bool:
        """Guard: ``False`` skips the step."""
        ...

    async def on_success(self, context: WorkflowContext, result: Any) -> None:
        """Called after ``execute`` returned."""
        ...

    async def on_failure(self, context: WorkflowContext, error: Exception) -> None:
        """Called after ``execute`` raised."""
        ...


@runtime_checkable
class Workflow(Protocol):
    """A workflow class (0.3.3's class-based style): metadata plus ``get_definition()``."""

    name: str
    version: str
    description: str

    def get_definition(self) -> WorkflowDefinition:
        """The definition (called on the class when it is a classmethod)."""
        ...


@runtime_checkable
class WorkflowInstance(Protocol):
    """What an engine returns about an instance (ids are strings here)."""

    @property
    def id(self) -> str: ...

    @property
    def workflow_id(self) -> str: ...

    @property
    def workflow_name(self) -> str: ...

    @property
    def workflow_version(self) -> str: ...

    @property
    def status(self) -> WorkflowStatus: ...

    @property
    def context(self) -> WorkflowContext: ...

    @property
    def current_step(self) -> str | None: ...

    @property
    def started_at(self) -> datetime: ...

    @property
    def completed_at(self) -> datetime | None: ...

    @property
    def error(self) -> str | None: ...
