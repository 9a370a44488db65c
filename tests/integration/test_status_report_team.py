"""The status report's "Roles and deliverables" section says what the team service says: the same
deliverables with their status and sign-off, due at the schedule's date for their milestone,
and the same RACI findings (code and message), on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from plansmith.reports.markdown import render_markdown
from plansmith.reports.xlsx import render_xlsx
from plansmith.services import accounts, plan_cache, team
from plansmith.services.access import Action
from plansmith.services.portfolios import find_project
from plansmith.services.projects import import_plan_text
from plansmith.services.reports import project_status_report
from plansmith.storage.database import Database

PLAN = Path(__file__).parents[1] / "data" / "team-plan.yaml"


def test_the_section_is_the_team_services(database: Database) -> None:
    with database.transaction() as session:
        key = import_plan_text(session, PLAN.read_text(encoding="utf-8"), "team.yaml").key
        admin = accounts.create_user(
            session, "admin@example.com", "correct horse battery", is_admin=True
        )
        version = team.team_view(session, admin, key)["version"]
        team.save_deliverable(
            session, admin, key, {"id": "runbook", "name": "Runbook", "status": "delivered"},
            version,
        )  # fmt: skip
        version = team.team_view(session, admin, key)["version"]
        team.sign_off(
            session, admin, key, "api-spec", {"by": "Dana Sponsor", "date": "2027-01-20"}, version
        )
        view = team.team_view(session, admin, key, today=date(2027, 1, 4))
        project = find_project(session, admin, key, Action.READ_PLAN)
        schedule = plan_cache.scheduled(session, project).outcome.result
        assert schedule is not None
        report = project_status_report(session, admin, key)

    section = report.section("team")
    assert section.title == "Roles and deliverables"
    deliverables = view["deliverables"]
    signed = [d for d in deliverables if d.get("signoffs") and d["status"] == "accepted"]
    raci = [d for d in view["diagnostics"] if d["code"].startswith("raci_")]
    assert report.figure("deliverables").value == len(deliverables) == 2
    assert report.figure("deliverables_signed_off").value == len(signed) == 1
    assert report.figure("raci_findings").value == len(raci) > 0

    table = report.table("deliverables")
    assert table.column("Id") == [d["id"] for d in deliverables]
    assert table.column("Status") == [d["status"].replace("_", " ") for d in deliverables]
    assert table.column("Signed off by") == [
        d["signoffs"][-1]["by"] if d in signed else None for d in deliverables
    ]
    assert table.column("Signed off") == [date(2027, 1, 20), None]
    ship = schedule.at(schedule.task("ship").finish)
    assert table.column("Due at") == ["Ship", None]
    assert table.column("Due") == [ship, None]

    findings = report.table("raci_findings")
    assert sorted(findings.rows) == sorted((d["code"], d["message"]) for d in raci)
    assert {"raci_no_accountable", "raci_no_responsible"} <= set(findings.column("Code"))

    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == ["Summary", "Tasks", "Costs", "Risks", "Deliverables"]
    rows = list(book["Deliverables"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == table.column("Id")

    text = render_markdown(report)
    assert "## Roles and deliverables" in text
    assert "Dana Sponsor" in text
