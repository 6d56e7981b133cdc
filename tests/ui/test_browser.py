"""The task UI in a real browser (Chromium through Playwright), on the Temporal engine: the
session's dev server, the worker of ``worker.py`` and a gateway served by uvicorn."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from tests.ui.conftest import LiveGateway

pytestmark = pytest.mark.timeout(120)

DEMO_GROUPS = {"alice": "employees", "bob": "employees, managers", "carol": "employees, vps", "dave": "admins"}


def _expect() -> Any:
    from playwright.async_api import expect

    return expect


async def sign_in(page: Any, gateway: LiveGateway, user: str) -> None:
    """Sign in with the demo user's button on /ui/login."""
    await page.goto(gateway.url("/ui/login"))
    await page.get_by_role("button", name=user, exact=True).click()
    await _expect()(page.get_by_test_id("user")).to_have_text(user)


async def start_expense(page: Any, gateway: LiveGateway, amount: int = 250) -> str:
    """alice's part: start an expense from the start form; returns the instance id."""
    key = f"ui-{uuid.uuid4().hex[:8]}"
    await page.goto(gateway.url("/ui/definitions"))
    await page.get_by_role("link", name="Start expense_approval").click()
    json_field = page.get_by_label("Data (JSON object)")
    if await json_field.count():
        await json_field.fill(f'{{"amount": {amount}, "description": "Train to Lyon"}}')
    else:  # the definition declares an input schema: a field per property
        await page.get_by_label(re.compile("amount", re.I)).fill(str(amount))
        await page.get_by_label(re.compile("description", re.I)).fill("Train to Lyon")
    await page.get_by_label("Business key (optional)").fill(key)
    await page.get_by_role("button", name="Start", exact=True).click()
    instance_id = f"expense_approval/{key}"
    await _expect()(page.get_by_role("heading", level=1)).to_have_text(instance_id)
    return instance_id


