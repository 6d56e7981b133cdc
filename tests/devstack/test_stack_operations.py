"""`make run` runs with encryption on: the worker and the gateway share the data directory's key,
the dev server's Web UI is pointed at the gateway's codec route, and the gateway accepts the UI's
origin (the full stack itself runs in test_dev_stack.py; decrypted payloads in the Web UI were
checked by hand, see docs/operations.md)."""

from __future__ import annotations

from pathlib import Path

from api.app import create_app
from litestar_workflows.devstack.config import DevStackConfig, dev_codec_keys
from litestar_workflows.devstack.services import default_services
from litestar_workflows.settings import Settings
from litestar_workflows.temporal.codec import parse_keys


def test_dev_stack_encrypts_and_wires_the_codec_server(tmp_path: Path) -> None:
    config = DevStackConfig(
        temporal_port=17001, ui_port=17002, gateway_port=17003, worker_metrics_port=17004, data_dir=tmp_path
    )
    temporal, worker, gateway = default_services(config, environ={"PATH": "/usr/bin"})
    argv = temporal.argv
    assert argv[argv.index("--ui-codec-endpoint") + 1] == "http://127.0.0.1:17003/codec"
    keys = worker.env["WORKFLOWS_CODEC_KEYS"]
    assert keys == gateway.env["WORKFLOWS_CODEC_KEYS"] == dev_codec_keys(config)  # kept in the data directory
    assert [k.key_id for k in parse_keys(keys)] == ["dev-1"]
    assert (tmp_path / "dev-codec-keys").stat().st_mode & 0o077 == 0
    assert worker.env["WORKER_METRICS_BIND"] == "127.0.0.1:17004"
    assert gateway.env["WORKFLOWS_METRICS"] == "true"
    origins = gateway.env["WORKFLOWS_CODEC_CORS_ORIGINS"].split(",")
    assert origins == ["http://127.0.0.1:17002", "http://localhost:17002"]
    # The gateway starts with exactly that environment (anonymous codec access is allowed in dev mode).
    settings = Settings.model_validate(
        {k: v for k, v in gateway.env.items() if k.startswith(("WORKFLOWS_", "TEMPORAL_"))}
    )
    app = create_app(settings)
    assert any(route.path == "/codec/decode" for route in app.routes)
    # Your own keys win over the dev key.
    _, own_worker, _ = default_services(config, environ={"WORKFLOWS_CODEC_KEYS": keys.replace("dev-1", "mine")})
    assert own_worker.env["WORKFLOWS_CODEC_KEYS"].startswith("mine:")
