"""``WorkflowPlugin`` and ``WorkflowPluginConfig`` at the published path.

The plugin is the gateway's (:mod:`api.plugin`): it mounts our REST API (bearer tokens,
problem+json errors, the settle semantics) inside a Litestar app. The SDK does not import the
gateway when it is imported: ``litestar_workflows.plugin.WorkflowPlugin`` is looked up on first
use (module ``__getattr__``), so code that never touches it needs no web stack.

``WorkflowPlugin(WorkflowPluginConfig(...))`` works as in 0.3.3; the gateway's own keywords
(``settings=``, ``engine=``, ``path=``, ``auth=``) work too. See docs/migrating.md for what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.settings import Settings

if TYPE_CHECKING:
    from api.plugin import WorkflowPlugin

__all__ = ["WorkflowPlugin", "WorkflowPluginConfig"]


@dataclass
class WorkflowPluginConfig:
    """The published plugin configuration.

    Attributes:
        registry: Definitions to serve; a new registry when ``None`` (the engine's, if one is given).
        engine: The engine; when ``None`` a :class:`~litestar_workflows.LocalExecutionEngine` over
            ``registry`` (in-process, as in 0.3.3). Pass a ``TemporalExecutionEngine`` for durability.
        auto_register_workflows: Workflow classes (or definitions) registered at construction.
        dependency_key_registry: Name the registry is injected under in the host app's handlers.
        dependency_key_engine: Name the engine is injected under.
        enable_api: Mount the REST API; ``False`` provides only the dependencies.
        api_path_prefix: Mount path of the REST API.
        api_guards: Litestar guards added to the API's authenticated routes (on top of the
            bearer-token authentication, which is always on).
        api_tags: OpenAPI tags added to the API's routes.
        include_api_in_schema: Whether the API's routes appear in the host app's OpenAPI schema.
        settings: Gateway settings (tokens, limits); from the environment when ``None``.
    """

    registry: WorkflowRegistry | None = None
    engine: ExecutionEngine | None = None
    auto_register_workflows: list[Any] = field(default_factory=list)
    dependency_key_registry: str = "workflow_registry"
    dependency_key_engine: str = "workflow_engine"
    enable_api: bool = True
    api_path_prefix: str = "/workflows"
    api_guards: list[Any] = field(default_factory=list)
    api_tags: list[str] = field(default_factory=lambda: ["Workflows"])
    include_api_in_schema: bool = True
    settings: Settings | None = None


def __getattr__(name: str) -> Any:
    if name == "WorkflowPlugin":
        from api.plugin import WorkflowPlugin

        return WorkflowPlugin
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