async def test_each_demo_user_signs_in_sees_their_groups_and_signs_out(
    new_page: Any, live_gateway: LiveGateway
) -> None:
    page = await new_page()
    for user, groups in DEMO_GROUPS.items():
        await sign_in(page, live_gateway, user)
        await _expect()(page.get_by_test_id("groups")).to_have_text(groups)
        await page.get_by_role("button", name="Sign out").click()
        await _expect()(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(live_gateway.url("/ui/tasks"))  # signed out: back to the sign-in page
    assert "/ui/login" in page.url


async def test_expense_from_start_to_approval_with_a_rejected_form_in_between(
    new_page: Any, live_gateway: LiveGateway
) -> None:
    expect = _expect()
    alice, bob = await new_page(), await new_page()
    await sign_in(bob, live_gateway, "bob")  # bob's inbox is open before the expense exists
    await sign_in(alice, live_gateway, "alice")
    instance_id = await start_expense(alice, live_gateway)
    await expect(alice.get_by_test_id("status")).to_have_text("waiting")

    # The task appears in bob's open inbox without a reload (the inbox refreshes every 10 s).
    row = bob.get_by_test_id("tasks-claimable").locator("li.task", has=bob.get_by_role("link", name=instance_id))
    await expect(row).to_be_visible(timeout=15_000)
    await row.get_by_role("link", name="Approve Expense Request").click()
    await expect(bob.get_by_role("heading", level=1)).to_have_text("Approve Expense Request")
    await expect(bob.get_by_text("Train to Lyon")).to_be_visible()

    before = await live_gateway.engine.get_instance(instance_id)
    await bob.get_by_label("Comments", exact=True).fill("no decision yet")
    await bob.get_by_role("button", name="Submit").click()
    await expect(bob.get_by_test_id("field-error")).to_contain_text("'approved' is a required property")
    await expect(bob.get_by_label("Approve?")).to_have_attribute("aria-invalid", "true")
    after = await live_gateway.engine.get_instance(instance_id)
    assert after.pending_steps == before.pending_steps == ["manager_approval"]
    assert len(after.context.step_history) == len(before.context.step_history)
    assert "approved" not in after.context.data

    await bob.get_by_label("Approve?").select_option("Yes")
    await bob.get_by_role("button", name="Submit").click()
    await expect(bob.get_by_test_id("completed-notice")).to_contain_text("completed")

    # The list comes from Temporal's visibility store, which may lag a moment behind: reload until listed.
    link = alice.get_by_role("link", name=instance_id)
    for _ in range(10):
        await alice.goto(live_gateway.url("/ui/instances"))
        if await link.count():
            break
        await alice.wait_for_timeout(500)
    await link.click()
    await expect(alice.get_by_test_id("status")).to_have_text("completed")
    await expect(alice.locator("svg.graph g.node.done")).to_have_count(3)
    await expect(alice.locator("svg.graph g.node[data-step=vp_approval]")).not_to_have_class(re.compile("done"))
    history = alice.get_by_test_id("history")
    await expect(history.get_by_role("row", name=re.compile("manager_approval"))).to_contain_text("bob")
    await expect(alice.get_by_role("link", name="Open in the Temporal Web UI")).to_have_attribute(
        "href", re.compile(re.escape(quote(instance_id, safe="")))
    )


async def test_an_outsider_sees_neither_the_task_nor_the_instance(new_page: Any, live_gateway: LiveGateway) -> None:
    expect = _expect()
    alice, carol = await new_page(), await new_page()
    await sign_in(alice, live_gateway, "alice")
    instance_id = await start_expense(alice, live_gateway)
    await sign_in(carol, live_gateway, "carol")  # employees, vps: no part in a 250 expense
    await expect(carol.get_by_role("link", name=instance_id)).to_have_count(0)
    await carol.goto(live_gateway.url("/ui/instances"))
    await expect(carol.get_by_role("link", name=instance_id)).to_have_count(0)
    for path in (
        f"/ui/instances/{quote(instance_id, safe='')}",
        f"/ui/tasks/{quote(instance_id, safe='')}/manager_approval",
    ):
        response = await carol.goto(live_gateway.url(path))
        assert response is not None and response.status == 404
        await expect(carol.get_by_text("Train to Lyon")).to_have_count(0)


async def test_a_form_can_be_completed_with_the_keyboard_alone(new_page: Any, live_gateway: LiveGateway) -> None:
    expect = _expect()
    alice, bob = await new_page(), await new_page(width=390, height=844)  # bob on a phone-sized screen
    await sign_in(alice, live_gateway, "alice")
    instance_id = await start_expense(alice, live_gateway)
    await sign_in(bob, live_gateway, "bob")
    await bob.goto(live_gateway.url(f"/ui/tasks/{quote(instance_id, safe='')}/manager_approval"))

    async def tab_to(element_id: str) -> None:
        for _ in range(40):
            await bob.keyboard.press("Tab")
            if await bob.evaluate("document.activeElement && document.activeElement.id") == element_id:
                return
        raise AssertionError(f"#{element_id} cannot be reached with Tab")

    approve = bob.get_by_label("Approve?")
    await tab_to(await approve.get_attribute("id"))
    await bob.keyboard.press("ArrowDown")  # — choose — → Yes
    await expect(approve).to_have_value("true")
    await tab_to(await bob.get_by_label("Comments", exact=True).get_attribute("id"))
    await bob.keyboard.type("fine by me")
    focused_submit = False
    for _ in range(5):
        await bob.keyboard.press("Tab")
        if await bob.evaluate("document.activeElement.textContent.trim()") == "Submit":
            focused_submit = True
            break
    assert focused_submit
    outline = await bob.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focused control is visibly marked
    await bob.keyboard.press("Enter")
    await expect(bob.get_by_test_id("completed-notice")).to_contain_text("completed")
    instance = await live_gateway.engine.get_instance(instance_id)
    assert instance.context.data["approved"] is True and instance.context.data["comments"] == "fine by me"


async def test_every_page_passes_an_axe_accessibility_audit(new_page: Any, live_gateway: LiveGateway) -> None:
    """axe-core (from the axe-playwright-python package): labels, names, contrast, landmarks, ARIA."""
    from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]

    axe = Axe()
    page = await new_page(width=390, height=844)
    await page.goto(live_gateway.url("/ui/login"))
    pages: dict[str, str] = {"sign-in": page.url}
    started = await live_gateway.engine.start_workflow(  # alice's expense (the start form is tested above)
        "expense_approval",
        {"amount": 120, "description": "Parking"},
        business_key=f"axe-{uuid.uuid4().hex[:8]}",
        user_id="alice",
        groups=("employees",),
    )
    encoded = quote(started.id, safe="")
    await sign_in(page, live_gateway, "bob")
    await page.goto(live_gateway.url(f"/ui/tasks/{encoded}/manager_approval"))
    await page.get_by_role("button", name="Submit").click()  # no decision: the page with a field error
    await _expect()(page.get_by_test_id("field-error")).to_be_visible()
    found = {"task with an error": (await axe.run(page)).response["violations"]}
    pages |= {
        "inbox": "/ui/",
        "instances": "/ui/instances",
        "instance": f"/ui/instances/{encoded}",
        "definitions": "/ui/definitions",
        "start": "/ui/start/expense_approval",
    }
    for name, path in pages.items():
        await page.goto(path if path.startswith("http") else live_gateway.url(path))
        found[name] = (await axe.run(page)).response["violations"]
    problems = {name: [v["id"] for v in violations] for name, violations in found.items() if violations}
    assert problems == {}


