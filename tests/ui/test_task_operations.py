"""The task page's operations over HTTP on the in-process engine: claim, unclaim, comment,
delegate, take back, reassign; the engine's refusals shown with the problem's title and detail,
the typed input kept, CSRF. (The browser test covers claim, comment and delegate on Temporal.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from examples import build_registry
from litestar_workflows import LocalExecutionEngine
from tests.api.conftest import gateway_settings, make_token
from tests.ui.test_pages import csrf_of

IID = "expense_approval/inv-1"
TASK = "/ui/tasks/expense_approval%2Finv-1/manager_approval"


@pytest.fixture
async def engine() -> LocalExecutionEngine:
    """alice's expense waiting for a manager (bob and bert are managers, dave an admin)."""
    engine = LocalExecutionEngine(build_registry(), admin_groups=["admins"])
    await engine.start_workflow(
        "expense_approval", {"amount": 250.0, "description": "Train"}, business_key="inv-1", user_id="alice"
    )
    return engine


@pytest.fixture
async def client(engine: LocalExecutionEngine) -> AsyncIterator[AsyncTestClient[Any]]:
    """``create_app`` in production mode; each request names its user in ``Authorization`` (as a proxy would)."""
    settings = gateway_settings(admin_groups=["admins"])
    async with AsyncTestClient(create_app(settings, engine), base_url="https://gw.example") as c:
        yield c


def as_user(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(user)}"}


async def page_of(client: AsyncTestClient[Any], user: str) -> str:
    response = await client.get(TASK, headers=as_user(user))
    assert response.status_code == 200
    return response.text


async def post(client: AsyncTestClient[Any], user: str, operation: str, **fields: str) -> Any:
    html = await page_of(client, user)
    data = {"_csrf": csrf_of(html), **fields}
    return await client.post(f"{TASK}/{operation}", data=data, headers=as_user(user), follow_redirects=False)


def has_button(html: str, name: str) -> bool:
    return re.search(rf"<button type=\"submit\"[^>]*>{name}</button>", html) is not None


async def ops(engine: LocalExecutionEngine) -> Any:
    return (await engine.get_instance(IID)).tasks.ops.get("manager_approval")


