"""axe-core finds no serious or critical violations on the worklist, task and case pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.conftest import Live
from tests.support import Driver


def test_operator_pages_pass_axe(
    page: Any,
    live: Live,
    login: Callable[..., None],
    snap: Callable[..., Any],
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    reference = live.seeded.cases[1]
    task_id = Driver(live.engine).task(reference, "presa_atto").id
    login(page, "giulia.rossi")
    found = {}
    page.goto("/?view=groups")
    found["worklist"] = axe_violations(page)
    snap(page, "a11y-1-worklist")
    page.goto(f"/tasks/{task_id}")
    found["task"] = axe_violations(page)
    page.get_by_role("button", name="Completa attività").click()  # the page with its errors
    found["task-errors"] = axe_violations(page)
    snap(page, "a11y-2-task-form-errors")
    page.goto(f"/cases/{reference}")
    page.wait_for_selector("#case-diagram[data-ready='true']")
    found["case"] = axe_violations(page)
    snap(page, "a11y-3-case")
    page.goto("/login")
    found["login"] = axe_violations(page)
    assert found == {name: [] for name in found}
