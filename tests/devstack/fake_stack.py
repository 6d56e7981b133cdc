"""Runs the real :class:`DevStack` supervisor over fake services, as its own process (for signal tests).

Usage: ``python fake_stack.py WORKDIR SPEC_JSON`` where SPEC_JSON is a list of
``{"name": ..., "flags": [...]}``; ports come from ``DEV_*``/``WORKFLOWS_PORT`` in the environment.
Prints ``READY`` once the banner would be shown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from litestar_workflows.devstack.config import DevStackConfig
from litestar_workflows.devstack.supervisor import DevStack, Service, run_dev_stack

HERE = Path(__file__).parent


def main() -> int:
    workdir = Path(sys.argv[1])
    spec = json.loads(sys.argv[2])
    config = DevStackConfig.from_settings(data_dir=workdir / "data")
    services = []
    for entry in spec:
        name = entry["name"]

        async def ready(name: str = name) -> bool:
            return (workdir / f"{name}.ready").exists()

        argv = [sys.executable, str(HERE / "fake_service.py"), name, str(workdir), *entry.get("flags", [])]
        services.append(Service(name, argv, {"PATH": "/usr/bin:/bin"}, ready))

    async def banner(stack: DevStack, took: float) -> str:
        return "READY\n"

    return run_dev_stack(DevStack(config, services, banner=banner))


if __name__ == "__main__":
    sys.exit(main())