async def sign_in_as(page: Any, gateway: LiveGateway, user: str, groups: str) -> None:
    """Sign in as any user: a token from ``GET /dev/token`` (development mode, loopback) in the sign-in cookie."""
    import httpx

    from api.ui.session import TOKEN_COOKIE

    async with httpx.AsyncClient() as http:
        answer = await http.get(gateway.url("/dev/token"), params={"user": user, "groups": groups})
    answer.raise_for_status()
    await page.context.add_cookies(
        [{"name": TOKEN_COOKIE, "value": answer.json()["access_token"], "url": gateway.base_url}]
    )


async def test_two_managers_claim_comment_delegate_take_back_and_the_claimer_completes(
    new_page: Any, live_gateway: LiveGateway
) -> None:
    expect = _expect()
    started = await live_gateway.engine.start_workflow(
        "expense_approval",
        {"amount": 90, "description": "Taxi"},
        business_key=f"ops-{uuid.uuid4().hex[:8]}",
        user_id="alice",
        groups=("employees",),
    )
    url = live_gateway.url(f"/ui/tasks/{quote(started.id, safe='')}/manager_approval")
    bob, erin = await new_page(), await new_page()
    await sign_in(bob, live_gateway, "bob")
    await sign_in_as(erin, live_gateway, "erin", "employees,managers")  # a second manager

    await bob.goto(url)
    await bob.get_by_role("button", name="Claim", exact=True).click()
    await expect(bob.get_by_test_id("claim-status")).to_have_text("Claimed by bob (you).")
    await erin.goto(url)  # erin sees it claimed and can neither claim nor complete it
    await expect(erin.get_by_test_id("claim-status")).to_have_text("Claimed by bob.")
    await expect(erin.get_by_test_id("refusal")).to_contain_text("it is claimed by 'bob'")
    await expect(erin.get_by_role("button", name="Submit")).to_have_count(0)
    await expect(erin.get_by_role("button", name="Claim", exact=True)).to_have_count(0)

    await bob.get_by_label("Add a comment").fill("Is the receipt attached?")
    await bob.get_by_role("button", name="Add comment").click()
    await expect(bob.get_by_test_id("op-done")).to_contain_text("comment was added")
    await erin.reload()
    comments = erin.get_by_test_id("comments")
    await expect(comments).to_contain_text("bob")
    await expect(comments).to_contain_text("Is the receipt attached?")

    await bob.get_by_text("Delegate to someone else").click()
    from axe_playwright_python.async_playwright import Axe

    violations = (await Axe().run(bob)).response["violations"]  # claimed, a comment, the delegate form open
    assert [v["id"] for v in violations] == []
    await bob.get_by_role("textbox", name=re.compile("^User")).fill("erin")
    await bob.get_by_label("Keep the right to take it back").check()
    await bob.get_by_role("button", name="Delegate", exact=True).click()
    await expect(bob.get_by_role("button", name="Take back")).to_be_visible()
    await erin.reload()  # handed over: now erin may complete it
    await expect(erin.get_by_test_id("claim-status")).to_contain_text("delegated by bob")
    await expect(erin.get_by_role("button", name="Submit")).to_be_visible()

    await bob.get_by_role("button", name="Take back").click()  # bob holds it again, as a claim
    await expect(bob.get_by_test_id("claim-status")).to_have_text("Claimed by bob (you).")
    await bob.get_by_label("Approve?").select_option("Yes")
    await bob.get_by_role("button", name="Submit").click()
    await expect(bob.get_by_test_id("completed-notice")).to_contain_text("completed")
    done = await live_gateway.engine.get_instance(started.id)
    record = next(h for h in done.context.step_history if h.step_name == "manager_approval")
    assert record.completed_by == "bob" and done.context.data["approved"] is True
