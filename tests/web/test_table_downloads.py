"""docs/web.md's promise, "every table on a page can be downloaded as CSV and XLSX", held.

On the demo portfolio (plus a stakeholder, a communication entry and its deliveries, a meeting
series, a decision with a change, an action item and a sign-off, so that every page's tables
are drawn), every page is rendered for an administrator and each <table> found with a real
HTML parser must name its download (``data-download``) and have that download's CSV and XLSX
links on the page, both answering; or say why it has none (``data-no-download``, only the
import previews: see their templates). Templates are also read as text, so a table that the
demo does not draw is held to the same rule.

Then each table added for issue 10 is compared with its files, read as a viewer (who sees the
values as text, not in edit forms): the CSV parsed by the csv module and the XLSX by openpyxl
hold the rows the page shows; and a download refuses whom its page refuses.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from plansmith.asgi import compose
from plansmith.config import Settings
from plansmith.services import (
    comms_plan,
    delivery_log,
    meeting_log,
    meetings,
    stakeholders,
    team,
)
from plansmith.services.access import Role
from plansmith.services.server import first_start
from plansmith.storage import tables as t
from plansmith.storage.database import Database
from plansmith.storage.tables_portfolio import Evaluation
from tests.web.test_analysis_pages import PASSWORD, Site

TEMPLATES = Path(__file__).parents[2] / "src" / "plansmith" / "web" / "templates"
ADMIN = "admin@example.com"
KEY = "dc-migration-2027"  # the demo project with a team, an inventory and renewals
RISKY = "pulse-launch"  # the demo project with a risk register
PROJECT_PAGES = ("", "/resources", "/risk", "/money", "/team", "/stakeholders")
PROJECT_PAGES += ("/communication", "/meetings", "/inventory", "/reports")
OTHER_PAGES = ("/", "/workload", "/proposals", "/evaluations", "/import")
# The tables issue 10 added, each drawn at least once by the filled demo.
NEW = {
    "raci", "deliverable-signoffs", "deliverable-history", "skills-matrix", "skill-gaps",
    "certifications", "training-plan", "workload", "workload-by-project", "stakeholders",
    "communication-plan", "deliveries", "meeting-dates", "decisions", "decision-history",
    "action-items", "scoring-model", "evaluations", "matrix", "systems", "renewals",
    "maintenance-windows", "risk-matrix",
}  # fmt: skip


def _fill(database: Database) -> int:
    """What the demo lacks for every table to be drawn; returns the decision's id."""
    with database.transaction() as session:
        admin = session.scalar(select(t.User).where(t.User.email == ADMIN))
        project = session.scalar(select(t.Project).where(t.Project.key == KEY))
        assert admin is not None
        assert project is not None
        person = stakeholders.create_stakeholder(
            session, admin, KEY,
            {"name": "Ada Lovelace", "organisation": "=HYPERLINK(\"x\")", "role": "Sponsor",
             "email": "ada@example.com", "interest": 4, "influence": 5, "channel": "email"},
        )  # fmt: skip
        entry = comms_plan.create_entry(
            session, admin, KEY,
            {"title": "Monthly status", "report": "status", "format": "pdf",
             "cadence": "monthly", "day": 15, "hour": 7, "recipients": [person.document["id"]]},
        )  # fmt: skip
        delivery_log.send_now(session, admin, KEY, entry.document["id"])
        meetings.create_series(
            session, admin, project,
            {"id": "weekly", "title": "Weekly sync", "kind": "weekly",
             "start": "2027-03-01T10:00", "duration": 45, "rrule": "FREQ=WEEKLY;BYDAY=MO"},
        )  # fmt: skip
        decision = meeting_log.create_decision(
            session, admin, project,
            {"date": "2027-03-01", "title": "Cut over by wave", "rationale": "+less risk"},
        )  # fmt: skip
        meeting_log.update_decision(
            session, admin, project, str(decision.id), {"status": "decided"}, decision.version
        )
        meeting_log.create_action(
            session, admin, project, {"text": "Book the trucks", "due": "2027-03-05"}
        )
        deliverable = team.team_view(session, admin, KEY)["deliverables"][0]["id"]
        team.sign_off(
            session, admin, KEY, deliverable,
            {"by": "Maria Chen (CIO)", "date": "2027-03-02", "note": "Seen"}, project.version,
        )  # fmt: skip
        return decision.id


@pytest.fixture
def demo(database: Database, tmp_path: Path, database_url: str) -> Iterator[tuple[Site, int]]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="s" * 48,
        production=False,
        load_demo=True,
        admin_password=PASSWORD,
    )
    first_start(database, settings)
    decision = _fill(database)
    app = compose(settings, database)
    with TestClient(app):
        yield Site(app, database), decision


