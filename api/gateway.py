"""Per-app gateway state: settings, the engine (and the Temporal client under it), settling.

One :class:`Gateway` exists per mounted gateway (``create_app`` or :class:`~api.plugin.WorkflowPlugin`);
it is handed to handlers by dependency injection, as is its engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from api.auth import AuthConfig
from api.cursors import CursorCodec
from litestar_workflows.engine.base import ExecutionEngine
from litestar_workflows.engine.registry import WorkflowRegistry
from litestar_workflows.exceptions import EngineUnavailableError
from litestar_workflows.settings import Settings

if TYPE_CHECKING:
    from litestar import Litestar
    from temporalio.client import Client

__all__ = ["Gateway", "SettleTimeout"]

logger = logging.getLogger("api")

T = TypeVar("T")

_ENGINE_GRACE = 5.0


class SettleTimeout(Exception):
    """The engine call outlived the settle timeout; it keeps running in the background."""


class Gateway:
    """State shared by one gateway's handlers.

    Args:
        settings: Configuration.
        auth: Token verification (and, in dev mode, minting).
        engine: Engine to use; when ``None`` the lifespan connects to Temporal and builds one.
        prefix: Mount path of the routes (``""`` at the root).
    """

    def __init__(self, settings: Settings, auth: AuthConfig, engine: ExecutionEngine | None, prefix: str) -> None:
        self.settings = settings
        self.auth = auth
        self.prefix = prefix
        self._engine = engine
        self._owns_engine = engine is None
        self.registry: WorkflowRegistry
        if engine is not None:
            self.registry = engine.registry
        else:
            from api.temporal import load_registry

            # Loaded now, not in the lifespan, so a bad WORKFLOWS_DEFINITIONS fails at start-up.
            self.registry = load_registry(settings.definitions)
        self.client: Client | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self.cursors = CursorCodec(auth.auth.token_secret.encode())

    def __deepcopy__(self, memo: dict[int, Any]) -> Gateway:
        # Litestar deep-copies routers (and their dependency providers, bound to this object) when
        # registering them; the copies must share this one state, engine and Temporal client.
        return self

    def __copy__(self) -> Gateway:
        return self

    # --- dependency providers ---------------------------------------------------------

    def provide_gateway(self) -> Gateway:
        """DI provider of this gateway."""
        return self

    def provide_engine(self) -> ExecutionEngine:
        """DI provider of the engine.

        Raises:
            EngineUnavailableError: The lifespan has not built it (yet).
        """
        if self._engine is None:
            raise EngineUnavailableError("The workflow engine is not connected yet")
        return self._engine

    @property
    def engine(self) -> ExecutionEngine | None:
        """The engine, once available."""
        return self._engine

    # --- lifespan --------------------------------------------------------------------------

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Open the Temporal client and engine (when none was given); drain in-flight calls at exit."""
        if self._owns_engine:
            from api.temporal import build_engine, connect

            self.client = await connect(self.settings)
            self._engine = build_engine(self.settings, self.client, self.registry)
        elif self.client is None:
            self.client = _client_of(self._engine)
        if self.auth.demo_tokens:
            lines = [f"  {user}: {token}" for user, token in self.auth.demo_tokens.items()]
            logger.warning("development mode: demo bearer tokens (valid 8 h):\n%s", "\n".join(lines))
        try:
            yield
        finally:
            await self._drain()
            if self._owns_engine:
                self._engine = None
                self.client = None

    async def _drain(self) -> None:
        pending = [t for t in self._inflight if not t.done()]
        if pending:
            logger.info("waiting for %d in-flight engine call(s) before stopping", len(pending))
            await asyncio.wait(pending, timeout=self.settings.settle_timeout)

    # --- settling ----------------------------------------------------------------------

    async def settle(self, call: Awaitable[T]) -> T:
        """Await an engine call for at most the settle timeout.

        The call runs as its own task so neither the timeout nor a client disconnect cancels
        it: an accepted start or completion is never lost, only answered later.

        Raises:
            SettleTimeout: It has not finished in time (it goes on in the background).
        """
        task: asyncio.Task[T] = asyncio.ensure_future(call)
        self._inflight.add(task)
        task.add_done_callback(self._finished)
        timeout = self.settings.settle_timeout
        if hasattr(self._engine, "settle_timeout"):
            # The engine times out by itself (and knows the instance id for the 202): leave it a head start.
            timeout += _ENGINE_GRACE
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            raise SettleTimeout from None

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Retrieved here so an abandoned call's failure is logged, not "never retrieved".
            logger.debug("engine call finished with %r", task.exception())

    # --- readiness ------------------------------------------------------------------------

    async def not_ready_reason(self) -> str | None:
        """Why the gateway cannot serve workflow requests now; ``None`` when it can."""
        if self._engine is None:
            return "The workflow engine is not connected yet"
        if self.client is None:
            # An in-process engine (LocalExecutionEngine) is ready as soon as it exists.
            return None
        from api.temporal import check_worker

        return await check_worker(self.client, self.settings.task_queue, self.settings.ready_timeout)


def _client_of(engine: ExecutionEngine | None) -> Client | None:
    from temporalio.client import Client

    client = getattr(engine, "client", None)
    return client if isinstance(client, Client) else None
