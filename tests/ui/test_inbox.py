"""The inbox's order and split: overdue first, then by due date, then oldest; mine apart from my groups'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from api.auth import Identity
from api.ui.inbox import inbox_rows
from api.ui.site import UISite
from litestar_workflows.core.models import PendingTask

NOW = datetime.now(UTC)


class _Site:
    def url(self, *parts: str, query: str = "") -> str:
        return "/ui/" + "/".join(parts)


def task(name: str, *, assignee: str | None = None, due: timedelta | None = None, age: int = 0) -> PendingTask:
    return PendingTask(
        instance_id=f"i/{name}",
        workflow_name="w",
        workflow_version="1.0.0",
        step_name=name,
        title=name,
        description="",
        form_schema=None,
        assignee=assignee,
        candidate_groups=() if assignee else ("managers",),
        since=NOW - timedelta(minutes=age),
        deadline_at=NOW + due if due is not None else None,
    )


def test_overdue_first_then_due_date_then_age_and_mine_apart() -> None:
    tasks = [
        task("no-deadline-old", age=50),
        task("due-later", due=timedelta(hours=5)),
        task("overdue", due=timedelta(minutes=-5)),
        task("due-soon", due=timedelta(minutes=10)),
        task("no-deadline-new", age=1),
        task("mine", assignee="bob"),
    ]
    rows = inbox_rows(cast(UISite, _Site()), tasks, Identity("bob", ("managers",)))
    assert [r["task"].step_name for r in rows["mine"]] == ["mine"]
    assert [r["task"].step_name for r in rows["claimable"]] == [
        "overdue",
        "due-soon",
        "due-later",
        "no-deadline-old",
        "no-deadline-new",
    ]
    assert [r["overdue"] for r in rows["claimable"]] == [True, False, False, False, False]
    assert (
        rows["claimable"][0]["offered_to"] == "managers"
        and rows["claimable"][0]["url"] == "/ui/tasks/i/overdue/overdue"
    )


def test_claims_split_and_filter_like_the_rest_inbox() -> None:
    from dataclasses import replace

    bob = Identity("bob", ("managers",))
    tasks = [
        replace(task("claimed-by-me"), claimed_by="bob"),
        replace(task("claimed-by-bert", due=timedelta(minutes=-1)), claimed_by="bert", escalation_level=2),
        task("open"),
    ]
    rows = inbox_rows(cast(UISite, _Site()), tasks, bob)
    assert [r["task"].step_name for r in rows["mine"]] == ["claimed-by-me"]
    assert [(r["task"].step_name, r["claimed_by"], r["escalation"]) for r in rows["claimable"]] == [
        ("claimed-by-bert", "bert", 2),
        ("open", None, 0),
    ]
    shown = {
        show: sorted(
            r["task"].step_name for rs in inbox_rows(cast(UISite, _Site()), tasks, bob, show).values() for r in rs
        )
        for show in ("assigned", "claimable", "overdue")
    }
    assert shown == {"assigned": ["claimed-by-me"], "claimable": ["open"], "overdue": ["claimed-by-bert"]}
