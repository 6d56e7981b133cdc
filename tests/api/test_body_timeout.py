"""A stalled upload is answered 408 and does not hold its connection (api/body_timeout.py), over real HTTP."""

from __future__ import annotations

import socket
import time

from api.app import create_app
from examples.expense_approval import registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import LiveServer, gateway_settings, make_token


def test_stalled_body_is_answered_408() -> None:
    app = create_app(gateway_settings(body_timeout=0.5), LocalExecutionEngine(registry))
    with LiveServer(app) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            head = (
                "POST /instances HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {make_token('alice')}\r\nContent-Length: 1000\r\n\r\n"
            )
            conn.sendall(head.encode() + b'{"workflow_name": ')
            began = time.monotonic()
            answer = conn.recv(4096).decode()
            waited = time.monotonic() - began
    assert answer.startswith("HTTP/1.1 408"), answer
    assert "WORKFLOWS_BODY_TIMEOUT" in answer
    assert 0.4 < waited < 5
