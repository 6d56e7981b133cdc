"""The task UI over HTTP on the in-process engine: sign-in set-ups, CSRF, forms, access, mounting,
and the API docs without a CDN. (The browser tests cover the same flows on Temporal.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.plugin import WorkflowPlugin
from api.ui.session import CSRF_COOKIE, TOKEN_COOKIE
from examples import build_registry
from litestar_workflows import BaseHumanStep, LocalExecutionEngine, WorkflowDefinition
from litestar_workflows.engine.registry import WorkflowRegistry
from tests.api.conftest import gateway_settings, make_token

TASK = "/ui/tasks/expense_approval%2Finv-1/manager_approval"
CDN = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[^\"' ]+\.(js|css)|googleapis|jsdelivr|unpkg|cdn\.")


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


@pytest.fixture
async def engine() -> LocalExecutionEngine:
    """The examples on the in-process engine, with alice's expense waiting for a manager."""
    engine = LocalExecutionEngine(build_registry())
    await engine.start_workflow(
        "expense_approval", {"amount": 250.0, "description": "Train"}, business_key="inv-1", user_id="alice"
    )
    return engine


@pytest.fixture
async def client(engine: LocalExecutionEngine) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client of ``create_app`` in production mode (a JWT secret, no demo users)."""
    async with AsyncTestClient(create_app(gateway_settings(), engine), base_url="https://gw.example") as c:
        yield c


async def sign_in(client: AsyncTestClient[Any], user: str) -> None:
    """Production sign-in: paste a token on /ui/login."""
    page = await client.get("/ui/login")
    response = await client.post(
        "/ui/login", data={"_csrf": csrf_of(page.text), "token": make_token(user)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/ui/"


async def test_unauthenticated_pages_go_to_the_sign_in_page_which_keeps_where_you_were(
    client: AsyncTestClient[Any],
) -> None:
    response = await client.get(TASK, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=" + re.sub("/", "%2F", TASK.replace("%", "%25"))
    page = await client.get(response.headers["location"])
    assert "Access token" in page.text and f'value="{TASK}"' in page.text


async def test_the_sign_in_cookie_is_httponly_secure_and_samesite(client: AsyncTestClient[Any]) -> None:
    page = await client.get("/ui/login")
    response = await client.post(
        "/ui/login", data={"_csrf": csrf_of(page.text), "token": make_token("bob")}, follow_redirects=False
    )
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    token_cookie = next(c for c in cookies if c.startswith(TOKEN_COOKIE))
    assert "HttpOnly" in token_cookie and "Secure" in token_cookie and "SameSite=lax" in token_cookie
    assert any(c.startswith(CSRF_COOKIE) and "SameSite=strict" in c for c in page.headers.get_list("set-cookie"))
    inbox = await client.get("/ui/")
    assert 'data-testid="user">bob<' in inbox.text and "employees, managers" in inbox.text
    assert (await client.get("/tasks")).status_code == 401  # the REST routes ignore the UI's cookie
    out = await client.post("/ui/logout", data={"_csrf": csrf_of(inbox.text)}, follow_redirects=False)
    assert out.status_code == 303 and f'{TOKEN_COOKIE}=""' in out.headers["set-cookie"]


async def test_a_token_from_an_auth_proxy_header_signs_in_without_a_cookie(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/ui/tasks", headers={"Authorization": f"Bearer {make_token('bob')}"})
    assert response.status_code == 200 and "Approve Expense Request" in response.text
    assert "Sign out" not in response.text  # the proxy signs out, not us


async def test_a_forged_or_expired_token_is_refused_and_forgotten(client: AsyncTestClient[Any]) -> None:
    client.cookies.set(TOKEN_COOKIE, make_token("bob", secret="another-secret-0123456789abcdef0123456789"))
    response = await client.get("/ui/tasks", follow_redirects=False)
    assert response.status_code == 303 and "expired=1" in response.headers["location"]
    assert f'{TOKEN_COOKIE}=""' in response.headers["set-cookie"]


async def test_posts_without_the_csrf_token_change_nothing(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    await sign_in(client, "bob")
    for token in (None, "forged.0000"):
        data = {"/approved": "true"} | ({"_csrf": token} if token else {})
        response = await client.post(TASK, data=data, follow_redirects=False)
        assert response.status_code == 403 and "security token" in response.text
    assert (await engine.get_instance("expense_approval/inv-1")).pending_steps == ["manager_approval"]


async def test_an_invalid_form_shows_field_errors_and_changes_nothing_then_a_valid_one_completes(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    await sign_in(client, "bob")
    page = await client.get(TASK)
    assert '<label for="f--approved">Approve?' in page.text and 'name="/comments"' in page.text
    response = await client.post(TASK, data={"_csrf": csrf_of(page.text), "/comments": "hm"})
    assert response.status_code == 422
    assert re.search(r'id="f--approved-error"[^>]*>&#39;approved&#39; is a required property<', response.text)
    assert ">hm</textarea>" in response.text  # what was typed is kept
    instance = await engine.get_instance("expense_approval/inv-1")
    assert instance.pending_steps == ["manager_approval"] and "comments" not in instance.context.data
    done = await client.post(TASK, data={"_csrf": csrf_of(page.text), "/approved": "true"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?completed=manager_approval")
    shown = await client.get(done.headers["location"])
    assert "The instance is now <strong>completed</strong>" in shown.text and "<svg" in shown.text


async def test_who_may_not_complete_a_task_is_told_why_and_an_outsider_sees_nothing(
    client: AsyncTestClient[Any],
) -> None:
    await sign_in(client, "alice")  # the starter: may see her instance, not approve it
    page = await client.get(TASK)
    assert page.status_code == 200 and 'data-testid="refusal"' in page.text and "<select" not in page.text
    await sign_in(client, "mallory")
    for path in (TASK, "/ui/instances/expense_approval%2Finv-1"):
        response = await client.get(path)
        assert response.status_code == 404 and "Train" not in response.text
    listing = await client.get("/ui/instances")
    assert "inv-1" not in listing.text


async def test_the_instances_page_lists_summaries(client: AsyncTestClient[Any]) -> None:
    await sign_in(client, "alice")
    listing = await client.get("/ui/instances")
    assert listing.status_code == 200
    row = re.search(r"<tr>\s*<th scope=\"row\">.*?</tr>", listing.text, re.S)
    assert row is not None and "expense_approval%2Finv-1" in row.group(0)
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), re.S)
    assert "manager_approval" in cells[2] and cells[4] == "alice" and cells[5] == "—"  # waiting at, by, not ended


async def test_start_form_falls_back_to_json_and_reports_the_engine_errors(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    await sign_in(client, "carol")
    page = await client.get("/ui/start/expense_approval")
    bad = await client.post(
        "/ui/start/expense_approval", data={"_csrf": csrf_of(page.text), "_data": "[1]", "_business_key": "a b"}
    )
    assert bad.status_code == 422 and "printable ASCII" in bad.text
    ok = await client.post(
        "/ui/start/expense_approval",
        data={"_csrf": csrf_of(page.text), "_data": '{"amount": 90, "description": "Taxi"}', "_business_key": "k9"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/ui/instances/expense_approval%2Fk9"
    assert (await engine.get_instance("expense_approval/k9")).context.metadata.get("started_by") == "carol"


async def test_sign_in_refuses_to_redirect_elsewhere(client: AsyncTestClient[Any]) -> None:
    page = await client.get("/ui/login")
    for target in ("https://evil.example/", "//evil.example/ui/", "/other"):
        response = await client.post(
            "/ui/login",
            data={"_csrf": csrf_of(page.text), "token": make_token("bob"), "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/ui/"


async def test_demo_buttons_in_development_mode_only_for_this_machine(engine: LocalExecutionEngine) -> None:
    app = create_app(gateway_settings(dev_tokens=True, host="127.0.0.1", jwt_secret=None), engine)
    async with AsyncTestClient(app, base_url="http://127.0.0.1") as client:
        page = await client.get("/ui/login")
        for user in ("alice", "bob", "carol", "dave"):
            assert f'name="user" value="{user}"' in page.text
        # The test client is not on a loopback address: refused, as GET /dev/token is (the browser
        # tests sign in with these buttons from 127.0.0.1).
        response = await client.post("/ui/login", data={"_csrf": csrf_of(page.text), "user": "dave"})
        assert response.status_code == 403 and "Demo sign-in is refused" in response.text
        assert TOKEN_COOKIE not in response.headers.get("set-cookie", "")


async def test_the_ui_mounts_under_a_plugin_path_in_another_app(engine: LocalExecutionEngine) -> None:
    @get("/")
    async def home() -> str:
        return "host app"

    app = Litestar([home], plugins=[WorkflowPlugin(settings=gateway_settings(), engine=engine, path="/workflows")])
    async with AsyncTestClient(app) as client:
        assert (await client.get("/")).text == "host app"
        response = await client.get("/workflows/ui/login")
        assert response.status_code == 200 and 'action="/workflows/ui/login"' in response.text
        assert (await client.get("/workflows/ui/static/ui.css")).status_code == 200
        inbox = await client.get("/workflows/ui/", headers={"Authorization": f"Bearer {make_token('bob')}"})
        assert 'href="/workflows/ui/tasks/expense_approval%2Finv-1/manager_approval"' in inbox.text


async def test_pages_load_nothing_from_elsewhere_and_neither_do_the_api_docs(engine: LocalExecutionEngine) -> None:
    async with AsyncTestClient(create_app(gateway_settings(schema_public=True), engine)) as client:
        page = await client.get("/ui/login")
        assert not CDN.search(page.text) and "script-src 'self'" in page.headers["content-security-policy"]
        schema = (await client.get("/schema/openapi.json")).json()
        assert not [path for path in schema["paths"] if path.startswith(("/ui", "/schema"))]
        for path in ("/schema", "/schema/swagger", "/schema/redoc", "/schema/rapidoc"):
            docs = await client.get(path)
            assert docs.status_code == 200 and not CDN.search(docs.text), path
            for asset in re.findall(r'(?:src|href)="(/schema/assets/[^"]+)"', docs.text):
                assert (await client.get(asset)).status_code == 200, asset


async def test_cancel_is_offered_to_the_starter_only_and_the_engine_refuses_others(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    url = "/ui/instances/expense_approval%2Finv-1"
    await sign_in(client, "bob")  # may see it (the task is offered to his group), may not cancel it
    page = await client.get(url)
    assert "You cannot cancel this instance" in page.text and "Cancel this instance" not in page.text
    refused = await client.post(url + "/cancel", data={"_csrf": csrf_of(page.text)})
    assert refused.status_code == 403
    assert (await engine.get_instance("expense_approval/inv-1")).status.value == "waiting"
    await sign_in(client, "alice")
    page = await client.get(url)
    done = await client.post(url + "/cancel", data={"_csrf": csrf_of(page.text), "reason": "typo"})
    assert done.status_code == 200 and "canceled" in done.text
    assert (await engine.get_instance("expense_approval/inv-1")).status.value == "canceled"


async def test_a_definition_with_an_input_schema_gets_a_start_form_with_the_engines_errors() -> None:
    registry = WorkflowRegistry()
    registry.register_definition(
        WorkflowDefinition(
            name="leave",
            version="1.0.0",
            steps={"approve": Approve()},
            initial_step="approve",
            terminal_steps={"approve"},
            input_schema={
                "type": "object",
                "properties": {
                    "days": {"type": "integer", "minimum": 1, "maximum": 30, "title": "Days off"},
                    "start": {"type": "string", "format": "date", "title": "First day"},
                },
                "required": ["days", "start"],
            },
        )
    )
    engine = LocalExecutionEngine(registry)
    async with AsyncTestClient(create_app(gateway_settings(), engine), base_url="https://gw.example") as client:
        await sign_in(client, "alice")
        page = await client.get("/ui/start/leave")
        assert '<label for="f--days">Days off' in page.text and 'type="date"' in page.text and 'max="30"' in page.text
        bad = await client.post("/ui/start/leave", data={"_csrf": csrf_of(page.text), "/days": "40"})
        assert bad.status_code == 422
        assert re.search(r'id="f--days-error"[^>]*>40 is greater than the maximum of 30<', bad.text)
        assert re.search(r'id="f--start-error"[^>]*>&#39;start&#39; is a required property<', bad.text)
        assert (await engine.list_instances()).items == []
        ok = await client.post(
            "/ui/start/leave", data={"_csrf": csrf_of(page.text), "/days": "3", "/start": "2026-12-21"}
        )
        assert ok.status_code == 200 and "waiting" in ok.text


class Approve(BaseHumanStep):
    """The one step of the test definition."""

    name = "approve"
    title = "Approve leave"
    candidate_groups = ("managers",)