def _pages(site: Site, decision: int) -> list[str]:
    with site.database.transaction() as session:
        keys = list(session.scalars(select(t.Project.key).order_by(t.Project.key)))
        evaluations = list(session.scalars(select(Evaluation.key)))
    pages = [*OTHER_PAGES, *(f"/evaluations/{e}" for e in evaluations)]
    pages += [f"/projects/{k}{p}" for k in keys for p in PROJECT_PAGES]
    return [*pages, f"/projects/{KEY}/meetings/decisions/{decision}/history"]  # htmx fragment


def test_every_table_on_every_page_has_its_downloads(demo: tuple[Site, int]) -> None:
    site, decision = demo
    admin = site.browser(ADMIN)
    drawn: set[str] = set()
    fetched: set[str] = set()
    for page in _pages(site, decision):
        answer = admin.get(page)
        assert answer.status_code == 200, (page, answer.text[:300])
        html = lxml.html.fromstring(answer.text)
        for table in html.iter("table"):
            where = (page, table.get("id") or table.get("class"))
            if table.get("data-no-download") is not None:
                assert table.get("data-no-download", "").strip(), f"{where}: say why"
                continue
            name = table.get("data-download")
            assert name, f"{where}: a table without downloads (data-download)"
            links = html.xpath(f'//p[@class="downloads"][@data-table="{name}"]//a/@href')
            ends = sorted({re.sub(r"\?.*", "", link).rsplit(".", 1)[1] for link in links})
            assert ends == ["csv", "xlsx"], f"{where}: no CSV and XLSX links for {name}"
            assert all(f"/tables/{name}." in link for link in links), (where, links)
            drawn.add(name)
            for link in set(links) - fetched:
                got = admin.get(link)
                assert got.status_code == 200, (where, link, got.text[:300])
                assert got.headers["content-disposition"].startswith("attachment"), link
                fetched.add(link)
    assert drawn >= NEW, f"not drawn by the filled demo: {NEW - drawn}"


def test_every_table_in_the_templates_says_its_download() -> None:
    """Tables the demo does not draw (an upload's preview, an empty list) too."""
    for template in sorted(TEMPLATES.glob("*.html")):
        for tag in re.findall(r"<table\b[^>]*>", template.read_text(encoding="utf-8")):
            assert "data-download=" in tag or "data-no-download=" in tag, (template.name, tag)


# The files hold the page's rows ---------------------------------------------------------------


def _text(cell: Any) -> str:
    return " ".join(cell.text_content().split())


def _page_rows(html: str, xpath: str) -> list[list[str]]:
    tables = lxml.html.fromstring(html).xpath(xpath)
    assert len(tables) == 1, (xpath, len(tables))
    return [[_text(c) for c in row.xpath("th|td")] for row in tables[0].xpath("./tbody/tr")]


