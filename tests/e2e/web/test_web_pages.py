"""The web app's pages in Chromium: signing in, the dashboard and its New project form, table
downloads, and every main page without console errors (with its screenshot for docs/web.md)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import load_workbook

if TYPE_CHECKING:
    from playwright.sync_api import Page

PageShot = Callable[["Page", str], Path]
HEALTH_WORDS = {"Red", "Amber", "Green", "Unknown"}

# The main pages: (screenshot name, path); the project pages show the demo's SaaS launch.
MAIN_PAGES = [
    ("dashboard", "/"),
    ("plan", "/projects/pulse-launch"),
    ("resources", "/projects/pulse-launch/resources"),
    ("risk", "/projects/pulse-launch/risk"),
    ("money", "/projects/pulse-launch/money"),
]


def _settled(page: Page) -> None:
    """Wait for the page's own work: no requests in flight, fonts loaded, two frames drawn."""
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "() => document.fonts.ready.then(() => new Promise((done) =>"
        " requestAnimationFrame(() => requestAnimationFrame(done))))"
    )


def test_sign_in_with_the_keyboard(anonymous_page: Page, server: Any, screenshot: PageShot) -> None:
    page = anonymous_page
    page.goto("/")
    assert page.url == f"{server.url}/sign-in?next=/"
    _settled(page)
    screenshot(page, "sign-in")

    # A wrong password: the same page, the message next to the fields, the fields marked.
    page.problems.allow(401)  # type: ignore[attr-defined]
    page.keyboard.type(server.admin)  # the e-mail field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    with page.expect_navigation() as refused:
        page.keyboard.press("Enter")
    assert refused.value is not None
    assert refused.value.status == 401
    alert = page.get_by_role("alert")
    assert alert.get_attribute("data-code") == "invalid_credentials"
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("E-mail").input_value() == server.admin

    page.get_by_label("Password").fill(server.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{server.url}/"
    assert page.get_by_role("heading", level=1).inner_text() == "Portfolio"
    assert page.get_by_role("button", name="Sign out").is_visible()


def test_dashboard_shows_health_in_words_with_the_rule(manager_page: Page, server: Any) -> None:
    page = manager_page
    page.goto("/")
    rows = page.locator("#portfolio tbody tr")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.project)")) == sorted(
        server.demo_projects
    )
    for index in range(rows.count()):
        health = rows.nth(index).locator(".rag")
        assert health.inner_text() in HEALTH_WORDS
        assert rows.nth(index).locator(".rule").inner_text().strip()
    launch = page.locator('tr[data-project="pulse-launch"]')
    assert launch.locator(".rag").inner_text() == "Red"
    assert "deadline" in launch.locator(".rule").inner_text()
    page.get_by_text("How health is set").click()
    legend = page.locator("#health-rule")
    assert "SPI or CPI is below 0.90" in legend.inner_text()


def test_create_a_project_from_the_dashboard(page: Page, server: Any) -> None:
    key = f"web-{uuid.uuid4().hex[:8]}"
    page.problems.allow(409, 422)  # type: ignore[attr-defined]
    page.goto("/")
    form = page.locator("#new-project")
    form.get_by_label("Id").fill("Not an id")
    form.get_by_label("Name").fill("")
    form.get_by_label("Start date").fill("2027-03-01")
    with page.expect_navigation() as refused:
        form.get_by_role("button", name="Create project").click()
    assert refused.value is not None
    assert refused.value.status == 422
    identity = form.get_by_label("Id")
    assert identity.get_attribute("aria-invalid") == "true"
    assert "not a valid id" in form.locator("#new-id-error").inner_text()
    assert identity.evaluate("field => field === document.activeElement")  # focus on the error
    assert form.get_by_label("Name").get_attribute("aria-invalid") == "true"
    assert form.locator("#new-name-error").inner_text() == "a project needs a name"
    assert form.get_by_label("Start date").get_attribute("aria-invalid") is None
    assert form.get_by_label("Start date").input_value() == "2027-03-01"  # kept

    identity.fill(key)
    form.get_by_label("Name").fill("Web relaunch")
    form.get_by_label("Portfolio").select_option("demo")
    with page.expect_navigation() as created:
        form.get_by_role("button", name="Create project").click()
    assert created.value is not None
    assert created.value.ok
    assert page.url == f"{server.url}/projects/{key}"
    assert page.get_by_role("heading", level=1).inner_text() == "Web relaunch"

    page.goto("/")
    row = page.locator(f'tr[data-project="{key}"]')
    assert row.get_by_role("link").inner_text() == "Web relaunch"
    assert row.locator("td").first.inner_text() == "demo"

    # The same id again: refused, next to the field.
    form.get_by_label("Id").fill(key)
    form.get_by_label("Name").fill("Again")
    with page.expect_navigation() as taken:
        form.get_by_role("button", name="Create project").click()
    assert taken.value is not None
    assert taken.value.status == 409
    assert "already exists" in form.locator("#new-id-error").inner_text()


def test_portfolio_table_downloads_as_csv_and_xlsx(manager_page: Page, server: Any) -> None:
    page = manager_page
    page.goto("/")
    links = page.locator('.downloads[data-table="portfolio"]')
    with page.expect_download() as csv_download:
        links.get_by_role("link", name="Download the portfolio table as CSV").click()
    assert csv_download.value.suggested_filename == "portfolio.csv"
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Project id"] for row in table) == sorted(server.demo_projects)
    by_key = {row["Project id"]: row for row in table}
    assert by_key["pulse-launch"]["Health"] == "red"
    assert by_key["pulse-launch"]["Currency"] == "EUR"

    with page.expect_download() as xlsx_download:
        links.get_by_role("link", name="Download the portfolio table as XLSX").click()
    assert xlsx_download.value.suggested_filename == "portfolio.xlsx"
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Project id", "Project", "Portfolio", "Health")
    assert sorted(str(row[0]) for row in rows[1:]) == sorted(server.demo_projects)


@pytest.mark.parametrize(("name", "path"), MAIN_PAGES, ids=[name for name, _ in MAIN_PAGES])
def test_main_page_opens_without_console_errors(
    manager_page: Page, name: str, path: str, screenshot: PageShot
) -> None:
    page = manager_page
    answer = page.goto(path)
    assert answer is not None
    assert answer.status == 200, f"{path} answered {answer.status}"
    if name == "plan":
        page.locator("#gantt .bar-wrapper").first.wait_for()
    _settled(page)
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.problems.items == []  # type: ignore[attr-defined]
    screenshot(page, name)
