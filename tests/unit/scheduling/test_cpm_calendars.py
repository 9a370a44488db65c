"""The passes on calendars with long non-working stretches (through a plan file, end to end)."""

from __future__ import annotations

from plansmith.services.planning import schedule_plan_file


def test_resource_not_available_until_after_the_start(write_plan) -> None:
    written = write_plan(
        """\
        project: {id: p, name: P, start: 2027-01-04}
        resources:
          - {id: hire, vacations: [{from: 2020-01-01, to: 2027-01-10, name: not hired yet}]}
        tasks:
          - {id: a, name: A, duration: 1d, assign: [hire]}
          - {id: b, name: B, duration: 1d}
        """
    )
    outcome = schedule_plan_file(written.path)
    assert outcome.ok
    doc = outcome.to_json()
    tasks = {t["id"]: t for t in doc["tasks"]}
    assert (tasks["a"]["start"], tasks["a"]["finish"]) == ("2027-01-11T09:00", "2027-01-11T18:00")
    assert doc["project"]["start"] == "2027-01-04T09:00"
    assert doc["project"]["finish"] == "2027-01-11T18:00"


def test_resource_vacation_moves_its_task(write_plan) -> None:
    written = write_plan(
        """\
        project: {id: p, name: P, start: 2027-01-04}
        resources:
          - {id: dev, vacations: [{from: 2027-01-05, to: 2027-01-06}]}
        tasks:
          - {id: a, name: A, duration: 2d, assign: [dev]}
        """
    )
    outcome = schedule_plan_file(written.path)
    assert outcome.ok
    (a,) = outcome.to_json()["tasks"]
    assert (a["start"], a["finish"]) == ("2027-01-04T09:00", "2027-01-07T18:00")
