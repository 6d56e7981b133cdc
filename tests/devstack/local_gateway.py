"""A gateway over the in-process engine with every example, for walkthrough tests without Temporal."""

from __future__ import annotations

from litestar import Litestar

import examples
from api.app import create_app
from litestar_workflows import LocalExecutionEngine


def create_local_app() -> Litestar:
    """``uvicorn --factory tests.devstack.local_gateway:create_local_app`` (settings from the environment)."""
    return create_app(engine=LocalExecutionEngine(examples.build_registry()))
