"""The demo's data-centre migration plan in Chromium: its systems' maintenance windows and
planned updates are drawn on the Gantt chart as bands behind the bars, labelled, with a legend
entry, and drawn again at another zoom (issue 9). The ``page`` fixture fails the test on any
console error."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

DC_MIGRATION = "dc-migration-2027"


def test_the_maintenance_windows_are_drawn_behind_the_bars(manager_page: Page, server: Any) -> None:
    from playwright.sync_api import expect

    page = manager_page
    page.goto(f"/projects/{DC_MIGRATION}")
    page.locator("#gantt .bar-wrapper").first.wait_for()
    sent = json.loads(page.locator("#gantt-maintenance").text_content() or "[]")
    assert any(kind == "window" for kind, *_ in sent)
    assert any(kind == "update" for kind, *_ in sent)

    bands = page.locator("#gantt rect.maintenance-band")
    expect(bands).to_have_count(len(sent))  # one element per occurrence
    drawn = bands.evaluate_all(
        """rects => rects.map(r => ({
            start: r.dataset.start, end: r.dataset.end, label: r.getAttribute("aria-label"),
            title: r.querySelector("title").textContent, kind: r.classList[1],
            width: r.getBBox().width, height: r.getBBox().height,
            behindBars: !!(r.compareDocumentPosition(document.querySelector("#gantt .bar-wrapper"))
                           & Node.DOCUMENT_POSITION_FOLLOWING),
        }))"""
    )
    assert [(d["kind"], d["start"], d["end"]) for d in drawn] == [
        (kind, start, end) for kind, start, end, _ in sent
    ]
    for band, (_, start, _, label) in zip(drawn, sent, strict=True):
        assert band["label"] == band["title"]
        assert band["label"].startswith(f"{label}: {start.replace('T', ' ')}")
        assert band["width"] >= 3
        assert band["height"] > 100
        assert band["behindBars"]
    update = next(d for d in drawn if d["kind"] == "update" and "IBM i" in d["label"])
    assert update["start"] == "2027-03-07T01:00"  # the first Sunday's PTF window, 01:00-05:00
    assert "update to 7.5" in update["label"]
    legend = page.locator(".gantt-legend")
    expect(legend.get_by_text("maintenance window")).to_be_visible()
    expect(legend.get_by_text("planned update")).to_be_visible()

    page.locator('[data-view-mode="Month"]').click()  # a zoom draws the chart again
    expect(page.locator('[data-view-mode="Month"]')).to_have_attribute("aria-pressed", "true")
    expect(bands).to_have_count(len(sent))
