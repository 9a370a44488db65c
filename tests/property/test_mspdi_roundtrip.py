"""Plan -> MSPDI -> plan keeps every field MSPDI can hold, for any plan (Hypothesis).

Values are compared by meaning, not spelling: ``72h`` may come back as ``9d``, ``50%`` as
``0.5``, a finish date as the same instant, and calendars (company holidays, work weeks,
working days) as the same working ranges on every date.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plansmith.domain.durations import parse_duration
from plansmith.io.calendar_build import build_calendars
from plansmith.io.mspdi.read import read_mspdi
from plansmith.io.mspdi.write import write_mspdi
from plansmith.io.plan_file import load_plan_text
from plansmith.io.plan_schema import PlanSpec, TaskSpec
from plansmith.io.plan_writer import plan_document, plan_yaml
from plansmith.services.planning import schedule_plan

START = date(2027, 3, 1)
DAYS = st.integers(0, 60).map(lambda n: START + timedelta(days=n))


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    per_day = draw(st.sampled_from([8, 7.5]))
    calendars = {
        "office": {
            "workdays": ["mon", "tue", "wed", "thu", "fri"],
            "hours": ["08:00-12:00", "13:00-17:00"],
        },
        "late": {"week": {"mon": ["10:00-19:00"], "wed": ["10:00-19:00"], "sat": ["09:00-13:00"]}},
    }
    if draw(st.booleans()):
        calendars["late"]["holidays"] = [
            {"from": "2027-04-05", "to": "2027-04-09", "name": "Closed"}
        ]
    if draw(st.booleans()):
        first = draw(DAYS)
        calendars["office"]["work_weeks"] = [
            {
                "name": draw(st.sampled_from(["", "Short weeks"])),
                "from": first.isoformat(),
                "to": (first + timedelta(days=draw(st.integers(0, 40)))).isoformat(),
                "week": {"mon": ["09:00-12:00"], "fri": ["08:00-12:00"], "sat": ["10:00-14:00"]},
            }
        ]
    for cid in draw(st.lists(st.sampled_from(["office", "late"]), max_size=2, unique=True)):
        first = draw(DAYS.filter(lambda d: not date(2027, 4, 2) <= d <= date(2027, 4, 9)))
        calendars[cid]["working_days"] = [
            {"date": first.isoformat(), "hours": ["07:00-13:00"], "name": "Release"},
            {
                "from": (first + timedelta(days=1)).isoformat(),
                "to": (first + timedelta(days=draw(st.integers(1, 3)))).isoformat(),
                "hours": ["00:00-02:00", "20:00-24:00"],
            },
        ]
    resources = []
    for k in range(draw(st.integers(1, 3))):
        resource: dict[str, Any] = {"id": f"r{k}", "name": f"Person {k}"}
        if draw(st.booleans()):
            resource["capacity"] = draw(st.sampled_from([2, 0.5, 3]))
        if draw(st.booleans()):
            resource["rate"] = str(draw(st.sampled_from([Decimal("80"), Decimal("92.5")])))
        if draw(st.booleans()):
            resource["overtime_rate"] = "120"
        if draw(st.booleans()):
            resource["calendar"] = "late"
        if draw(st.booleans()):
            first = draw(DAYS)
            resource["vacations"] = [
                first.isoformat(),
                {
                    "from": (first + timedelta(days=10)).isoformat(),
                    "to": (first + timedelta(days=12)).isoformat(),
                    "name": "Leave",
                },
            ]
        if draw(st.booleans()):
            resource["email"] = f"p{k}@example.com"
        if draw(st.booleans()):
            resource["rates"] = [{"from": draw(DAYS).isoformat(), "rate": "99"}]
        resources.append(resource)
    leaves = [_leaf(draw, k, resources, per_day) for k in range(draw(st.integers(1, 8)))]
    for k, task in enumerate(leaves[1:], start=1):
        for pred in draw(st.lists(st.integers(0, k - 1), max_size=2, unique=True)):
            kind = draw(st.sampled_from(["FS", "SS", "FF", "SF"]))
            lag = draw(st.sampled_from([0, "1d", "-2h", "3h", "2d"]))
            if kind == "FS" and lag == 0:
                task.setdefault("after", []).append(f"t{pred}")
            else:
                task.setdefault("depends", []).append(
                    {"task": f"t{pred}", "type": kind, "lag": lag}
                )
    tasks: list[dict[str, Any]] = leaves
    if len(leaves) > 2 and draw(st.booleans()):
        tasks = [{"id": "phase", "name": "Phase", "children": leaves[:2]}, *leaves[2:]]
        if draw(st.booleans()):
            tasks[0]["deadline"] = "2027-06-30"
    project: dict[str, Any] = {
        "id": "roundtrip",
        "name": "Round trip",
        "start": START.isoformat(),
        "calendar": "office",
    }
    if per_day != 8:
        project |= {"hours_per_day": per_day, "hours_per_week": per_day * 5}
    if draw(st.booleans()):
        project["currency"] = "EUR"
    plan = {"project": project, "calendars": calendars, "resources": resources, "tasks": tasks}
    if draw(st.booleans()):
        plan["holidays"] = [{"date": "2027-05-31", "name": "Memorial Day"}]
    if draw(st.booleans()):
        project["status_date"] = "2027-03-10"
        leaves[0]["actual_start"] = "2027-03-01"
        if draw(st.booleans()):
            leaves[0]["progress"] = draw(st.sampled_from([25, 60]))
    return plan


def _leaf(
    draw: st.DrawFn, k: int, resources: list[dict[str, Any]], per_day: float
) -> dict[str, Any]:
    task: dict[str, Any] = {"id": f"t{k}", "name": f"Task {k}"}
    kind = draw(st.sampled_from(["duration", "effort", "milestone"]))
    assign = [
        r["id"] if units == 1 else {"resource": r["id"], "units": units}
        for r in resources
        if draw(st.booleans())
        for units in [draw(st.sampled_from([1, 0.5, "25%"]))]
    ]
    if kind == "milestone":
        task["milestone"] = True
    elif kind == "effort" and assign:
        task["effort"] = draw(st.sampled_from(["2d", "16h", "1w", "90min"]))
    else:
        task["duration"] = draw(st.sampled_from(["1d", "3d", "4h", "2w", "30min", 5]))
    if assign and kind != "milestone":
        task["assign"] = assign
    if draw(st.booleans()):
        task["start_no_earlier_than"] = draw(
            st.sampled_from([draw(DAYS).isoformat(), f"{draw(DAYS).isoformat()}T10:30"])
        )
    elif draw(st.booleans()):
        task["must_start_on"] = draw(DAYS).isoformat()
    elif draw(st.booleans()):
        task["finish_no_later_than"] = f"{draw(DAYS).isoformat()}T15:00"
    if draw(st.booleans()):
        task["deadline"] = draw(DAYS).isoformat()
    if draw(st.booleans()):
        task["priority"] = draw(st.integers(1, 1000))
    if draw(st.booleans()):
        task["notes"] = draw(st.sampled_from(["Check with the vendor.", "Two lines\nof notes\n"]))
    if draw(st.booleans()) and kind != "milestone":
        task["cost"] = {
            "amount": "1200.50",
            "accrue": draw(st.sampled_from(["start", "end", "prorated"])),
        }
    if draw(st.booleans()):
        task["calendar"] = "late"
    return task


# Meaning, for comparison --------------------------------------------------------------------


def _instant(value: date | datetime | None, *, finish: bool) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1 if finish else 0), time())


def _minutes(value: object, spec: PlanSpec) -> int | None:
    if value is None:
        return None
    p = spec.project
    return parse_duration(
        value, hours_per_day=p.hours_per_day, hours_per_week=p.hours_per_week, allow_negative=True
    )


def _units(value: float | str) -> float:
    return float(value[:-1]) / 100 if isinstance(value, str) else float(value)


def _task(task: TaskSpec, spec: PlanSpec) -> dict[str, Any]:
    links = {(d, "FS", 0) for d in task.after}
    links |= {(d.task, d.type, _minutes(d.lag, spec)) for d in task.depends}
    leaf = task.children is None
    return {
        "name": task.name,
        "children": [kid.id for kid in task.children or []],
        "duration": _minutes(task.duration, spec) if leaf and not task.milestone else None,
        "effort": _minutes(task.effort, spec),
        "milestone": task.milestone or (leaf and _minutes(task.duration, spec) == 0),
        "start_no_earlier_than": _instant(task.start_no_earlier_than, finish=False),
        "must_start_on": _instant(task.must_start_on, finish=False),
        "finish_no_later_than": _instant(task.finish_no_later_than, finish=True),
        "deadline": _instant(task.deadline, finish=True),
        "actual_start": _instant(task.actual_start, finish=False),
        "progress": task.progress,
        "priority": task.priority,
        "notes": task.notes,
        "cost": (task.cost.amount, task.cost.accrue) if task.cost else None,
        "calendar": task.calendar,
        "links": links,
        "assign": {(a.resource, _units(a.units)) for a in task.assign},
    }


def _walk(tasks: list[TaskSpec]) -> list[TaskSpec]:
    return [t for task in tasks for t in [task, *_walk(task.children or [])]]


def _working_ranges(spec: PlanSpec) -> dict[str, list[Any]]:
    """Each calendar's working ranges on every date the plans can reach, company holidays
    removed: the same meaning whether days off are a calendar's or the company's."""
    company = [day for holiday in spec.holidays for day in holiday.days()]
    built = build_calendars(spec.calendars, {}, [])
    window = [START + timedelta(days=k) for k in range(-7, 200)]
    return {cid: [c.without(company).ranges_on(day) for day in window] for cid, c in built.items()}


def meaning(spec: PlanSpec) -> dict[str, Any]:
    return {
        "project": spec.project.model_dump(exclude={"timezone"}),
        "calendars": _working_ranges(spec),
        "days_off": {
            cid: set(c.holidays) | set(spec.holidays) for cid, c in spec.calendars.items()
        },
        "resources": {
            r.id: (
                r.name or r.id,
                r.capacity,
                r.rate,
                r.overtime_rate,
                r.calendar or "office",
                set(r.vacations),
                r.email,
                tuple((x.start, x.rate) for x in r.rates),
            )
            for r in spec.resources
        },
        "tasks": {t.id: _task(t, spec) for t in _walk(spec.tasks)},
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_plan_to_mspdi_to_plan_keeps_every_supported_field(document: dict[str, Any]) -> None:
    plan = load_plan_text(plan_yaml(document), "generated.yaml")
    assert plan.spec is not None, plan.diagnostics
    outcome = schedule_plan(plan)
    dates = {t["id"]: (t["start"], t["finish"]) for t in outcome.to_json()["tasks"]}
    handle = io.BytesIO()
    write_mspdi(plan.spec, dates, handle)
    handle.seek(0)
    back = read_mspdi(handle, "generated.xml")
    assert back.document is not None, back.diagnostics
    again = load_plan_text(plan_yaml(back.document), "again.yaml")
    assert again.spec is not None, again.diagnostics
    assert meaning(again.spec) == meaning(plan.spec)
    # and the plan file written from it reads back as the same plan
    assert plan_document(
        load_plan_text(plan_yaml(plan_document(again.spec))).spec
    ) == plan_document(again.spec)  # type: ignore[arg-type]
