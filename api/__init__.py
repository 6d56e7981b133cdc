"""The Litestar REST gateway: start workflows, complete human tasks, inbox, instances.

``create_app`` builds the standalone app (``litestar --app api.app:create_app run``);
``WorkflowPlugin`` mounts the same routes under a prefix inside another Litestar app.
"""

from api.app import create_app
from api.auth import Identity
from api.plugin import WorkflowPlugin

__all__ = ["Identity", "WorkflowPlugin", "create_app"]
