"""The codec server as the Temporal Web UI calls it: protocol shape, authorization, CORS.

The payloads are real ones from the data converter; the end-to-end check over a real Temporal
history is in ``tests/api/test_operations.py``.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from google.protobuf import json_format
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import AsyncTestClient
from temporalio.api.common.v1 import Payloads

from api.app import create_app
from examples.expense_approval import registry as expense_registry
from litestar_workflows import LocalExecutionEngine
from litestar_workflows.temporal.codec import data_converter, generate_key, parse_keys
from litestar_workflows.temporal.contracts import CompleteHumanTask
from tests.api.conftest import assert_problem, auth_headers, gateway_settings

KEYS = f"{generate_key('k2')},{generate_key('k1')}"
UI = "http://ui.example:8080"
FORM = CompleteHumanTask(step_name="manager_approval", user_id="bob", data={"approved": True, "comments": "SECRET-7"})


def codec_settings(**overrides: Any) -> Any:
    values = {
        "codec_keys": KEYS,
        "codec_cors_origins": [UI],
        "codec_operator_groups": ["operators"],
        "cors_origins": ["http://api-client.example"],
        **overrides,
    }
    return gateway_settings(**values)


@pytest.fixture
async def codec_client() -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(codec_settings(), LocalExecutionEngine(expense_registry))
    async with AsyncTestClient(app) as client:
        yield client


async def encrypted_body() -> dict[str, Any]:
    payloads = await data_converter(parse_keys(KEYS)).encode([FORM])
    body: dict[str, Any] = json_format.MessageToDict(Payloads(payloads=payloads))
    return body


def operator(**extra: str) -> dict[str, str]:
    return auth_headers("olga", ["operators"], **{"X-Namespace": "default", "Origin": UI, **extra})


async def test_decode_returns_the_plain_payloads_to_an_operator(codec_client: AsyncTestClient[Any]) -> None:
    body = await encrypted_body()
    assert base64.b64decode(body["payloads"][0]["metadata"]["encoding"]) == b"binary/encrypted"
    response = await codec_client.post("/codec/decode", json=body, headers=operator())
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI
    assert response.headers["cache-control"] == "no-store"
    (plain,) = response.json()["payloads"]
    assert base64.b64decode(plain["metadata"]["encoding"]) == b"json/plain"
    assert b"SECRET-7" in base64.b64decode(plain["data"])
    # encode is the inverse: what the Web UI sends when an operator signals or starts from the UI.
    encoded = await codec_client.post("/codec/encode", json=response.json(), headers=operator())
    assert encoded.status_code == 200
    assert b"SECRET-7" not in base64.b64decode(encoded.json()["payloads"][0]["data"])
    again = await codec_client.post("/codec/decode", json=encoded.json(), headers=operator())
    assert again.json() == response.json()


async def test_only_operators_with_a_valid_token(codec_client: AsyncTestClient[Any]) -> None:
    body = await encrypted_body()
    headers = {"X-Namespace": "default", "Origin": UI}
    assert_problem(await codec_client.post("/codec/decode", json=body, headers=headers), 401, "unauthorized")
    bad = {**headers, "Authorization": "Bearer not-a-token"}
    assert_problem(await codec_client.post("/codec/decode", json=body, headers=bad), 401, "unauthorized")
    refused = await codec_client.post("/codec/decode", json=body, headers=auth_headers("bob", **headers))
    assert_problem(refused, 403, "forbidden", detail_contains="operators")
    assert refused.headers["access-control-allow-origin"] == UI  # the UI can read why
    refused = await codec_client.post("/codec/encode", json=body, headers=auth_headers("bob", **headers))
    assert_problem(refused, 403, "forbidden")


async def test_protocol_errors_are_specific(codec_client: AsyncTestClient[Any]) -> None:
    body = await encrypted_body()
    no_namespace = operator()
    del no_namespace["X-Namespace"]
    assert_problem(
        await codec_client.post("/codec/decode", json=body, headers=no_namespace),
        400,
        "validation-error",
        detail_contains="X-Namespace",
    )
    assert_problem(
        await codec_client.post("/codec/decode", json=body, headers=operator(**{"X-Namespace": "other"})),
        400,
        "validation-error",
        detail_contains="'other' is not served",
    )
    assert_problem(
        await codec_client.post("/codec/decode", content=b"{not json", headers=operator()), 400, "malformed-request"
    )
    tampered = await encrypted_body()
    data = bytearray(base64.b64decode(tampered["payloads"][0]["data"]))
    data[-1] ^= 1
    tampered["payloads"][0]["data"] = base64.b64encode(bytes(data)).decode()
    assert_problem(
        await codec_client.post("/codec/decode", json=tampered, headers=operator()),
        400,
        "payload-undecodable",
        detail_contains="failed authentication",
    )
    many = {"payloads": [body["payloads"][0]] * 1001}
    assert_problem(await codec_client.post("/codec/decode", json=many, headers=operator()), 400, "validation-error")


async def test_cors_only_for_the_web_ui_origin(codec_client: AsyncTestClient[Any]) -> None:
    preflight = {
        "Origin": UI,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    allowed = await codec_client.options("/codec/decode", headers=preflight)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "x-namespace" in allowed.headers["access-control-allow-headers"]
    assert "POST" in allowed.headers["access-control-allow-methods"]
    for origin in ("http://evil.example", "http://api-client.example"):
        refused = await codec_client.options("/codec/decode", headers={**preflight, "Origin": origin})
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
    other = await codec_client.post(
        "/codec/decode", json=await encrypted_body(), headers=operator(Origin="http://evil.example")
    )
    assert "access-control-allow-origin" not in other.headers
    # The API's own CORS setting is untouched by the codec's.
    api = await codec_client.options(
        "/definitions",
        headers={**preflight, "Origin": "http://api-client.example", "Access-Control-Request-Method": "GET"},
    )
    assert api.headers.get("access-control-allow-origin") == "http://api-client.example"


async def test_without_keys_there_is_no_codec_server() -> None:
    async with AsyncTestClient(create_app(gateway_settings(), LocalExecutionEngine(expense_registry))) as client:
        response = await client.post("/codec/decode", json={"payloads": []}, headers=operator())
        assert response.status_code in (401, 404)


def test_anonymous_access_only_in_development_mode() -> None:
    with pytest.raises(ImproperlyConfiguredException, match="only allowed together with WORKFLOWS_DEV_TOKENS"):
        create_app(codec_settings(codec_allow_anonymous=True), LocalExecutionEngine(expense_registry))


async def test_anonymous_access_in_development_mode() -> None:
    settings = codec_settings(codec_allow_anonymous=True, dev_tokens=True, jwt_secret=None)
    async with AsyncTestClient(create_app(settings, LocalExecutionEngine(expense_registry))) as client:
        response = await client.post("/codec/decode", json=await encrypted_body(), headers={"X-Namespace": "default"})
        assert response.status_code == 200
