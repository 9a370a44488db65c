"""The Team page in Chromium: editing the RACI grid with the keyboard, each cell saved as it is
left, the checks redrawn (a second A on a row is reported at once), a refused cell's code next
to it; and the Workload page. No console errors beyond the refusal's own 422."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

PLAN = Path(__file__).parents[2] / "data" / "team-plan.yaml"
PageShot = Callable[["Page", str], Path]


def _import(server: Any) -> str:
    key = f"team-{uuid.uuid4().hex[:8]}"
    return str(server.import_plan(PLAN.read_text(encoding="utf-8").replace("team-probe", key)))


def test_edit_the_raci_grid_and_see_the_checks(
    page: Page, server: Any, screenshot: PageShot
) -> None:
    key = _import(server)
    page.problems.allow(422)  # type: ignore[attr-defined]
    page.goto(f"/projects/{key}/team")
    assert page.get_by_role("heading", level=1).inner_text() == "Team"
    row = page.locator('tr[data-item="api-spec"]')
    assert row.locator('.raci-checks [data-code="raci_many_accountable"]').count() == 0

    # A second A on the deliverable's row: saved when the cell is left, the check says so.
    sponsor = page.get_by_label("API specification: Executive sponsor")
    sponsor.fill("A")
    with page.expect_response(lambda r: r.url.endswith("/team/raci")) as answer:
        page.keyboard.press("Tab")
    assert answer.value.status == 200
    check = row.locator('.raci-checks [data-code="raci_many_accountable"]')
    check.wait_for()
    assert "has 2 accountable" in check.inner_text()
    assert page.get_by_label("API specification: Executive sponsor").input_value() == "A"
    summary = page.locator('#checks [data-code="raci_many_accountable"]')
    assert summary.count() == 1

    # Back to one A (Enter saves too): the finding goes.
    sponsor = page.get_by_label("API specification: Executive sponsor")
    sponsor.fill("I")
    with page.expect_response(lambda r: r.url.endswith("/team/raci")):
        sponsor.press("Enter")
    row.locator('.raci-checks [data-code="raci_many_accountable"]').wait_for(state="detached")

    # A refused cell: its code and message next to it, what was typed kept.
    bob = page.get_by_label("Build the service: Bob Team")
    bob.fill("X")
    with page.expect_response(lambda r: r.url.endswith("/team/raci")) as refused:
        bob.press("Enter")
    assert refused.value.status == 422
    cell = page.locator('tr[data-item="build"] td[data-party="tp-bob"]')
    alert = cell.get_by_role("alert")
    alert.wait_for()
    assert alert.get_attribute("data-code") == "invalid_value"
    assert "is not a RACI cell" in alert.inner_text()
    bob = page.get_by_label("Build the service: Bob Team")
    assert bob.get_attribute("aria-invalid") == "true"
    assert bob.input_value() == "X"

    # Reloaded, the grid is what was saved.
    page.reload()
    assert page.get_by_label("API specification: Executive sponsor").input_value() == "I"
    assert page.get_by_label("Build the service: Bob Team").input_value() == ""
    screenshot(page, "team")

    page.goto("/workload")
    assert page.get_by_role("heading", level=1).inner_text() == "Workload"
    assert page.locator(f'#workload-projects [data-project="{key}"]').count() == 1
    assert page.locator('#workload tr[data-person="tp-alice"]').count() == 1

    # The demo's data-centre migration, which uses every team section, opens cleanly too.
    answer = page.goto("/projects/dc-migration-2027/team")
    assert answer is not None
    assert answer.status == 200
    assert page.locator("article[data-deliverable]").count() > 0
    assert page.locator("#skills-matrix tbody tr").count() > 0
