"""The Team page's editors in Chromium: a sign-off recorded through its form shows in the
deliverable's sign-offs and history (who recorded it, the signer and the date); a certification
added, edited and deleted changes its state and the checks; a course added is in the training
plan; a person's level set closes a skill gap, and removed opens it again. Then the Workload
page counts the plan's hours per person and month."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

PLAN = Path(__file__).parents[2] / "data" / "team-plan.yaml"


def _import(server: Any) -> tuple[str, str]:
    """A copy of the team plan with ids of its own (people are the shared pool's, and their
    skill levels are changed here): (the project's key, the people's id prefix)."""
    tag = uuid.uuid4().hex[:6]
    text = PLAN.read_text(encoding="utf-8").replace("team-probe", f"team-{tag}")
    return str(server.import_plan(text.replace("tp-", f"t{tag}-"))), f"t{tag}-"


def _htmx_post(page: Page, button: Any) -> None:
    """Click a button of an htmx form and wait for the redrawn part."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/team/" in r.url) as done:
        button.click()
    assert done.value.status == 200, done.value.text()


def test_sign_off_a_deliverable_and_see_it_in_its_history(page: Page, server: Any) -> None:
    key, _ = _import(server)
    page.goto(f"/projects/{key}/team")
    article = page.locator('article[data-deliverable="api-spec"]')
    assert article.locator(".deliverable-status").inner_text() == "in progress"
    assert "Not signed off yet." in article.inner_text()

    form = article.get_by_role("form", name="Record a sign-off of API specification")
    form.get_by_label("Signed off by").fill("Maria Chen (CIO)")
    form.get_by_label("Date").fill("2027-02-12")
    form.get_by_label("Decision").select_option("accepted")
    form.get_by_label("Note").fill("Approved at the gate")
    with page.expect_navigation():
        form.get_by_role("button", name="Record sign-off").click()

    article = page.locator('article[data-deliverable="api-spec"]')
    assert article.locator(".deliverable-status").inner_text() == "accepted"
    rows = article.locator("table.signoffs tbody tr")
    assert rows.count() == 1
    assert [c.strip() for c in rows.first.locator("td").all_inner_texts()] == [
        "Maria Chen (CIO)",
        "2027-02-12",
        "accepted",
        "Approved at the gate",
    ]
    history = article.locator("details.deliverable-history")
    history.locator("summary").click()
    recorded = history.locator("tbody tr")
    assert recorded.count() >= 1
    text = history.inner_text()
    assert "admin@example.com" in text  # who recorded it
    assert "Maria Chen (CIO)" in text
    assert "2027-02-12" in text
    assert page.locator('#checks [data-code="deliverable_accepted_unsigned"]').count() == 0


def test_certifications_training_and_skill_levels_are_edited_in_place(
    page: Page, server: Any
) -> None:
    key, tag = _import(server)
    alice = f"{tag}alice"
    page.goto(f"/projects/{key}/team")

    # A certification expiring within the notice (the plan's status date is 2027-01-04).
    add = page.locator("#certification-new-form")
    add.get_by_label("Person (id)").fill(alice)
    add.get_by_label("Certification").fill("AWS Solutions Architect")
    add.get_by_label("Expires").fill("2027-02-15")
    _htmx_post(page, add.get_by_role("button", name="Add certification"))
    row = page.locator("#certification-list tbody tr", has_text="AWS Solutions Architect")
    assert row.get_attribute("data-state") == "expiring"
    assert "Alice Team" in row.inner_text()
    checks = page.locator('[data-code="certification_expiring"]', has_text="AWS Solutions")
    assert checks.count() >= 1

    # Renewed: valid, and the warning goes.
    row.locator("summary", has_text="Edit").click()
    row.get_by_label("Expires").fill("2030-02-15")
    _htmx_post(page, row.get_by_role("button", name="Save AWS Solutions Architect"))
    row = page.locator("#certification-list tbody tr", has_text="AWS Solutions Architect")
    assert row.get_attribute("data-state") == "valid"
    assert "2030-02-15" in row.inner_text()
    gone = page.locator('[data-code="certification_expiring"]', has_text="AWS Solutions")
    assert gone.count() == 0

    # Deleted.
    _htmx_post(
        page, page.get_by_role("button", name="Delete AWS Solutions Architect of Alice Team")
    )
    assert page.locator("#certification-list tbody tr", has_text="AWS Solutions").count() == 0

    # A course in the training plan, with its cost.
    course = page.locator("#training-new-form")
    course.get_by_label("Person (id)").fill(alice)
    course.get_by_label("Course").fill("Kubernetes fundamentals")
    course.get_by_label("Start").fill("2027-01-25")
    course.get_by_label("End").fill("2027-01-26")
    course.get_by_label("Cost").fill("900")
    _htmx_post(page, course.get_by_role("button", name="Add course"))
    planned = page.locator("#training-plan tbody tr", has_text="Kubernetes fundamentals")
    cells = [c.strip() for c in planned.locator("td").all_inner_texts()]
    assert cells[:5] == ["Alice Team", "Kubernetes fundamentals", "2027-01-25", "2027-01-26", "900"]

    # The build task needs postgres at level 3; Alice has 2: a gap, until her level is set.
    gap = page.locator('#skill-gaps tr[data-task="build"]', has_text="postgres")
    assert gap.count() == 1
    skill = page.locator("#skill-set")
    skill.get_by_label("Person").select_option(alice)
    skill.get_by_label("Skill").fill("postgres")
    skill.get_by_label("Level").select_option("3")
    _htmx_post(page, skill.get_by_role("button", name="Set level"))
    cell = page.locator(f'#skills-matrix tr[data-skill="postgres"] td[data-person="{alice}"]')
    assert cell.inner_text().strip().startswith("3")
    assert page.locator('#skill-gaps tr[data-task="build"]', has_text="postgres").count() == 0

    # Removed from her cell: the gap is back.
    _htmx_post(page, page.get_by_role("button", name="Remove postgres from Alice Team"))
    assert page.locator('#skill-gaps tr[data-task="build"]', has_text="postgres").count() == 1

    # Everything above was saved: a fresh load shows it.
    page.reload()
    assert page.locator("#training-plan tbody tr", has_text="Kubernetes").count() == 1
    assert page.locator("#certification-list tbody tr", has_text="AWS Solutions").count() == 0


def test_the_workload_page_counts_each_persons_hours(page: Page, server: Any) -> None:
    key, tag = _import(server)
    page.goto("/workload")
    assert page.locator(f'#workload-projects [data-project="{key}"]').count() == 1
    # Alice builds for 5 days (40 h) and Bob reviews for 2 (16 h), in January 2027.
    alice = page.locator(f'#workload tr[data-person="{tag}alice"] td[data-month="2027-01"]')
    bob = page.locator(f'#workload tr[data-person="{tag}bob"] td[data-month="2027-01"]')
    assert alice.inner_text().startswith("40.0 h")
    assert bob.inner_text().startswith("16.0 h")
    mine = page.locator(
        f'#workload-projects-table tr[data-person="{tag}alice"][data-project="{key}"]'
    )
    assert "40.0" in mine.inner_text()
    # The project link leads to its Team page.
    with page.expect_navigation():
        page.locator(f'#workload-projects [data-project="{key}"]').click()
    assert page.url.endswith(f"/projects/{key}/team")
