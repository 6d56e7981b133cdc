"""Take the screenshots of docs/ui.md: ``python -m tests.ui.screenshots [out_dir]``.

Same browser set-up as the browser tests (Debian's Chromium through Playwright), over a gateway in
development-token mode on the in-process engine with the example definitions (the pages are the
same on Temporal, plus the link to the Temporal Web UI).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from urllib.parse import quote

from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, MISSING_CHROMIUM, chromium_available, serve


async def take(out: Path) -> list[Path]:
    """Start a gateway, walk through the expense example and save four PNGs in ``out``."""
    from playwright.async_api import async_playwright

    from api.app import create_app
    from examples import build_registry
    from litestar_workflows import LocalExecutionEngine
    from litestar_workflows.settings import Settings

    engine = LocalExecutionEngine(build_registry())
    app = create_app(Settings(dev_tokens=True, host="127.0.0.1"), engine)  # type: ignore[call-arg]
    server, serving, base = await serve(app)
    for key, amount, text in (("inv-1042", 240.0, "Train to Lyon"), ("inv-1043", 7800.0, "Team offsite venue")):
        await engine.start_workflow(
            "expense_approval",
            {"amount": amount, "description": text, "requester_id": "alice"},
            business_key=key,
            user_id="alice",
        )
    await engine.start_workflow(
        "document_review",
        {"document_id": "DOC-7", "title": "Q4 travel policy", "author_id": "alice", "reviewer_id": "bob"},
        business_key="doc-7",
        user_id="alice",
    )
    shots: list[Path] = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1100, "height": 760}, device_scale_factor=1)
            await page.goto(f"{base}/ui/login")
            await page.get_by_role("button", name="bob", exact=True).click()
            await page.get_by_test_id("user").wait_for()
            shots.append(out / "ui-inbox.png")
            await page.screenshot(path=str(shots[-1]), full_page=True)
            await page.goto(f"{base}/ui/tasks/{quote('expense_approval/inv-1043', safe='')}/manager_approval")
            await page.get_by_label("Comments", exact=True).fill("Which budget line?")
            await page.get_by_role("button", name="Submit").click()
            await page.get_by_test_id("field-error").wait_for()
            shots.append(out / "ui-task-error.png")
            await page.screenshot(path=str(shots[-1]), full_page=True)
            await page.get_by_role("button", name="Claim", exact=True).click()
            await page.get_by_label("Add a comment").fill("Asked alice which budget line this goes to.")
            await page.get_by_role("button", name="Add comment").click()
            await page.get_by_test_id("op-done").wait_for()
            await page.get_by_text("Delegate to someone else").click()
            shots.append(out / "ui-task-operations.png")
            await page.screenshot(path=str(shots[-1]), full_page=True)
            await page.goto(f"{base}/ui/tasks/{quote('expense_approval/inv-1042', safe='')}/manager_approval")
            await page.get_by_label("Approve?").select_option("Yes")
            await page.get_by_role("button", name="Submit").click()
            await page.get_by_test_id("completed-notice").wait_for()
            shots.append(out / "ui-instance.png")
            await page.screenshot(path=str(shots[-1]), full_page=True)
            await browser.close()
    finally:
        server.should_exit = True
        await serving
    return shots


def main() -> None:
    """Write the screenshots to ``docs/`` (or the directory given)."""
    if not chromium_available():
        sys.exit(MISSING_CHROMIUM)
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take(out)):
        print(path)


if __name__ == "__main__":
    main()
