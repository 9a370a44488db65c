"""The Proposals page in Chromium: a proposal filed through the intake form, submitted for
review and approved from the board (htmx swaps the board in place, no page load), and the
project it makes opened from its card. Also the demo's pipeline and evaluation, filled in."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

PageShot = Callable[["Page", str], Path]


def test_a_proposal_goes_from_intake_to_an_approved_project(
    page: Page, server: Any, screenshot: PageShot
) -> None:
    key = f"wiki-{uuid.uuid4().hex[:6]}"
    page.goto("/proposals")
    assert page.get_by_role("heading", level=1).inner_text() == "Proposals"
    # The demo's pipeline is filled in: every stage has a card.
    for stage in ("draft", "under_review", "approved", "rejected"):
        assert page.locator(f"#stage-{stage} .proposal-card").count() >= 1
    screenshot(page, "proposals")

    form = page.locator("#proposal-form")
    form.get_by_label("Id").fill(key)
    form.get_by_label("Title").fill("Team wiki")
    form.get_by_label("Sponsor").fill("Dana Okafor")
    form.get_by_label("Estimated cost").fill("12000")
    form.get_by_label("Benefit a year").fill("9000")
    form.get_by_label("Strategic fit").fill("4")
    with page.expect_navigation():
        form.get_by_role("button", name="Add proposal").click()
    card = page.locator(f"#proposal-{key}")
    assert card.get_attribute("data-status") == "draft"

    # Submit for review: the board is swapped by htmx, the page itself stays.
    page.evaluate("window.__same_page = true")
    with page.expect_response(lambda r: r.url.endswith(f"/proposals/{key}/move")) as moved:
        card.get_by_role("button", name="Submit for review").click()
    assert moved.value.status == 200
    page.locator(f"#stage-under_review #proposal-{key}").wait_for()
    assert page.evaluate("window.__same_page") is True

    # Approve it into a project.
    card = page.locator(f"#proposal-{key}")
    card.get_by_label("Start").fill("2027-05-03")
    with page.expect_response(lambda r: r.url.endswith(f"/proposals/{key}/move")):
        card.get_by_role("button", name="Approve and create the project").click()
    approved = page.locator(f"#stage-approved #proposal-{key}")
    approved.wait_for()
    assert page.evaluate("window.__same_page") is True
    with page.expect_navigation():
        approved.get_by_role("link", name=f"Project {key}").click()
    assert page.url.endswith(f"/projects/{key}")
    assert "Team wiki" in page.content()


def test_the_demo_evaluation_and_inventory_are_filled_in(page: Page, screenshot: PageShot) -> None:
    page.goto("/evaluations/backup-storage")
    assert page.locator("#matrix tbody tr").count() == 3
    assert "object-store" in page.locator("#recommendation").inner_text()
    screenshot(page, "evaluation")
    page.goto("/projects/dc-migration-2027/inventory")
    assert page.locator("#systems tbody tr").count() >= 4
    assert page.locator("#renewals tbody tr").count() >= 1
    screenshot(page, "inventory")
