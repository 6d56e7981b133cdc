"""``WorkflowPlugin``: the gateway's routes, mounted under a prefix inside any Litestar app."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from litestar import Litestar, Request, Router
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol
from litestar.types import ControllerRouterHandler

from api.auth import AuthConfig, Identity, build_auth
from api.gateway import Gateway
from api.openapi import form_schemas, model_schemas
from api.paths import EncodedSlashes
from api.plugin_config import apply_config
from api.problems import exception_handlers
from api.routes import DefinitionsController, InstancesController, SystemController, TasksController, dev_token
from api.task_operations import TaskOperationsController
from api.webhooks import WebhooksController
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.settings import Settings

if TYPE_CHECKING:
    from litestar_workflows.plugin import WorkflowPluginConfig

__all__ = ["WorkflowPlugin"]

logger = logging.getLogger("api")


def _provide_identity(request: Request[Any, Any, Any]) -> Identity:
    user = request.user
    if not isinstance(user, Identity):  # pragma: no cover - the auth middleware guarantees it
        raise TypeError("request is not authenticated")
    return user


class WorkflowPlugin(InitPluginProtocol):
    """Mount the workflow gateway's routes under ``path`` in a Litestar app.

    Only the mounted routes get the gateway's bearer-token authentication, problem+json error
    handling and body-size limit; the rest of the host app is untouched. The routes' OpenAPI
    entries, the security scheme and one component schema per human-step form are added to the
    host app's schema.

    Args:
        config: 0.3.3's :class:`~litestar_workflows.plugin.WorkflowPluginConfig` (optional; see
            :mod:`api.plugin_config`). The keywords below override it.
        settings: Configuration (environment variables when omitted).
        engine: Engine to use; when omitted the app's lifespan connects to Temporal and builds
            a ``TemporalExecutionEngine`` over the definitions of ``settings.definitions``.
        path: Mount path of the routes, e.g. ``"/workflows"`` (``""`` for the root).
        auth: Token configuration; built from ``settings`` when omitted.
        ui: Also serve the task UI under ``<path>/ui`` (docs/ui.md).
    """

    def __init__(
        self,
        config: WorkflowPluginConfig | None = None,
        *,
        settings: Settings | None = None,
        engine: ExecutionEngine | None = None,
        path: str | None = None,
        auth: AuthConfig | None = None,
        ui: bool = True,
    ) -> None:
        self.published = applied = apply_config(config, engine=engine, path=path, settings=settings)
        engine, path, settings = applied.engine, applied.path, applied.settings
        self.settings = settings or Settings()  # type: ignore[call-arg]
        self.prefix = "/" + path.strip("/") if path.strip("/") else ""
        self.auth = auth or build_auth(self.settings)
        self.gateway = Gateway(self.settings, self.auth, engine, self.prefix)
        self.ui = ui

    def routers(self) -> list[Router]:
        """The public (health, readiness, dev token) and protected routers."""
        gateway = self.gateway
        dependencies = {
            "gateway": Provide(gateway.provide_gateway, sync_to_thread=False),
            "engine": Provide(gateway.provide_engine, sync_to_thread=False),
        }
        handlers = exception_handlers(self.settings.retry_after, self.settings.max_body_size, self.prefix)
        public: list[ControllerRouterHandler] = [SystemController, WebhooksController]
        if self.settings.dev_tokens:
            public.append(dev_token)
        auth = self.auth.auth
        return [
            Router(
                path=self.prefix or "/",
                route_handlers=public,
                dependencies=dependencies,
                exception_handlers=handlers,
                request_max_body_size=self.settings.max_body_size,
            ),
            Router(
                path=self.prefix or "/",
                route_handlers=[DefinitionsController, InstancesController, TasksController, TaskOperationsController],
                dependencies={**dependencies, "identity": Provide(_provide_identity, sync_to_thread=False)},
                exception_handlers=handlers,
                middleware=[auth.middleware],
                security=[auth.security_requirement],
                request_max_body_size=self.settings.max_body_size,
                **self.published.router_options,
            ),
        ]

    @property
    def registry(self) -> WorkflowRegistry:
        """The definitions served."""
        return self.gateway.registry

    @property
    def engine(self) -> ExecutionEngine | None:
        """The engine (``None`` until the app has started, when the gateway builds it from settings)."""
        return self.gateway.engine

    def ui_routers(self) -> list[Router]:
        """The task UI's routers (api/ui), signed in with the same tokens as the routes."""
        from api.ui.mount import ui_routers
        from api.ui.site import UISite

        site = UISite(self.gateway, self.settings.temporal_ui_url)
        return ui_routers(site, self.auth.auth.middleware, self.settings.max_body_size)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Register the routes, lifespan, security scheme and start-up hooks."""
        app_config.route_handlers.extend(self.routers() if self.published.enable_api else [])
        app_config.dependencies.update(self.published.dependencies)
        if self.ui:
            app_config.route_handlers.extend(self.ui_routers())
        app_config.lifespan.append(self.gateway.lifespan)
        app_config.on_startup.append(self._on_startup)
        openapi = app_config.openapi_config
        if openapi is not None:
            auth = self.auth.auth
            # Litestar's own scheme adds "name", which OpenAPI forbids on http schemes.
            scheme = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT", description=auth.description)
            _add_components(openapi, Components(security_schemes={auth.openapi_security_scheme_name: scheme}))
        return app_config

    def _on_startup(self, app: Litestar) -> None:
        self.install(app)

    def install(self, app: Litestar) -> None:
        """Finish mounting on the built ``app`` (idempotent; also run at start-up).

        Wraps the app's ASGI handler so ids with ``/`` can be sent percent-encoded as one path
        segment (this has to happen before routing, which plugins cannot otherwise reach), and adds
        the form schemas to the OpenAPI components.
        """
        prefixes: tuple[str, ...] = (f"{self.prefix}/instances/", f"{self.prefix}/tasks/")
        if self.ui:
            prefixes += (f"{self.prefix}/ui/instances/", f"{self.prefix}/ui/tasks/")
        wrapper: Any = app.asgi_handler
        while isinstance(wrapper, EncodedSlashes):
            if wrapper.prefixes == prefixes:
                break
            wrapper = wrapper.app
        else:
            app.asgi_handler = EncodedSlashes(app.asgi_handler, prefixes)
        if app.openapi_config is not None:
            self._add_schemas(app)

    def _add_schemas(self, app: Litestar) -> None:
        schemas = app.openapi_schema.components.schemas
        if schemas is None:
            return
        for name, schema in model_schemas().items():
            existing = schemas.get(name)
            # Replace only our own models (a host app's model of the same name gets renamed by Litestar).
            if existing is None or getattr(existing, "title", None) in (None, name):
                schemas[name] = schema  # type: ignore[assignment]
        schemas.update(form_schemas(self.gateway.registry))  # type: ignore[arg-type]


def _add_components(openapi: OpenAPIConfig, extra: Components) -> None:
    existing = openapi.components
    merged: Sequence[Components] = [*existing, extra] if isinstance(existing, list) else [existing, extra]
    openapi.components = list(merged)
