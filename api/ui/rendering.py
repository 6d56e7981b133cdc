"""Rendering the UI's Jinja templates into HTML responses.

The UI keeps its own Jinja environment instead of the host app's ``TemplateConfig``: a Litestar
app has one template engine, and an app that mounts :class:`~api.plugin.WorkflowPlugin` may
already have its own (another directory, another engine). Templates are package data of
``api.ui`` and are rendered with autoescaping on, so no user-controlled value reaches the page
as markup.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from api.paths import segment

__all__ = ["SECURITY_HEADERS", "render", "templates"]

SECURITY_HEADERS = {
    # Everything is served by the gateway: no CDN, no inline script, no framing.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(value: datetime | None) -> str:
    """A timestamp as UTC, to the minute (the full value is in the ``datetime`` attribute)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat()


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def _build_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("api.ui", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.do"],
    )
    env.filters["when"] = _when
    env.filters["iso"] = _iso
    env.filters["pretty_json"] = _pretty_json
    env.filters["segment"] = segment
    return env


templates = _build_environment()
"""The UI's template environment (loaded once; templates are package data)."""


def render(template: str, **context: Any) -> str:
    """``template`` rendered with ``context`` (autoescaped HTML)."""
    return templates.get_template(template).render(**context)
