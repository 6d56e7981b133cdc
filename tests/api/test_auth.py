"""Authentication: HS256 and RS256 tokens, issuer and audience, expiry, dev-token mode and its guard."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.auth import assert_dev_mode_allowed, is_loopback
from examples.expense_approval import registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import SECRET, LiveServer, assert_problem, gateway_settings, make_token


def _hs256_by_hand(payload: dict[str, Any], key: bytes) -> str:
    # PyJWT refuses to HMAC-sign with a PEM key, which is what an attacker would do by hand.
    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(payload).encode())
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    """(private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def test_expired_and_foreign_tokens_are_401(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/definitions", headers=bearer(make_token("bob")))).status_code == 200
    expired = make_token("bob", ttl=timedelta(seconds=-60))
    response = await client.get("/definitions", headers=bearer(expired))
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    foreign = make_token("bob", secret="another-secret-another-secret-another")
    assert_problem(await client.get("/definitions", headers=bearer(foreign)), 401, "unauthorized")
    unsigned = jwt.encode({"sub": "bob", "exp": 9999999999, "iat": 1}, key="", algorithm="none")
    assert_problem(await client.get("/definitions", headers=bearer(unsigned)), 401, "unauthorized")


async def test_issuer_and_audience_are_checked() -> None:
    settings = gateway_settings(jwt_issuer="https://idp.example", jwt_audience="workflows")
    async with AsyncTestClient(create_app(settings, LocalExecutionEngine(registry))) as client:
        good = make_token("bob", iss="https://idp.example", aud="workflows")
        assert (await client.get("/definitions", headers=bearer(good))).status_code == 200
        for bad in (
            make_token("bob", aud="workflows"),
            make_token("bob", iss="https://evil.example", aud="workflows"),
            make_token("bob", iss="https://idp.example", aud="other"),
        ):
            assert_problem(await client.get("/definitions", headers=bearer(bad)), 401, "unauthorized")


async def test_rs256_public_key(rsa_keys: tuple[str, str], tmp_path: Path) -> None:
    private, public = rsa_keys
    key_file = tmp_path / "public.pem"
    key_file.write_text(public)
    for settings in (
        gateway_settings(jwt_algorithm="RS256", jwt_secret=None, jwt_public_key=public),
        gateway_settings(jwt_algorithm="RS256", jwt_secret=None, jwt_public_key_file=str(key_file)),
    ):
        async with AsyncTestClient(create_app(settings, LocalExecutionEngine(registry))) as client:
            token = jwt.encode(
                {"sub": "bob", "groups": ["managers"], "exp": 9999999999, "iat": 1}, private, algorithm="RS256"
            )
            assert (await client.get("/definitions", headers=bearer(token))).status_code == 200
            # An HS256 token "signed" with the public key must not pass (algorithm confusion).
            forged = _hs256_by_hand({"sub": "bob", "exp": 9999999999, "iat": 1}, public.encode())
            assert_problem(await client.get("/definitions", headers=bearer(forged)), 401, "unauthorized")


async def test_groups_come_from_the_configured_claim() -> None:
    settings = gateway_settings(jwt_groups_claim="roles")
    engine = LocalExecutionEngine(registry)
    async with AsyncTestClient(create_app(settings, engine)) as client:
        started = await client.post(
            "/instances",
            json={"workflow_name": "expense_approval", "initial_data": {"amount": 5}},
            headers=bearer(make_token("alice")),
        )
        url = started.json()["pending_tasks"][0]["links"]["complete"]
        # "groups" is ignored under this configuration: bob is no manager here, so he took no part in
        # the instance and it does not exist for him.
        assert_problem(
            await client.post(url, json={"data": {"approved": True}}, headers=bearer(make_token("bob"))),
            404,
            "instance-not-found",
        )
        token = make_token("bob", groups=[], roles=["managers"])
        assert (await client.post(url, json={"data": {"approved": True}}, headers=bearer(token))).status_code == 200


def test_missing_key_is_refused_at_start() -> None:
    with pytest.raises(ImproperlyConfiguredException, match="WORKFLOWS_JWT_SECRET"):
        create_app(gateway_settings(jwt_secret=None), LocalExecutionEngine(registry))
    with pytest.raises(ImproperlyConfiguredException, match="WORKFLOWS_JWT_PUBLIC_KEY"):
        create_app(gateway_settings(jwt_secret=None, jwt_algorithm="RS256"), LocalExecutionEngine(registry))
    with pytest.raises(ImproperlyConfiguredException, match="not supported"):
        create_app(gateway_settings(jwt_algorithm="XX999"), LocalExecutionEngine(registry))


def test_dev_mode_refuses_non_loopback_binds() -> None:
    with pytest.raises(ImproperlyConfiguredException, match="loopback"):
        create_app(gateway_settings(dev_tokens=True, host="0.0.0.0"), LocalExecutionEngine(registry))
    dev = gateway_settings(dev_tokens=True)
    for argv, environ in (
        (["uvicorn", "--factory", "api.app:create_app", "--host", "0.0.0.0"], {}),
        (["litestar", "run", "--host=192.168.1.2"], {}),
        (["litestar", "run"], {"LITESTAR_HOST": "10.0.0.1"}),
        (["uvicorn"], {"UVICORN_HOST": "::"}),
        # Whatever the server program: gunicorn, hypercorn, granian, an inherited socket.
        (["gunicorn", "-b", "0.0.0.0:8000", "api.app:create_app()"], {}),
        (["gunicorn", "api.app:create_app()"], {"GUNICORN_CMD_ARGS": "--bind=10.1.2.3:80 --workers 2"}),
        (["hypercorn", "api.app:create_app()"], {"HYPERCORN_BIND": "127.0.0.1:8000,0.0.0.0:8001"}),
        (["granian", "--interface", "asgi", "api.app:app"], {"GRANIAN_HOST": "0.0.0.0"}),
        (["uvicorn", "--fd", "3", "api.app:app"], {}),
    ):
        with pytest.raises(ImproperlyConfiguredException, match="loopback"):
            assert_dev_mode_allowed(dev, argv, environ)
    assert_dev_mode_allowed(dev, ["uvicorn", "--host", "127.0.0.1"], {"LITESTAR_HOST": "localhost"})
    assert_dev_mode_allowed(dev, ["uvicorn", "--host", "::1"], {})
    assert_dev_mode_allowed(dev, ["gunicorn", "--bind", "127.0.0.1:8000"], {"HYPERCORN_BIND": "[::1]:8000"})
    # Outside dev mode any bind address is fine.
    assert_dev_mode_allowed(gateway_settings(), ["uvicorn", "--host", "0.0.0.0"], {})
    assert [is_loopback(h) for h in ("127.0.0.5", "[::1]", "localhost", "0.0.0.0", "example.com", "")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


async def test_dev_tokens() -> None:
    # WORKFLOWS_JWT_SECRET is set, yet ignored: demo tokens are never signed with a production secret.
    app = create_app(gateway_settings(dev_tokens=True), LocalExecutionEngine(registry))
    with LiveServer(app) as server:  # a real socket: the client really is 127.0.0.1
        async with httpx.AsyncClient(base_url=server.url) as client:
            minted = await client.get("/dev/token", params={"user": "bob"})
            assert minted.status_code == 200
            body = minted.json()
            assert (body["user"], body["groups"], body["token_type"]) == ("bob", ["employees", "managers"], "Bearer")
            assert (await client.get("/definitions", headers=bearer(body["access_token"]))).status_code == 200
            custom = (await client.get("/dev/token", params={"user": "eve", "groups": "vps,managers"})).json()
            assert custom["groups"] == ["vps", "managers"]
            assert (await client.get("/dev/token", params={"groups": "a b"})).status_code == 400
            # A token signed with WORKFLOWS_JWT_SECRET (a production token) is not accepted either.
            assert (await client.get("/definitions", headers=bearer(make_token("bob")))).status_code == 401
            # Through a proxy on this machine (nginx in front of a loopback gateway): refused.
            for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP", "Via"):
                proxied = await client.get("/dev/token", params={"user": "dave"}, headers={header: "203.0.113.9"})
                assert proxied.status_code == 403, header
                assert "proxy" in proxied.json()["detail"]
    # A client that is not on this machine (the test client reports a non-loopback peer): refused.
    async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        assert_problem(await test_client.get("/dev/token"), 403, "forbidden", detail_contains="this machine")
    async with AsyncTestClient(app, base_url="http://192.168.1.2:8000") as test_client:
        assert_problem(await test_client.get("/dev/token"), 403, "forbidden", detail_contains="loopback")


async def test_no_dev_token_route_outside_dev_mode(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.get("/dev/token"), 404, "not-found")
    assert SECRET  # the fixture's app uses the shared test secret


async def test_cors_is_off_by_default_and_configurable(client: AsyncTestClient[Any]) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    response = await client.options("/instances", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    settings = gateway_settings(cors_origins=["https://app.example"])
    async with AsyncTestClient(create_app(settings, LocalExecutionEngine(registry))) as cors_client:
        allowed = await cors_client.options("/instances", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        denied = await cors_client.options("/instances", headers={**preflight, "Origin": "https://evil.example"})
        assert denied.headers.get("access-control-allow-origin") != "https://evil.example"


async def test_identities_with_control_characters_are_refused(client: AsyncTestClient[Any]) -> None:
    for token in (make_token("bo\x00b"), make_token("bob", groups=["man\nagers"])):
        assert_problem(await client.get("/tasks", headers=bearer(token)), 401, "unauthorized")
