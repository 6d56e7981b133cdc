"""Fixtures of the UI tests: a real gateway (uvicorn) over the Temporal engine, and Chromium.

The browser is Debian's ``chromium`` driven by Playwright for Python through
``executable_path``: Playwright never downloads a browser here. Without ``/usr/bin/chromium`` the
browser tests are skipped with a message saying what to install (``make test`` says it too).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from temporalio.client import Client
from temporalio.worker import Worker

from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.engine import TemporalExecutionEngine
from tests.conftest import TEMPORAL_TASK_QUEUE

CHROMIUM = os.environ.get("WORKFLOWS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = (
    f"the browser tests need Chromium at {CHROMIUM}: install it with "
    "`sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this itself)"
)
TEMPORAL_UI = "http://127.0.0.1:8233"


def chromium_available() -> bool:
    """Whether the Chromium the browser tests drive is installed."""
    return os.access(CHROMIUM, os.X_OK) or (CHROMIUM == "chromium" and shutil.which("chromium") is not None)


async def serve(app: Any) -> tuple[uvicorn.Server, asyncio.Future[None], str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop: (server, task, base URL)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    task = asyncio.ensure_future(server.serve())
    for _ in range(600):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if task.done():
        task.result()
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, task, f"http://127.0.0.1:{port}"


class LiveGateway:
    """A gateway served by uvicorn in the test's event loop, with its engine for checks."""

    def __init__(self, base_url: str, engine: TemporalExecutionEngine) -> None:
        self.base_url = base_url
        self.engine = engine

    def url(self, path: str) -> str:
        """Absolute URL of ``path``."""
        return self.base_url + path


@pytest.fixture(scope="session")
async def live_gateway(
    temporal_client: Client, temporal_registry: WorkflowRegistry, temporal_worker: Worker
) -> AsyncIterator[LiveGateway]:
    """``create_app`` in development-token mode over the Temporal engine (the session's dev server and
    worker), listening on a free loopback port."""
    from api.app import create_app

    engine = TemporalExecutionEngine(temporal_registry, temporal_client, TEMPORAL_TASK_QUEUE, settle_timeout=30)
    settings = Settings(dev_tokens=True, host="127.0.0.1", temporal_ui_url=TEMPORAL_UI)  # type: ignore[call-arg]
    server, task, base_url = await serve(create_app(settings, engine))
    try:
        yield LiveGateway(base_url, engine)
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (skipped with a message when absent)."""
    if not chromium_available():
        pytest.skip(MISSING_CHROMIUM)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def new_page(browser: Any) -> AsyncIterator[Any]:
    """Factory of pages, each in its own browser context (its own cookies: one signed-in user each)."""
    contexts: list[Any] = []

    async def make(width: int = 1100, height: int = 900) -> Any:
        context = await browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()
