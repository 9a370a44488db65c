"""The demo fills in proposals in every stage, a decided evaluation and systems with windows
and renewals; all of it survives a backup and a restore (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from plansmith.services import inventory, proposals
from plansmith.services.accounts import create_user
from plansmith.services.demo import demo_directory, load_demo
from plansmith.services.evaluations import analysis
from plansmith.services.instance import backup
from plansmith.services.portfolio_file import evaluate_file
from plansmith.storage import tables as t
from plansmith.storage.database import Database


def test_the_demo_portfolio_file_is_clean() -> None:
    outcome = evaluate_file(demo_directory() / "portfolio.yaml")
    assert outcome.ok, outcome.diagnostics
    assert {p.proposal.status for p in outcome.proposals} == {
        "draft",
        "under_review",
        "approved",
        "rejected",
    }


def test_the_demo_shows_proposals_evaluations_and_systems(database: Database) -> None:
    with database.transaction() as session:
        load_demo(session)
        admin = create_user(
            session, "demo-admin@example.com", "correct horse battery", is_admin=True
        )
        listed = proposals.list_proposals(session)
        assert {p["status"] for p in listed} == {"draft", "under_review", "approved", "rejected"}
        approved = next(p for p in listed if p["status"] == "approved")
        assert approved["project"] == "dc-migration-2027"
        decided = analysis(session, "backup-storage")
        assert decided["recommendation"]["option"] == "object-store"
        assert decided["best_score"] == "object-store"
        systems = inventory.list_systems(session, admin, "dc-migration-2027")
        assert {s["id"] for s in systems} >= {"ibm-i", "vsphere", "pa-firewalls"}
        assert any(s.get("maintenance") for s in systems)
        renewals = inventory.renewals(session, admin, "dc-migration-2027", today=date(2027, 1, 4))
        assert renewals["renewals"]
        events = inventory.maintenance(
            session, admin, "dc-migration-2027", date(2027, 2, 1), date(2027, 3, 31)
        )
        assert {e["kind"] for e in events} == {"maintenance", "update"}
        document = backup(session)
    tables = document["tables"]
    assert len(tables["proposals"]) == 4
    assert len(tables["evaluations"]) == 1
    assert len(tables["scoring_models"]) == 1
    with database.transaction() as session:
        stored = session.scalar(select(t.Project).where(t.Project.key == "dc-migration-2027"))
        assert stored is not None
        assert "systems" in stored.spec
