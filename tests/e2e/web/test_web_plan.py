"""The plan page in Chromium: adding tasks and a dependency, dragging a Gantt bar (and finding
it there after a reload), a validation message for a bad duration, and a viewer who cannot
change anything. Each test works on a project of its own."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

PLAN = """\
project:
  id: {key}
  name: Drag test
  start: 2027-03-01
tasks:
  - id: design
    name: Design
    duration: 3d
  - id: build
    name: Build
    duration: 5d
    after: [design]
  - id: ship
    name: Ship
    milestone: true
    after: [build]
"""


def _key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _row(page: Page, name: str) -> Locator:
    return page.locator("#wbs tbody tr[data-task]", has=page.locator("td.name", has_text=name))


def _cells(row: Locator) -> list[str]:
    row.wait_for()  # all_inner_texts() does not wait: an empty list while a body is swapped
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def _plan_page(page: Page, key: str) -> None:
    page.goto(f"/projects/{key}")
    page.locator("#gantt .bar-wrapper").first.wait_for()


def _open_row_form(page: Page, name: str) -> Locator:
    """Select the task's row, then Enter: its form, in place of the row."""
    _row(page, name).locator("td.name").click()
    page.keyboard.press("Enter")
    form = page.locator("#wbs tr.editing form.row-form")
    form.wait_for()
    return form


def test_create_a_project_then_add_tasks_and_a_dependency(page: Page, server: Any) -> None:
    from playwright.sync_api import expect

    key = _key("web-plan")
    page.goto("/")
    form = page.locator("#new-project")
    form.get_by_label("Id").fill(key)
    form.get_by_label("Name").fill("Website relaunch")
    form.get_by_label("Start date").fill("2027-03-01")
    with page.expect_navigation():
        form.get_by_role("button", name="Create project").click()
    assert page.url == f"{server.url}/projects/{key}"

    for name, duration in (("Design", "3d"), ("Build", "5d")):
        page.get_by_label("New task").fill(name)
        page.get_by_label("Duration").fill(duration)
        with page.expect_response(f"**/projects/{key}/tasks") as added:
            page.get_by_role("button", name="Add task").click()
        assert added.value.status == 200
        _row(page, name).wait_for()
    design, build = _row(page, "Design"), _row(page, "Build")
    design_id = design.get_attribute("data-task")
    assert design_id
    # Without a link both start on the project's first day.
    assert _cells(design)[3] == _cells(build)[3] == "2027-03-01"

    form = _open_row_form(page, "Build")
    form.get_by_label("After").fill(design_id)
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        form.get_by_role("button", name="Save").click()
    assert saved.value.status == 200
    page.locator("#wbs tr.editing").wait_for(state="detached")
    build = _row(page, "Build")
    expect(build.locator("td").nth(6)).to_have_text(design_id)  # the After column
    expect(build.locator("td").nth(3)).to_have_text("2027-03-04")  # Design takes Mon-Wed
    expect(page.locator("#gantt g.arrow path")).to_have_count(1)  # the link, drawn

    page.reload()
    assert _cells(_row(page, "Build"))[3] == "2027-03-04"


def _drag(page: Page, bar: Locator, dx: float) -> None:
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):  # frappe-gantt follows the mouse move by move
        page.mouse.move(x + dx * step / 10, y)
    page.mouse.up()


def test_drag_a_gantt_bar_and_find_it_moved_after_a_reload(page: Page, server: Any) -> None:
    key = server.import_plan(PLAN.format(key=_key("web-drag")))
    _plan_page(page, key)
    from playwright.sync_api import expect

    row = page.locator('#wbs tbody tr[data-task="build"]')
    before, version = _cells(row), row.get_attribute("data-version")
    assert before[3:5] == ["2027-03-04", "2027-03-10"]
    bar = page.locator('#gantt .bar-wrapper[data-id="build"] .bar')
    with page.expect_response(f"**/projects/{key}/tasks/build/dates") as saved:
        _drag(page, bar, 150)  # a week and a bit in the Week view
    assert saved.value.status == 200
    expect(row).not_to_have_attribute("data-version", version or "")  # the new plan is in
    after = _cells(_row(page, "Build"))
    assert after[3] > before[3], (before, after)
    assert after[2] == before[2] == "5d"  # moved, not stretched
    # The milestone after it moved with it: the plan was rescheduled.
    assert _cells(_row(page, "Ship"))[3] == after[4]

    page.reload()
    page.locator("#gantt .bar-wrapper").first.wait_for()
    assert _cells(_row(page, "Build")) == after


