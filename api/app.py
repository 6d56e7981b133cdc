"""The standalone gateway application.

Run it with ``litestar --app api.app:create_app run`` or ``uvicorn --factory api.app:create_app``
(both read the ``WORKFLOWS_*`` and ``TEMPORAL_*`` environment variables, see
:class:`~litestar_workflows.settings.Settings`).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Tag

from api.auth import schema_router
from api.body_timeout import BodyTimeoutMiddleware
from api.operations import operations_plugins
from api.plugin import WorkflowPlugin
from api.problems import exception_handlers
from api.ui.docs_assets import docs_assets_router, offline_render_plugins
from litestar_workflows import __version__
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.settings import Settings

__all__ = ["create_app"]

DESCRIPTION = """\
Start durable workflows, complete their human tasks and follow their instances.

* Every route except `/health` and `/ready` needs `Authorization: Bearer <JWT>` (so does
  `/schema` unless `WORKFLOWS_SCHEMA_PUBLIC`); `sub` is the user id and `groups` the user's groups.
* An instance, its tasks and its history are visible only to its participants (starter, whoever
  a task is or was offered to, completers), the definition's `visible_to_groups` and the admin
  groups; anyone else gets 404 (docs/security.md).
* Errors are RFC 9457 `application/problem+json` with a stable `code`; 400 and 422 list each
  failing field in `errors` as `{pointer, message}`.
* Instance ids contain `/` when started with a business key: percent-encode them in paths
  (`/instances/expense_approval%2Fexpense-2024-0042`), or follow the `links` of the responses.
* Each human step's form is the component schema `<definition>.<version>.<step>.Form`, and every
  task carries its `form_schema`.
"""


def create_app(settings: Settings | None = None, engine: ExecutionEngine | None = None) -> Litestar:
    """Build the gateway.

    Args:
        settings: Configuration; read from the environment when omitted.
        engine: Engine to serve (e.g. a ``LocalExecutionEngine``). When omitted the app opens one
            Temporal client in its lifespan and serves a ``TemporalExecutionEngine`` over the
            definitions named by ``WORKFLOWS_DEFINITIONS``.

    Raises:
        ImproperlyConfiguredException: No token key configured, or development tokens enabled on a
            non-loopback address.
    """
    settings = settings or Settings()  # type: ignore[call-arg]
    plugin = WorkflowPlugin(settings=settings, engine=engine, path="")
    app = Litestar(
        # Codec server, metrics, traces, JSON logs: each when its settings ask for it (docs/operations.md).
        plugins=[plugin, *operations_plugins(settings, plugin)],
        # The docs pages' scripts and styles (public: they contain nothing of this deployment).
        route_handlers=[docs_assets_router("/schema")],
        # App-level handlers answer what happens before a route is chosen (404, 405) as problems too.
        exception_handlers=exception_handlers(settings.retry_after, settings.max_body_size),
        openapi_config=OpenAPIConfig(
            title="litestar-workflows gateway",
            version=__version__,
            description=DESCRIPTION,
            path="/schema",
            # The document shows every form: it needs a token like the routes it documents, unless
            # WORKFLOWS_SCHEMA_PUBLIC (or development mode, where the browser has no token).
            openapi_router=schema_router(settings, plugin.auth),
            tags=[
                Tag(name="definitions", description="Registered workflow definitions"),
                Tag(name="instances", description="Start, inspect, list and cancel instances"),
                Tag(name="tasks", description="The inbox of human tasks, and completing them"),
                Tag(name="system", description="Liveness and readiness probes (public)"),
            ],
            # Swagger UI, ReDoc and RapiDoc from a PyPI package, served by the gateway: no CDN.
            render_plugins=offline_render_plugins("/schema"),
        ),
        cors_config=(
            CORSConfig(allow_origins=settings.cors_origins, expose_headers=["Location", "Retry-After"])
            if settings.cors_origins
            else None
        ),
        request_max_body_size=settings.max_body_size,
        # A stalled upload is answered 408 instead of holding its connection (uvicorn has no body timeout).
        middleware=[DefineMiddleware(BodyTimeoutMiddleware, seconds=settings.body_timeout)],
    )
    plugin.install(app)
    return app
