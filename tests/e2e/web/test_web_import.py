"""The Import page in Chromium: from the dashboard's link, a CSV task table is uploaded, a column
the reader did not recognise is mapped with its select, the preview shows the rows with their
problems, and the project is created and opens on its plan page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

TABLE = """\
ID,Work item,Duration,Predecessors,Resource Names,Outline Level
1,Site survey,2 days,,Ana,1
2,Order access points,1 day,1,Ben[50%],1
3,Install,3 days,2FS+1d,Ana;Ben,1
4,New Wi-Fi live,0 days,3,,1
"""


def _htmx_settled(page: Page) -> None:
    """Wait until htmx has swapped and settled the last answer (its classes for those steps
    gone), so the new elements carry their triggers: a change made before that is missed."""
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


def test_upload_preview_map_and_create(
    page: Page, server: Any, tmp_path: Path, screenshot: Callable[[Page, str], Path]
) -> None:
    source = tmp_path / "wifi.csv"
    source.write_text(TABLE, encoding="utf-8")
    name = f"Wi-Fi refresh {uuid.uuid4().hex[:6]}"

    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("link", name="import one from a spreadsheet").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Import a project"

    # Choosing the file previews it: "Work item" is no header the reader knows.
    page.get_by_label("File").set_input_files(source)
    columns = page.locator("#import-columns")
    columns.wait_for()
    _htmx_settled(page)  # else the select below may change before htmx listens to it
    assert page.locator('[data-code="missing_name_column"]').count() == 1
    select = page.get_by_label("Field of column B Work item")
    assert select.input_value() == "ignore"

    # Mapping it to the name previews again: every row, no errors.
    select.select_option("name")
    page.locator('#import-summary[data-errors="0"]').wait_for()
    _htmx_settled(page)
    assert page.locator("#import-rows tbody tr").count() == 4
    row = page.locator('#import-rows tr[data-row="4"]')
    assert "install" in row.inner_text()
    assert "2FS+1d" in row.inner_text()
    assert page.get_by_label("Field of column B Work item").input_value() == "name"
    page.get_by_label("Project name").fill(name)
    page.locator("#import-rows").scroll_into_view_if_needed()
    screenshot(page, "import")

    with page.expect_navigation():
        page.get_by_role("button", name="Create project").click()
    assert page.url.startswith(f"{server.url}/projects/wi-fi-refresh-")
    page.locator("#wbs").wait_for()
    assert "Order access points" in page.locator("#wbs").inner_text()