def test_a_bad_duration_is_refused_with_a_message_next_to_the_field(
    page: Page, server: Any
) -> None:
    key = server.import_plan(PLAN.format(key=_key("web-bad")))
    _plan_page(page, key)
    from playwright.sync_api import expect

    page.problems.allow(422)  # type: ignore[attr-defined]
    form = _open_row_form(page, "Build")
    form.get_by_label("Duration").fill("three days")
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        form.get_by_role("button", name="Save").click()
    assert refused.value.status == 422
    field = page.locator("#wbs tr.editing #edit-duration")
    expect(field).to_have_attribute("aria-invalid", "true")
    message = page.locator("#edit-duration-error")
    assert message.is_visible()
    assert message.inner_text().strip()
    assert "edit-duration-error" in (field.get_attribute("aria-describedby") or "")
    assert field.evaluate("input => input === document.activeElement")
    assert field.input_value() == "three days"  # what was typed is kept

    page.reload()  # nothing was saved
    assert _cells(_row(page, "Build"))[2] == "5d"

    # The new-task form says the same of a bad duration.
    page.get_by_label("New task").fill("Polish")
    page.get_by_label("Duration").fill("-2d")
    with page.expect_response(f"**/projects/{key}/tasks") as added:
        page.get_by_role("button", name="Add task").click()
    assert added.value.status == 422
    expect(page.locator("#add-duration")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#add-duration-error").inner_text().strip()
    assert _row(page, "Polish").count() == 0


def test_a_viewer_cannot_change_the_plan(viewer_page: Page, server: Any) -> None:
    page = viewer_page
    key = server.demo_project
    _plan_page(page, key)
    assert "you may read the plan" in page.locator(".plan-title").inner_text()
    assert page.locator("#add-task").count() == 0
    assert page.locator("#task-tools").count() == 0
    assert page.locator("#wbs tbody tr[data-edit]").count() == 0
    bars = page.locator("#gantt .bar-wrapper")
    assert bars.count() == page.locator("#wbs tbody tr[data-task]").count()
    assert page.locator("#gantt .bar-wrapper:not(.locked)").count() == 0

    # Selecting a row and pressing Enter opens nothing.
    first = page.locator("#wbs tbody tr[data-task]").nth(1)
    first.locator("td").nth(1).click()
    page.keyboard.press("Enter")
    assert page.locator("#wbs tr.editing").count() == 0

    # Dragging a bar sends nothing.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    task = first.get_attribute("data-task")
    version = first.get_attribute("data-version")
    start = _cells(first)[3]
    _drag(page, page.locator(f'#gantt .bar-wrapper[data-id="{task}"] .bar'), 150)
    page.evaluate("() => new Promise((done) => setTimeout(done))")  # let any handler run
    assert _cells(page.locator(f'#wbs tbody tr[data-task="{task}"]'))[3] == start

    # And the server refuses the request a drag would make, with the page's own CSRF token.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = page.request.post(
        f"/projects/{key}/tasks/{task}/dates",
        form={"start": "2027-12-01", "end": "2027-12-02", "version": "1"},
        headers={"X-CSRF-Token": token or ""},
    )
    assert answer.status == 403
    page.reload()
    assert posts == []  # not one change was sent by the page
    assert page.locator(f'#wbs tbody tr[data-task="{task}"]').get_attribute("data-version") == (
        version
    )


def test_drag_a_gantt_bar_with_a_finger(
    browser: Any, server: Any, signed_in_states: dict[str, Any]
) -> None:
    """A tablet: touch events only (Chromium's touch emulation, real touch input through the
    DevTools protocol), no mouse. The bar moves with the finger and the move is saved."""
    from playwright.sync_api import expect

    key = server.import_plan(PLAN.format(key=_key("web-touch")))
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1366, "height": 900},
        storage_state=signed_in_states[server.admin],
        has_touch=True,
        locale="en-GB",
        timezone_id="UTC",
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        _plan_page(page, key)
        row = page.locator('#wbs tbody tr[data-task="build"]')
        before, version = _cells(row), row.get_attribute("data-version")
        bar = page.locator('#gantt .bar-wrapper[data-id="build"] .bar')
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        touch = context.new_cdp_session(page)
        scrolled = page.evaluate("() => document.querySelector('.gantt-container').scrollLeft")

        def finger(kind: str, at: float | None) -> None:
            points = [] if at is None else [{"x": at, "y": y}]
            touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        with page.expect_response(f"**/projects/{key}/tasks/build/dates") as saved:
            finger("touchStart", x)
            for step in range(1, 11):
                finger("touchMove", x + 150 * step / 10)
            finger("touchEnd", None)
        assert saved.value.status == 200
        expect(row).not_to_have_attribute("data-version", version or "")
        after = _cells(_row(page, "Build"))
        assert after[3] > before[3], (before, after)
        assert after[2] == before[2] == "5d"  # moved, not stretched
        assert _cells(_row(page, "Ship"))[3] == after[4]  # rescheduled
        # the finger moved the bar, not the chart
        assert page.evaluate("() => document.querySelector('.gantt-container').scrollLeft") == (
            scrolled
        )

        page.reload()
        page.locator("#gantt .bar-wrapper").first.wait_for()
        assert _cells(_row(page, "Build")) == after
        assert not errors, errors
    finally:
        context.close()
