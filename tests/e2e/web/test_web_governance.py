"""Governance pages in Chromium, changing things: a proposal scored through the intake form
(the weighted score on its card, a score off the scale reported by code); a technology
evaluation's decision matrix re-weighted and re-scored until the ranking flips, its
recommendation recorded and applied to a project (whose inventory then has the system and whose
budget the option's costs); and the inventory's forms: a system added near its end of life is
flagged, and its "renew or replace" task lands in the plan."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _evaluation(key: str) -> dict[str, Any]:
    return {
        "id": key,
        "title": "Ticketing system",
        "currency": "USD",
        "discount_rate": "8%",
        "horizon": 5,
        "criteria": [
            {"id": "features", "name": "Features", "weight": 60},
            {"id": "cost", "name": "Cost", "weight": 40, "lower_is_better": True},
        ],
        "options": [
            {
                "id": "keep",
                "name": "Keep the old tool",
                "scores": {"features": 2, "cost": 1},
                "costs": [{"name": "Support", "per_period": 4000, "category": "software"}],
            },
            {
                "id": "saas",
                "name": "SaaS service desk",
                "scores": {"features": 4, "cost": 3},
                "costs": [{"name": "Subscription", "once": 25000, "category": "software"}],
                "system": {"id": f"{key}-desk", "name": "Service desk", "type": "service"},
            },
        ],
    }


PLAN = """
project: {{id: {key}, name: Service desk rollout, start: 2027-01-04, status_date: 2027-01-04}}
tasks:
  - {{id: rollout, name: Roll out, duration: 10d}}
"""


def test_a_proposal_is_scored_by_the_model_and_checked(page: Page) -> None:
    key = f"intake-{uuid.uuid4().hex[:6]}"
    page.goto("/proposals")
    form = page.locator("#proposal-form")
    form.get_by_label("Id").fill(key)
    form.get_by_label("Title").fill("Asset tracking")
    # The demo's model: fit 30, value 25, urgency 15, cost 15 and risk 15 (lower is better).
    for label, score in (
        ("Strategic fit", "4"),
        ("Business value", "3"),
        ("Urgency", "2"),
        ("Cost", "2"),
        ("Delivery risk", "1"),
    ):
        form.get_by_label(label, exact=True).fill(score)
    with page.expect_navigation():
        form.get_by_role("button", name="Add proposal").click()
    card = page.locator(f"#proposal-{key}")
    # (30*4 + 25*3 + 15*2 + 15*(6-2) + 15*(6-1)) / 100
    assert card.locator(".score").inner_text() == "3.60"
    assert card.locator("[data-code]").count() == 0

    off = f"off-{uuid.uuid4().hex[:6]}"
    form = page.locator("#proposal-form")
    form.get_by_label("Id").fill(off)
    form.get_by_label("Title").fill("Scored off the scale")
    form.get_by_label("Strategic fit").fill("9")
    with page.expect_navigation():
        form.get_by_role("button", name="Add proposal").click()
    card = page.locator(f"#proposal-{off}")
    assert card.locator('[data-code="score_out_of_range"]').count() == 1
    assert card.locator('[data-code="missing_score"]').count() == 1


def test_an_evaluation_is_scored_recommended_and_applied(page: Page, server: Any) -> None:
    key = f"desk-{uuid.uuid4().hex[:6]}"
    with server.api() as admin:
        admin.post("/api/v1/evaluations", json=_evaluation(key)).raise_for_status()
    project = server.import_plan(PLAN.format(key=f"{key}-rollout"))
    page.goto(f"/evaluations/{key}")
    assert page.locator("#option-saas .rank").inner_text() == "1"
    assert page.locator("#option-keep .rank").inner_text() == "2"
    assert page.locator("#recommendation").count() == 0

    # Cost weighs most, and the SaaS desk's features are scored down: the old tool wins.
    page.locator('input[name="weight-features"]').fill("20")
    page.locator('input[name="weight-cost"]').fill("80")
    page.get_by_label("SaaS service desk: Features").fill("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Save weights and scores").click()
    assert page.locator("#option-keep .rank").inner_text() == "1"
    assert page.locator("#option-saas .rank").inner_text() == "2"
    assert page.locator("#option-keep .score").inner_text() == "4.40"  # .2*2 + .8*(6-1)
    assert page.locator('input[name="weight-cost"]').input_value() == "80"

    # The board decides otherwise, and says why.
    form = page.locator("#recommendation-form")
    form.get_by_label("Option").select_option("saas")
    form.get_by_label("Decided by").fill("Service board")
    form.get_by_label("Date").fill("2027-01-20")
    form.get_by_label("Rationale").fill("The old tool's vendor is leaving the market")
    with page.expect_navigation():
        form.get_by_role("button", name="Record the recommendation").click()
    recommended = page.locator("#recommendation").inner_text()
    assert recommended.startswith("saas, by Service board on 2027-01-20")
    assert "leaving the market" in recommended
    assert page.locator("#option-saas").get_attribute("class") == "recommended"

    apply = page.locator("#apply-form")
    apply.get_by_label("Apply to project").fill(project)
    with page.expect_navigation():
        apply.get_by_role("button", name="Add saas's budget lines and system").click()
    assert page.url.endswith(f"/projects/{project}/inventory")
    assert "Service desk" in page.locator(f"#system-{key}-desk").inner_text()
    with server.api() as admin:
        stored = admin.get(f"/api/v1/projects/{project}").json()
    assert [(b["category"], str(b["amount"])) for b in stored["budget"]] == [("software", "25000")]


def test_a_system_added_near_its_end_of_life_gets_its_renewal_task(page: Page, server: Any) -> None:
    project = server.import_plan(PLAN.format(key=f"inv-{uuid.uuid4().hex[:6]}"))
    page.goto(f"/projects/{project}/inventory")
    form = page.locator("#system-form")
    form.get_by_label("Id").fill("old-san")
    form.get_by_label("Name").fill("Old SAN")
    form.get_by_label("Type").select_option("hardware")
    form.get_by_label("Renewal", exact=True).fill("2027-03-01")
    form.get_by_label("Renewal cost").fill("12000")
    form.get_by_label("End of life").fill("2027-06-30")
    with page.expect_navigation():
        form.get_by_role("button", name="Add system").click()
    assert "Old SAN" in page.locator("#system-old-san").inner_text()
    renewal = page.locator("#renewals tbody tr", has_text="old-san")
    assert "12000" in renewal.inner_text()
    # 177 days from the status date to the end of life: within the 180 days' notice.
    assert page.locator('#checks [data-code="end_of_life_near"]').count() == 1
    assert page.locator('#checks [data-code="licence_renewal_due"]').count() == 1

    with page.expect_navigation():
        page.get_by_role("button", name='Add "renew or replace" tasks').click()
    with server.api() as admin:
        tasks = admin.get(f"/api/v1/projects/{project}/tasks").json()
    names = [t["name"] for t in (tasks["items"] if isinstance(tasks, dict) else tasks)]
    assert any("Old SAN" in name for name in names), names
