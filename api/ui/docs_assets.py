"""The API documentation pages (``/schema``) without a CDN.

Litestar's render plugins load Swagger UI, ReDoc and RapiDoc from public CDNs by default, so the
docs are blank offline or behind a firewall. The assets come instead from the
``openapi-ui-bundles`` package (a dependency) and are served by the gateway under
``/schema/assets``; the pages' favicon is dropped (it is also a CDN link).
"""

from __future__ import annotations

from pathlib import Path

import openapi_ui_bundles
from litestar import Router
from litestar.openapi.plugins import (
    JsonRenderPlugin,
    OpenAPIRenderPlugin,
    RapidocRenderPlugin,
    RedocRenderPlugin,
    SwaggerRenderPlugin,
    YamlRenderPlugin,
)
from litestar.static_files import create_static_files_router

__all__ = ["docs_assets_router", "offline_render_plugins"]

_BUNDLES = Path(openapi_ui_bundles.__file__).parent


def offline_render_plugins(schema_path: str = "/schema") -> list[OpenAPIRenderPlugin]:
    """Swagger UI at ``/schema`` and ``/schema/swagger``, ReDoc and RapiDoc, JSON and YAML; every
    script and stylesheet served from ``<schema_path>/assets``."""
    assets = f"{schema_path.rstrip('/')}/assets"
    swagger = f"{assets}/swagger"
    return [
        SwaggerRenderPlugin(
            path=["/", "/swagger"],
            js_url=f"{swagger}/swagger-ui-bundle.js",
            css_url=f"{swagger}/swagger-ui.css",
            standalone_preset_js_url=f"{swagger}/swagger-ui-standalone-preset.js",
            favicon="",
        ),
        RedocRenderPlugin(path="/redoc", js_url=f"{assets}/redoc/redoc.standalone.js", google_fonts=False, favicon=""),
        RapidocRenderPlugin(path="/rapidoc", js_url=f"{assets}/rapidoc/rapidoc-min.js", favicon=""),
        JsonRenderPlugin(path="/openapi.json"),
        YamlRenderPlugin(path="/openapi.yaml"),
    ]


def docs_assets_router(schema_path: str = "/schema") -> Router:
    """Static files of the docs pages, from the ``openapi-ui-bundles`` package."""
    return Router(
        path=f"{schema_path.rstrip('/')}/assets",
        route_handlers=[
            create_static_files_router(
                path=f"/{name}",
                directories=[_BUNDLES / package / "vendor"],
                include_in_schema=False,
                name=f"docs-{name}",
            )
            for name, package in (("swagger", "swagger_ui"), ("redoc", "redoc"), ("rapidoc", "rapidoc"))
        ],
        include_in_schema=False,
    )
