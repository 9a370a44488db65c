"""Each team check by its code, on plans written as a user would (docs/team.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from plansmith.analytics.checks import plan_diagnostics
from plansmith.analytics.team_checks import reminder_threshold, skill_gaps
from plansmith.domain.diagnostics import Diagnostic
from plansmith.io.plan_file import load_plan_text
from plansmith.io.plan_schema import PlanSpec
from plansmith.io.plan_writer import plan_document, plan_yaml

PLAN = Path(__file__).parents[2] / "data" / "team-plan.yaml"
TODAY = date(2027, 1, 4)


def _plan(**changes: object) -> str:
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    doc.update(changes)
    return yaml.safe_dump(doc, sort_keys=False)


def _problems(text: str) -> list[Diagnostic]:
    plan = load_plan_text(text, "team.yaml")
    assert plan.project is not None, plan.diagnostics
    return [
        *plan.diagnostics,
        *(plan.source.place(d) for d in plan_diagnostics(plan.project, TODAY)),
    ]


def _codes(text: str) -> set[str]:
    return {d.code for d in _problems(text)}


def test_the_sample_plan_has_exactly_its_three_warnings() -> None:
    problems = _problems(PLAN.read_text(encoding="utf-8"))
    assert sorted(d.code for d in problems) == [
        "certification_expiring",
        "raci_no_accountable",
        "skill_gap",
    ]
    located = {d.code: d.location for d in problems}
    assert located["raci_no_accountable"] is not None
    assert located["raci_no_accountable"].line == 44
    assert located["skill_gap"] is not None
    assert located["skill_gap"].line == 25


def test_raci_rules_by_code() -> None:
    many = {"api-spec": {"tp-alice": "R", "tp-bob": "A", "tp-sponsor": "A"}}
    assert "raci_many_accountable" in _codes(_plan(raci=many))
    nobody = {"api-spec": {"tp-bob": "A"}, "build": {"tp-alice": "RA"}}
    assert "raci_no_responsible" in _codes(_plan(raci=nobody))
    assert "raci_no_accountable" in _codes(_plan(raci={}))  # a deliverable is always an item
    assert "raci_unknown_party" in _codes(_plan(raci={"build": {"carol": "R"}}))
    assert "raci_unknown_item" in _codes(_plan(raci={"nothing": {"tp-bob": "A"}}))
    fine = {"api-spec": {"tp-alice": "R", "tp-bob": "A"}, "build": {"tp-alice": "R", "tp-bob": "A"}}
    assert not {c for c in _codes(_plan(raci=fine)) if c.startswith("raci_")}
    crowded = _plan(raci=fine, team_rules={"max_accountable": 1})
    assert "raci_overloaded_accountable" in _codes(crowded)


def test_references_and_deliverables_by_code() -> None:
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    deliverable = doc["deliverables"][0]
    ghost = [{**deliverable, "owner": "ghost"}]
    assert "unknown_resource" in _codes(_plan(deliverables=ghost))
    lost = [{**deliverable, "milestone": "nowhere"}]
    assert "unknown_task" in _codes(_plan(deliverables=lost))
    twice = [deliverable, deliverable]
    assert "duplicate_id" in _codes(_plan(deliverables=twice))
    unsigned = [{**deliverable, "status": "accepted"}]
    assert "deliverable_accepted_unsigned" in _codes(_plan(deliverables=unsigned))
    signed = [{**unsigned[0], "signoffs": [{"by": "Dana", "date": "2027-01-20"}]}]
    assert "deliverable_accepted_unsigned" not in _codes(_plan(deliverables=signed))


def test_certifications_expired_and_expiring_by_code() -> None:
    certs = [
        {"resource": "tp-bob", "name": "Old", "expires": "2026-12-31"},
        {"resource": "tp-bob", "name": "Soon", "expires": "2027-03-01"},
        {"resource": "tp-bob", "name": "Later", "expires": "2028-01-01"},
    ]
    problems = _problems(_plan(certifications=certs))
    found = {d.code: d.message for d in problems if d.code.startswith("certification")}
    assert set(found) == {"certification_expired", "certification_expiring"}
    assert "Old" in found["certification_expired"]
    assert "Soon" in found["certification_expiring"]


def test_skill_gap_and_level_one_names() -> None:
    plan = load_plan_text(_plan(training=[]), "team.yaml")
    assert plan.project is not None
    gaps = skill_gaps(plan.project)
    assert [(g.requirement.skill, g.best, g.training) for g in gaps] == [("postgres", 2, ())]
    doc = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    doc["tasks"][1]["requires"] = ["go", {"skill": "go", "level": 2}]
    codes = [d for d in _problems(yaml.safe_dump(doc)) if d.code == "skill_gap"]
    assert len(codes) == 2  # bob's bare "go" is level 1: enough for the first only


def test_a_plan_without_team_sections_reads_as_before() -> None:
    text = (
        "project: {id: p, name: P, start: 2027-01-04}\ntasks:\n  - {id: a, name: A, duration: 1d}\n"
    )
    plan = load_plan_text(text)
    assert plan.project is not None
    assert plan_diagnostics(plan.project, TODAY) == []


def test_the_team_sections_round_trip_through_the_writer() -> None:
    plan = load_plan_text(PLAN.read_text(encoding="utf-8"), "team.yaml")
    assert plan.spec is not None
    again = load_plan_text(plan_yaml(plan_document(plan.spec)), "again.yaml")
    assert again.spec == plan.spec
    assert PlanSpec.model_validate(plan_document(plan.spec)) == plan.spec


def test_a_bad_raci_cell_is_a_schema_error() -> None:
    plan = load_plan_text(_plan(raci={"build": {"tp-alice": "X"}}), "team.yaml")
    assert plan.project is None
    assert [d.code for d in plan.diagnostics] == ["invalid_value"]


def test_the_reminder_due_is_the_nearest_threshold_reached() -> None:
    expires = date(2027, 3, 1)
    days = (60, 30, 7)
    cases = {
        date(2026, 12, 31): 60,  # 60 days left: the first
        date(2027, 1, 15): 60,
        date(2027, 1, 30): 30,  # recorded with 30 days left: only the 30-day one is due
        date(2027, 2, 21): 30,
        date(2027, 2, 22): 7,
        date(2027, 3, 1): 7,  # the last day still counts
    }
    for today, expected in cases.items():
        assert reminder_threshold(expires, today, days) == expected, today
    assert reminder_threshold(expires, date(2026, 12, 30), days) is None  # 61 days: none yet
    assert reminder_threshold(expires, date(2027, 3, 2), days) is None  # expired
    assert reminder_threshold(expires, date(2027, 2, 28), ()) is None  # turned off


def test_reminder_days_are_team_rules_checked_by_the_schema() -> None:
    rules = {"certification_reminders": [90, 14], "remind_managers": False}
    plan = load_plan_text(_plan(team_rules=rules), "team.yaml")
    assert plan.spec is not None
    assert plan.spec.team_rules is not None
    assert plan.spec.team_rules.certification_reminders == (90, 14)
    for bad, code in (
        ([30, 30], "invalid_value"),
        ([-1], "invalid_value"),
        (["x"], "invalid_type"),
    ):
        refused = load_plan_text(_plan(team_rules={"certification_reminders": bad}), "t.yaml")
        assert refused.project is None
        assert [d.code for d in refused.diagnostics] == [code], bad