def _csv(browser: TestClient, url: str) -> list[list[str]]:
    answer = browser.get(url)
    assert answer.status_code == 200, (url, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def _xlsx_as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same_in_xlsx(browser: TestClient, url: str, rows: list[list[str]]) -> None:
    """The XLSX holds the CSV's cells, typed (numbers and dates, not text), never a formula."""
    book = load_workbook(io.BytesIO(browser.get(url.replace(".csv", ".xlsx", 1)).content))
    values = list(book.active.iter_rows(values_only=True)) if book.active else []
    assert len(values) == len(rows), url
    for got, want in zip(values, rows, strict=True):
        texts = [_xlsx_as_text(v) for v in got]
        for value, text, expected in zip(got, texts, want, strict=True):
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert float(expected) == pytest.approx(value), (url, got, want)
            else:  # CSV defuses a formula with a leading apostrophe; XLSX keeps the text
                assert text == expected.removeprefix("'") or expected == text, (url, got, want)


Expect = Callable[[list[str]], list[str | None]]


def _check(browser: TestClient, page: str, xpath: str, url: str, expect: Expect) -> None:
    """The page's rows, cell by cell, as ``expect`` builds them from the file's (None: a cell
    the page draws differently, such as a button)."""
    shown = _page_rows(browser.get(page).text, xpath)
    rows = _csv(browser, url)
    assert len(rows) - 1 == len(shown) > 0, (url, len(rows) - 1, len(shown))
    for mine, theirs in zip(rows[1:], shown, strict=True):
        wanted = expect(mine)
        assert len(wanted) == len(theirs), (url, wanted, theirs)
        for want, seen in zip(wanted, theirs, strict=True):
            assert want is None or want == seen, (url, mine, theirs)
    _same_in_xlsx(browser, url, rows)


def _same(row: list[str]) -> list[str | None]:
    return list(row)


def _hours(text: str) -> str:
    return f"{float(text):.1f}" if text else ""


def test_the_files_hold_the_pages_rows(demo: tuple[Site, int]) -> None:
    site, decision = demo
    site.account("viewer@example.com", KEY, Role.VIEWER)
    site.account("reader@example.com", RISKY, Role.VIEWER)
    viewer = site.browser("viewer@example.com")
    team_page, base = f"/projects/{KEY}/team", f"/projects/{KEY}/tables"
    with site.database.transaction() as session:
        admin = session.scalar(select(t.User).where(t.User.email == ADMIN))
        assert admin is not None
        signed = next(d for d in team.team_view(session, admin, KEY)["deliverables"])["id"]
    cases: list[tuple[str, str, str, Expect]] = [
        (team_page, '//table[@id="raci-grid"]', f"{base}/raci.csv",
         lambda r: [f"{r[1]} ({r[2]})", *r[3:-1], None]),
        (team_page, '//table[@id="skills-matrix"]', f"{base}/skills-matrix.csv", _same),
        (team_page, '//table[@id="skill-gaps"]', f"{base}/skill-gaps.csv",
         lambda r: [r[0], *r[2:]]),
        (team_page, '//table[@id="certification-list"]', f"{base}/certifications.csv", _same),
        (team_page, '//table[@id="training-plan"]', f"{base}/training-plan.csv",
         lambda r: [*r[:5], f"{r[5]} to level {r[6]}" if r[6] else r[5]]),
        (team_page, f'//article[@data-deliverable="{signed}"]//table[@class="signoffs"]',
         f"{base}/deliverable-signoffs.csv?deliverable={signed}", lambda r: r[1:]),
        (team_page, f'//article[@data-deliverable="{signed}"]//details//table',
         f"{base}/deliverable-history.csv?deliverable={signed}", lambda r: r[1:]),
        ("/workload", '//table[@id="workload"]', "/tables/workload.csv",
         lambda r: [r[0], *(
             f"{_hours(h)} h of {float(c):.0f}" if h else "" for h, c in zip(
                 r[1::2], r[2::2], strict=True))]),
        ("/workload", '//table[@id="workload-projects-table"]', "/tables/workload-by-project.csv",
         lambda r: [r[0], r[1], *(_hours(h) for h in r[2:])]),
        (f"/projects/{KEY}/stakeholders", '//table[@id="register"]', f"{base}/stakeholders.csv",
         lambda r: [r[0], r[1].removeprefix("'"), *r[2:]]),
        (f"/projects/{KEY}/communication", '//table[@id="plan"]',
         f"{base}/communication-plan.csv",
         lambda r: [r[0], f"{r[2]}, {r[3]}", r[4], r[5], r[6]]),
        (f"/projects/{KEY}/communication", '//table[@id="deliveries"]', f"{base}/deliveries.csv",
         lambda r: [r[0], r[1], f"{r[2]} <{r[3]}>", *r[4:]]),
        (f"/projects/{KEY}/meetings", '//article[@data-series="weekly"]//table',
         f"{base}/meeting-dates.csv?series=weekly", lambda r: [r[2], r[3], None]),
        (f"/projects/{KEY}/meetings", '//section[@id="decisions"]/table', f"{base}/decisions.csv",
         lambda r: [r[1], r[2] + r[3], r[4].removeprefix("'"), r[5], r[6], None]),
        (f"/projects/{KEY}/meetings/decisions/{decision}/history", "//table",
         f"{base}/decision-history.csv?decision={decision}", lambda r: r[1:]),
        (f"/projects/{KEY}/meetings", '//section[@id="actions"]/table',
         f"{base}/action-items.csv", lambda r: r[1:]),
        ("/proposals", '//table[@id="scoring-model"]', "/tables/scoring-model.csv", _same),
        ("/evaluations", '//table[@id="evaluations"]', "/tables/evaluations.csv",
         lambda r: r[1:]),
        (f"/projects/{KEY}/inventory", '//table[@id="systems"]', f"{base}/systems.csv",
         lambda r: [r[1] + r[0], *r[2:8], None, r[10], r[11], None]),
        (f"/projects/{KEY}/inventory", '//table[@id="renewals"]', f"{base}/renewals.csv", _same),
        (f"/projects/{KEY}/inventory", '//table[@id="windows"]',
         f"{base}/maintenance-windows.csv", lambda r: r[:3]),
    ]  # fmt: skip
    for page, xpath, url, expect in cases:
        _check(viewer, page, xpath, url, expect)

    with site.database.transaction() as session:
        evaluation = session.scalars(select(Evaluation.key)).first()
    _check(
        viewer,
        f"/evaluations/{evaluation}",
        '//table[@id="matrix"]',
        f"/evaluations/{evaluation}/tables/matrix.csv",
        lambda r: [r[0] + r[-1], *([None] * (len(r) - 7)), *r[-6:-1]],
    )
    reader = site.browser("reader@example.com")
    risk = _csv(reader, f"/projects/{RISKY}/tables/risk-matrix.csv")
    page = lxml.html.fromstring(reader.get(f"/projects/{RISKY}/risk").text)
    cells = page.xpath('//table[@id="risk-matrix"]/tbody/tr')
    assert [_text(row.xpath("th")[0]) for row in cells] == [r[0] for r in risk[1:]]
    for row, mine in zip(cells, risk[1:], strict=True):
        named = [", ".join(td.xpath(".//li/a/text()")) for td in row.xpath("td")]
        assert named == mine[1:]
    assert any(any(r[1:]) for r in risk[1:])


def test_the_boards_and_grids_download_as_rows(demo: tuple[Site, int]) -> None:
    """The proposals pipeline and the power/interest grid are drawn as cards, not tables:
    their files hold one row a card, in the page's order."""
    site, _ = demo
    admin = site.browser(ADMIN)
    board = lxml.html.fromstring(admin.get("/proposals").text)
    cards = [(a.get("id").removeprefix("proposal-"), _text(a.xpath('.//*[@class="score"]')[0]))
             for a in board.xpath('//article[@class="proposal-card"]')]  # fmt: skip
    rows = _csv(admin, "/tables/proposals.csv")
    assert [(r[0], r[4]) for r in rows[1:]] == cards
    grid = lxml.html.fromstring(admin.get(f"/projects/{KEY}/stakeholders").text)
    drawn = [
        (_text(cell.xpath(".//header")[0]), " ".join(li.text.split()))
        for cell in grid.xpath('//article[contains(@class, "grid-cell")]')
        for li in cell.xpath(".//li")
    ]
    rows = _csv(admin, f"/projects/{KEY}/tables/power-interest.csv")
    assert [(r[0], r[1]) for r in rows[1:]] == drawn == [(drawn[0][0], "Ada Lovelace")]
    assert rows[1][2] == '\'=HYPERLINK("x")'  # defused in CSV


def test_downloads_refuse_whom_their_pages_refuse(demo: tuple[Site, int]) -> None:
    site, decision = demo
    site.account("stakeholder@example.com", KEY, Role.STAKEHOLDER)
    site.account("outsider@example.com", RISKY, Role.VIEWER)  # a role elsewhere only
    browsers = {name: site.browser(f"{name}@example.com") for name in ("stakeholder", "outsider")}
    pages = {
        "team": ("raci", "deliverables", "deliverable-signoffs", "deliverable-history",
                 "skills-matrix", "skill-gaps", "certifications", "training-plan"),
        "stakeholders": ("stakeholders", "power-interest"),
        "communication": ("communication-plan", "deliveries"),
        "meetings": ("meeting-dates", "decisions", "action-items", "decision-history"),
        "inventory": ("systems", "renewals", "maintenance-windows"),
        "risk": ("risk-matrix",),
    }  # fmt: skip
    for name, browser in browsers.items():
        for page, tables in pages.items():
            expected = browser.get(f"/projects/{KEY}/{page}").status_code
            for table in tables:
                for fmt in ("csv", "xlsx"):
                    got = browser.get(f"/projects/{KEY}/tables/{table}.{fmt}")
                    assert got.status_code == expected, (name, page, table, fmt)
    assert browsers["outsider"].get(f"/projects/{KEY}/team").status_code == 404
    assert browsers["stakeholder"].get(f"/projects/{KEY}/team").status_code == 403
    assert browsers["stakeholder"].get(f"/projects/{KEY}/risk").status_code == 200
    history = f"/projects/{KEY}/meetings/decisions/{decision}/history"
    assert browsers["stakeholder"].get(history).status_code == 403
    # Outside any project: the workload counts only what the caller may read.
    rows = _csv(browsers["outsider"], "/tables/workload-by-project.csv")
    assert {r[1] for r in rows[1:]} <= {RISKY}
    anonymous = TestClient(site.app, follow_redirects=False)
    for url in (
        "/tables/workload.csv",
        "/tables/proposals.xlsx",
        f"/projects/{KEY}/tables/raci.csv",
    ):
        assert anonymous.get(url).status_code == 303  # to the sign-in page