async def test_a_claim_shows_who_holds_it_and_the_other_candidates_can_neither_claim_nor_complete(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    html = await page_of(client, "bob")
    assert has_button(html, "Claim") and not has_button(html, "Unclaim") and "Not claimed" in html
    response = await post(client, "bob", "claim")
    assert response.status_code == 303 and response.headers["location"] == TASK + "?done=claim"
    html = (await client.get(response.headers["location"], headers=as_user("bob"))).text
    assert "Claimed by <strong>bob</strong> (you)" in html and 'data-testid="op-done"' in html
    assert has_button(html, "Unclaim") and not has_button(html, "Claim") and has_button(html, "Submit")

    bert = await page_of(client, "bert")  # another manager
    assert "Claimed by <strong>bob</strong>." in bert and not has_button(bert, "Claim")
    assert "You cannot complete this task: it is claimed by &#39;bob&#39;" in bert and not has_button(bert, "Submit")
    refused = await post(client, "bert", "claim")  # the button is hidden; the engine still decides
    assert refused.status_code == 409 and "Task claimed by someone else." in refused.text
    completed = await client.post(
        TASK, data={"_csrf": csrf_of(bert), "/approved": "true"}, headers=as_user("bert"), follow_redirects=False
    )
    assert completed.status_code == 409 and "claimed by &#39;bob&#39;" in completed.text
    assert (await ops(engine)).claimed_by == "bob"

    response = await post(client, "bob", "unclaim")
    assert response.status_code == 303 and (await ops(engine)).claimed_by is None
    assert has_button(await page_of(client, "bert"), "Claim")


async def test_comments_show_author_and_time_and_a_refused_one_keeps_what_was_typed(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    response = await post(client, "bob", "comments", text="Asked alice for the receipt")
    assert response.status_code == 303
    html = await page_of(client, "alice")  # the starter reads it too
    assert re.search(r"<strong>bob</strong> <time datetime=\"[^\"]+\">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>", html)
    assert "Asked alice for the receipt" in html and 'Comments <span class="count">(1)</span>' in html

    blank = await post(client, "bob", "comments", text="   ")
    assert blank.status_code == 422 and "Comment: is required and must not be blank" in blank.text
    long = "x" * 3000
    too_long = await post(client, "bob", "comments", text=long)
    assert too_long.status_code == 400 and "Request validation failed." in too_long.text
    assert f">{long}</textarea>" in too_long.text  # kept
    assert len((await engine.get_instance(IID)).tasks.comments) == 1

    html = await page_of(client, "bob")  # a double-clicked button: the same form posted twice
    key = re.search(r'name="_op_key" value="([^"]+)"', html)
    assert key is not None
    data = {"_csrf": csrf_of(html), "_op_key": key.group(1), "text": "Once"}
    for _ in range(2):
        again = await client.post(f"{TASK}/comments", data=data, headers=as_user("bob"), follow_redirects=False)
        assert again.status_code == 303
    assert [c.text for c in (await engine.get_instance(IID)).tasks.comments].count("Once") == 1


async def test_delegate_hands_the_task_over_and_the_delegator_takes_it_back(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    assert not re.search(r"<summary>Delegate", await page_of(client, "bob"))  # hold it first
    await post(client, "bob", "claim")
    html = await page_of(client, "bob")
    assert "<summary>Delegate to someone else</summary>" in html
    missing = await post(client, "bob", "delegate", to_user="", reason="on leave")
    assert missing.status_code == 422 and "User: is required" in missing.text
    assert 'value="on leave"' in missing.text  # the form keeps its input

    response = await post(client, "bob", "delegate", to_user="bert", keep_right="on", reason="on leave")
    assert response.status_code == 303
    bert = await page_of(client, "bert")
    assert has_button(bert, "Submit") and "delegated by bob" in bert
    bob = await page_of(client, "bob")
    assert has_button(bob, "Take back") and "You cannot complete this task" in bob

    assert (await post(client, "bob", "take-back")).status_code == 303
    assert (await ops(engine)).claimed_by == "bob"
    assert has_button(await page_of(client, "bob"), "Submit")


async def test_reassign_is_offered_to_admins_and_the_form_posts_need_the_csrf_token(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    assert "<summary>Reassign</summary>" not in await page_of(client, "bob")
    assert "<summary>Reassign</summary>" in await page_of(client, "dave")
    response = await post(client, "dave", "reassign", to_user="", to_groups="vps, finance", reason="bob is away")
    assert response.status_code == 303
    task = (await engine.get_instance(IID)).pending_tasks[0]
    assert task.candidate_groups == ("vps", "finance") and task.assignee is None

    forged = await client.post(f"{TASK}/claim", data={"_csrf": "forged.0"}, headers=as_user("carol"))
    assert forged.status_code == 403 and "security token" in forged.text
    unknown = await post(client, "carol", "approve-everything")
    assert unknown.status_code == 404
    assert (await ops(engine)).claimed_by is None


async def test_the_inbox_shows_the_claim_and_filters_assigned_claimable_overdue(client: AsyncTestClient[Any]) -> None:
    await post(client, "bob", "claim")
    bert = (await client.get("/ui/tasks", headers=as_user("bert"))).text
    assert '<dd data-testid="claimed-by">bob</dd>' in bert and '<span class="badge">claimed</span>' in bert
    assert 'option value="claimable"' in bert
    for user, show, listed in (
        ("bert", "claimable", False),
        ("bert", "", True),
        ("bob", "assigned", True),
        ("bob", "overdue", False),
    ):
        html = (await client.get(f"/ui/tasks?show={show}", headers=as_user(user))).text
        assert (IID in html) is listed, (user, show)
    bob = (await client.get("/ui/tasks?show=assigned&fragment=1", headers=as_user("bob"))).text
    assert 'data-testid="tasks-mine"' in bob and "bob (you)" in bob
    assert (await client.get("/ui/tasks?show=everything", headers=as_user("bob"))).status_code == 400


async def test_send_back_needs_a_comment_and_returns_the_task_along_its_send_back_edge() -> None:
    from litestar_workflows import BaseHumanStep, BaseMachineStep, Edge, WorkflowContext, WorkflowDefinition
    from litestar_workflows.engine.registry import WorkflowRegistry

    class Write(BaseMachineStep):
        name = "write"

        async def execute(self, context: WorkflowContext) -> None:
            context.set("written", True)

    class Review(BaseHumanStep):
        name = "review"
        title = "Review the draft"
        candidate_groups = ("managers",)
        form_schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}

    class Fix(BaseHumanStep):
        name = "fix"
        title = "Fix the draft"
        candidate_groups = ("employees",)

    class Done(BaseMachineStep):
        name = "done"

        async def execute(self, context: WorkflowContext) -> None:
            context.set("done", True)

    definition = WorkflowDefinition(
        name="draft",
        version="1.0.0",
        steps={"write": Write(), "review": Review(), "fix": Fix(), "done": Done()},
        edges=[
            Edge("write", "review"),
            Edge("review", "done"),
            Edge("review", "fix", send_back=True),
            Edge("fix", "review"),
        ],
        initial_step="write",
        terminal_steps={"done"},
    )
    registry = WorkflowRegistry()
    registry.register_definition(definition)
    engine = LocalExecutionEngine(registry)
    started = await engine.start_workflow("draft", {}, business_key="d-1", user_id="alice")
    review = "/ui/tasks/draft%2Fd-1/review"
    async with AsyncTestClient(create_app(gateway_settings(), engine), base_url="https://gw.example") as client:
        html = (await client.get(review, headers=as_user("bob"))).text
        assert "<summary>Send back for changes</summary>" in html
        blank = await client.post(
            review + "/send-back", data={"_csrf": csrf_of(html), "text": " "}, headers=as_user("bob")
        )
        assert blank.status_code == 422 and "is required" in blank.text
        assert (await engine.get_instance(started.id)).pending_steps == ["review"]
        sent = await client.post(
            review + "/send-back",
            data={"_csrf": csrf_of(html), "text": "Section 2 is missing"},
            headers=as_user("bob"),
            follow_redirects=False,
        )
        assert sent.status_code == 303 and sent.headers["location"] == "/ui/instances/draft%2Fd-1?sent_back=review"
        page = (await client.get(sent.headers["location"], headers=as_user("bob"))).text
        assert "You sent <strong>review</strong> back." in page and "waiting at <strong>fix</strong>" in page
        fix = (await client.get("/ui/tasks/draft%2Fd-1/fix", headers=as_user("alice"))).text
        assert "Send back for changes" not in fix  # fix has no send-back edge
    assert (await engine.get_instance(started.id)).pending_steps == ["fix"]


async def test_an_operation_on_a_task_that_closed_meanwhile_says_why(
    client: AsyncTestClient[Any], engine: LocalExecutionEngine
) -> None:
    html = await page_of(client, "bob")
    await engine.complete_human_task(IID, "manager_approval", "bert", {"approved": False}, groups=("managers",))
    late = await client.post(
        f"{TASK}/comments", data={"_csrf": csrf_of(html), "text": "too late?"}, headers=as_user("bob")
    )
    assert late.status_code == 409 and 'data-testid="op-error"' in late.text
    assert "Step is not waiting for input." in late.text or "Instance has finished." in late.text
    assert "This task is not waiting for input" in late.text
