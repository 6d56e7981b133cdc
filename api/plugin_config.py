"""What a published :class:`~litestar_workflows.plugin.WorkflowPluginConfig` means for our plugin.

:class:`api.plugin.WorkflowPlugin` takes either its own keywords or, as in 0.3.3, a config
object; this module turns the config into the plugin's inputs (engine, path, settings) and its
extras (dependencies for the host app, router options), so the plugin itself stays about mounting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from litestar.di import Provide

from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.engine.local import LocalExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.settings import Settings

if TYPE_CHECKING:
    from litestar_workflows.plugin import WorkflowPluginConfig

__all__ = ["AppliedConfig", "apply_config"]


@dataclass
class AppliedConfig:
    """The plugin's inputs after a config was applied.

    Attributes:
        engine: Engine to mount (``None``: the gateway builds a Temporal engine from settings).
        path: Mount path.
        settings: Gateway settings, if given.
        enable_api: Whether to mount the REST routes.
        router_options: Extra keywords of the authenticated routers (guards, tags, include_in_schema).
        dependencies: Providers added to the host app (registry and engine by the configured keys).
    """

    engine: ExecutionEngine | None
    path: str
    settings: Settings | None
    enable_api: bool = True
    router_options: dict[str, Any] = field(default_factory=dict)
    dependencies: dict[str, Provide] = field(default_factory=dict)


def apply_config(
    config: WorkflowPluginConfig | None,
    *,
    engine: ExecutionEngine | None,
    path: str | None,
    settings: Settings | None,
) -> AppliedConfig:
    """Resolve a config (or the plugin's own keywords when ``config`` is ``None``).

    Raises:
        ValueError: Both a registry and an engine over another registry were given.
    """
    if config is None:
        return AppliedConfig(engine=engine, path="/workflows" if path is None else path, settings=settings)
    engine = engine or config.engine
    if engine is not None and config.registry is not None and config.registry is not engine.registry:
        raise ValueError("WorkflowPluginConfig: registry is not the engine's registry; give one of them")
    registry = engine.registry if engine is not None else (config.registry or WorkflowRegistry())
    for workflow in config.auto_register_workflows:
        registry.register(workflow)
    if engine is None:
        engine = LocalExecutionEngine(registry)
    chosen: ExecutionEngine = engine
    options: dict[str, Any] = {"include_in_schema": config.include_api_in_schema}
    if config.api_guards:
        options["guards"] = list(config.api_guards)
    if config.api_tags:
        options["tags"] = list(config.api_tags)
    return AppliedConfig(
        engine=chosen,
        path=config.api_path_prefix if path is None else path,
        settings=settings or config.settings,
        enable_api=config.enable_api,
        router_options=options,
        dependencies={
            config.dependency_key_registry: Provide(lambda: chosen.registry, sync_to_thread=False),
            config.dependency_key_engine: Provide(lambda: chosen, sync_to_thread=False),
        },
    )
