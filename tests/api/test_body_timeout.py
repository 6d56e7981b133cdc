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
            chunk = conn.recv(4096)
            waited = time.monotonic() - began
            answer = b""
            while chunk:  # the head and the problem body may arrive in separate packets
                answer += chunk
                head_end = answer.find(b"\r\n\r\n")
                if head_end >= 0 and b"content-length" in answer.lower():
                    length = int(answer.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                    if len(answer) >= head_end + 4 + length:
                        break
                chunk = conn.recv(4096)
    answer_text = answer.decode()
    assert answer_text.startswith("HTTP/1.1 408"), answer_text
    assert "WORKFLOWS_BODY_TIMEOUT" in answer_text
    assert 0.4 < waited < 5
