"""A stored project's resources as the resources page shows them: each resource's booked hours
against its available hours per ISO week (the utilisation heatmap, over-allocations marked),
before and after leveling, and the leveling preview (which tasks move, by how much and why),
and applying that leveling as start-no-earlier-than constraints.

The figures come from the engines: loads from :func:`unleveled_loads` (what ``plansmith
overload`` reports) and from the leveling result, moves and reasons from :func:`level_plan`
with a fixed schedule budget, so the preview and the apply compute the same leveling and the
page matches ``plansmith schedule --level --schedules 200``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.analytics.checks import plan_diagnostics
from plansmith.domain.diagnostics import Diagnostic, has_errors
from plansmith.domain.model import Project
from plansmith.errors import Conflict, Invalid
from plansmith.io.plan_file import LoadedPlan
from plansmith.io.schedule_json import TIME_FORMAT, delay_reasons_json
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.explain import ResourceLoad
from plansmith.scheduling.leveling import LevelingOptions, LevelingResult, unleveled_loads
from plansmith.scheduling.progress import progressed
from plansmith.scheduling.result import ScheduleResult
from plansmith.scheduling.timeline import Timeline
from plansmith.services.access import Action
from plansmith.services.item_kinds import TaskKind
from plansmith.services.items import update_item
from plansmith.services.planning import level_plan
from plansmith.services.project_actions import load_project_plan
from plansmith.storage import tables as t

# A fixed budget of schedules (and a time limit that never cuts it short on a plan a page
# serves) makes the leveling the same on every run: what the preview shows is what is applied.
LEVELING = LevelingOptions(schedules=200, time_limit=30.0, one_core=True, seed=0)

# Download columns: (heading, key of the view's row dicts).
UTILISATION_COLUMNS = (
    ("Resource id", "resource"),
    ("Resource", "name"),
    ("Week", "week"),
    ("Week starts", "monday"),
    ("Available hours", "available_hours"),
    ("Booked hours", "booked_hours"),
    ("Utilisation %", "utilisation"),
    ("Peak units", "peak"),
    ("Capacity", "capacity"),
    ("Over-allocated", "over"),
    ("Hours over capacity", "over_hours"),
    ("Booked hours after leveling", "leveled_booked_hours"),
    ("Over-allocated after leveling", "leveled_over"),
)
LOAD_COLUMNS = (
    ("Resource id", "resource"),
    ("Resource", "name"),
    ("Capacity", "capacity"),
    ("Available hours", "available_hours"),
    ("Booked hours", "booked_hours"),
    ("Utilisation %", "utilisation"),
    ("Peak units", "peak"),
    ("Weeks over-allocated", "over_weeks"),
    ("Hours over capacity", "over_hours"),
    ("Peak units after leveling", "leveled_peak"),
    ("Weeks over-allocated after leveling", "leveled_over_weeks"),
)
MOVE_COLUMNS = (
    ("Task id", "task"),
    ("Task", "name"),
    ("Start before leveling", "old_start"),
    ("Start after leveling", "new_start"),
    ("Working days later", "days"),
    ("Why", "why"),
)


@dataclass(frozen=True)
class Move:
    """A task leveling starts later, with the engine's reasons (and in words)."""

    task: str
    name: str
    old_start: datetime
    new_start: datetime
    days: float  # working days on the project calendar
    reasons: list[dict[str, Any]]  # delay_reasons_json: kind, from, to, resource, held_by, ...
    explanations: list[str]  # each reason in words
    version: int  # the task row's version: the If-Match of the apply
    applies: bool  # applying sets its start_no_earlier_than (milestones follow their links)

    @property
    def why(self) -> str:
        return "; ".join(self.explanations) or "moved by leveling"

    @property
    def token(self) -> str:
        """What the apply form sends back for this move, so a stale preview is refused."""
        return f"{self.task}|{self.version}|{self.new_start.strftime(TIME_FORMAT)}"

    def row(self) -> dict[str, Any]:
        """The move as a row of the moves table (MOVE_COLUMNS)."""
        return {**asdict(self), "why": self.why}


@dataclass(frozen=True)
class ResourceView:
    ok: bool
    diagnostics: tuple[Diagnostic, ...]
    weeks: list[str] = field(default_factory=list)  # "2027-W05"
    resources: list[dict[str, Any]] = field(default_factory=list)  # id, name, capacity
    cells: list[dict[str, Any]] = field(default_factory=list)  # resource x week (UTILISATION)
    loads: list[dict[str, Any]] = field(default_factory=list)  # per resource (LOAD_COLUMNS)
    moves: list[Move] = field(default_factory=list)
    leveling: dict[str, Any] = field(default_factory=dict)  # the JSON's "leveling" summary

    @property
    def applicable(self) -> list[Move]:
        return [m for m in self.moves if m.applies]

    @property
    def over_cells(self) -> list[dict[str, Any]]:
        return [c for c in self.cells if c["over"]]

    def chart(self) -> dict[str, Any]:
        """The heatmap's and the load chart's data, for the page's JSON block."""
        index = {r["id"]: i for i, r in enumerate(self.resources)}
        week = {w: i for i, w in enumerate(self.weeks)}

        def grid(booked: str, over: str, util: str) -> dict[str, Any]:
            values, marks = [], []
            for c in self.cells:
                x, y = week[c["week"]], index[c["resource"]]
                values.append([x, y, c[util], c[booked], c["available_hours"]])
                if c[over]:
                    marks.append([x, y, c[util], c[booked], c["available_hours"]])
            return {"values": values, "over": marks}

        load: dict[str, dict[str, list[Any]]] = {
            r["id"]: {"before": [], "after": [], "available": []} for r in self.resources
        }
        for c in self.cells:
            series = load[c["resource"]]
            series["before"].append(c["booked_hours"])
            series["after"].append(c["leveled_booked_hours"])
            series["available"].append(c["available_hours"])
        return {
            "weeks": self.weeks,
            "resources": [f"{r['name']} ({r['id']})" for r in self.resources],
            "ids": [r["id"] for r in self.resources],
            "before": grid("booked_hours", "over", "utilisation"),
            "after": grid("leveled_booked_hours", "leveled_over", "leveled_utilisation"),
            "load": load,
        }


def resource_view(session: Session, project: t.Project, plan: LoadedPlan) -> ResourceView:
    """The page's figures; the caller has checked that the user may read the plan."""
    if plan.project is None or not plan.ok:
        return ResourceView(False, tuple(plan.diagnostics))
    current, problems = progressed(plan.project)
    problems = [*problems, *plan_diagnostics(plan.project)]
    located = (*plan.diagnostics, *(plan.source.place(d) for d in problems))
    if has_errors(problems):
        return ResourceView(False, located)
    result, loads = unleveled_loads(current)
    outcome = level_plan(plan, LEVELING)
    leveled = outcome.leveling
    if not result.ok or leveled is None or not outcome.ok:
        return ResourceView(False, (*located, *result.diagnostics, *outcome.diagnostics))
    versions = dict(
        session.execute(
            select(t.Task.key, t.Task.version).where(t.Task.project_id == project.id)
        ).all()
    )
    weeks = _mondays(result, leveled.schedule, current.start)
    before = _weekly(current, result, loads, weeks)
    after = _weekly(current, leveled.schedule, leveled.loads, weeks)
    cells = _cells(current, weeks, before, after)
    doc = outcome.to_json()
    return ResourceView(
        ok=True,
        diagnostics=(*located, *(plan.source.place(d) for d in result.diagnostics)),
        weeks=[_week_label(m) for m in weeks],
        resources=[{"id": r.id, "name": r.name, "capacity": r.capacity} for r in current.resources],
        cells=cells,
        loads=_load_rows(current, cells, loads, leveled.loads),
        moves=_moves(current, result, leveled, versions),
        leveling=doc["leveling"],
    )


def apply_leveling(session: Session, user: t.User, key: str, tokens: list[str]) -> list[str]:
    """Set each moved task's start_no_earlier_than to its leveled start, through the item
    use case (so each change is checked, versioned and audited), in the caller's transaction.

    ``tokens`` are the preview's moves as the form sent them; the leveling is computed again
    and must be the same, so nobody applies a preview the plan has since outgrown."""
    project, plan = load_project_plan(session, user, key, Action.EDIT_PLAN)
    view = resource_view(session, project, plan)
    if not view.ok:
        first = next((d for d in view.diagnostics if d.severity.value == "error"), None)
        raise Invalid(
            f"cannot level the project: {first.message if first else 'the plan has errors'}",
            code="invalid_plan",
            diagnostics=view.diagnostics,
        )
    moves = view.applicable
    if sorted(m.token for m in moves) != sorted(tokens):
        raise Conflict(
            "the plan has changed since this preview; review the new preview and apply again",
            code="leveling_changed",
        )
    if not moves:
        raise Invalid("leveling moves no task: there is nothing to apply", code="nothing_to_level")
    kind = TaskKind()
    for move in moves:
        patch = {"start_no_earlier_than": move.new_start.strftime(TIME_FORMAT)}
        update_item(session, user, kind, project, move.task, patch, move.version)
    return [m.task for m in moves]


# Weeks and loads ---------------------------------------------------------------------------


def _mondays(before: ScheduleResult, after: ScheduleResult, start: date) -> list[date]:
    first = min(before.at(before.start).date(), start)
    last = max(before.at(before.finish), after.at(after.finish)).date()
    monday = first - timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def _week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class _Week:
    available: float = 0.0  # working minutes x capacity
    booked: float = 0.0  # unit-minutes of working time
    peak: float = 0.0
    over: bool = False
    over_minutes: float = 0.0  # excess unit-minutes


def _weekly(
    project: Project, result: ScheduleResult, loads: tuple[ResourceLoad, ...], mondays: list[date]
) -> dict[str, list[_Week]]:
    """Per resource and week: its working time on its own calendar (vacations removed) times
    its capacity, and the working time its bookings and overbookings cover."""
    book = CalendarBook(project)
    fallback = book.project_timeline()
    origin = result.origin
    bounds = [(_minute(origin, m), _minute(origin, m + timedelta(days=7))) for m in mondays]
    out: dict[str, list[_Week]] = {}
    for load in loads:
        working = book.resource_calendar(load.resource)
        timeline = book.timeline(working) if working is not None else None
        timeline = timeline or fallback
        weeks = []
        for lo, hi in bounds:
            week = _Week(available=load.capacity * _work(timeline, lo, hi))
            for a, b, units in load.segments:
                covered = _work(timeline, max(a, lo), min(b, hi)) if a < hi and b > lo else 0
                if covered > 0 or (timeline is None and a < hi and b > lo):
                    week.booked += units * covered
                    week.peak = max(week.peak, units)
            for a, b, excess in load.overloads:
                covered = _work(timeline, max(a, lo), min(b, hi)) if a < hi and b > lo else 0
                if covered > 0 or (timeline is None and a < hi and b > lo):
                    week.over = True
                    week.over_minutes += excess * covered
            weeks.append(week)
        out[load.resource] = weeks
    return out


def _minute(origin: datetime, day: date) -> int:
    return int((datetime(day.year, day.month, day.day) - origin).total_seconds() // 60)


def _work(timeline: Timeline | None, a: int, b: int) -> int:
    if b <= a:
        return 0
    if timeline is None:
        return b - a
    return timeline.work_at(b) - timeline.work_at(a)


def _hours(minutes: float) -> float:
    return round(minutes / 60, 2)


def _percent(booked: float, available: float) -> float | None:
    return round(100 * booked / available, 1) if available > 0 else None


def _cells(
    project: Project,
    mondays: list[date],
    before: dict[str, list[_Week]],
    after: dict[str, list[_Week]],
) -> list[dict[str, Any]]:
    cells = []
    for resource in project.resources:
        for i, monday in enumerate(mondays):
            b, a = before[resource.id][i], after[resource.id][i]
            cells.append(
                {
                    "resource": resource.id,
                    "name": resource.name,
                    "week": _week_label(monday),
                    "monday": monday,
                    "available_hours": _hours(b.available),
                    "booked_hours": _hours(b.booked),
                    "utilisation": _percent(b.booked, b.available),
                    "peak": b.peak,
                    "capacity": resource.capacity,
                    "over": b.over,
                    "over_hours": _hours(b.over_minutes),
                    "leveled_booked_hours": _hours(a.booked),
                    "leveled_utilisation": _percent(a.booked, a.available),
                    "leveled_over": a.over,
                }
            )
    return cells


def _load_rows(
    project: Project,
    cells: list[dict[str, Any]],
    before: tuple[ResourceLoad, ...],
    after: tuple[ResourceLoad, ...],
) -> list[dict[str, Any]]:
    peaks_before = {load.resource: load.peak for load in before}
    peaks_after = {load.resource: load.peak for load in after}
    rows = []
    for resource in project.resources:
        mine = [c for c in cells if c["resource"] == resource.id]
        available = sum(c["available_hours"] for c in mine)
        booked = sum(c["booked_hours"] for c in mine)
        rows.append(
            {
                "resource": resource.id,
                "name": resource.name,
                "capacity": resource.capacity,
                "available_hours": round(available, 2),
                "booked_hours": round(booked, 2),
                "utilisation": _percent(booked, available),
                "peak": peaks_before.get(resource.id, 0.0),
                "over_weeks": sum(1 for c in mine if c["over"]),
                "over_hours": round(sum(c["over_hours"] for c in mine), 2),
                "leveled_peak": peaks_after.get(resource.id, 0.0),
                "leveled_over_weeks": sum(1 for c in mine if c["leveled_over"]),
            }
        )
    return rows


# Moves -------------------------------------------------------------------------------------


def _moves(
    project: Project,
    before: ScheduleResult,
    leveled: LevelingResult,
    versions: dict[str, int],
) -> list[Move]:
    after = leveled.schedule
    timeline = CalendarBook(project).project_timeline()
    day = project.hours_per_day * 60
    names = {task.id: task.name for task in project.tasks}
    people = {r.id: r.name for r in project.resources}
    moves = []
    for old, new in zip(before.tasks, after.tasks, strict=True):
        if old.summary or new.start <= old.start:
            continue
        reasons = delay_reasons_json(leveled, leveled.delay_reasons.get(new.id, ()))
        moves.append(
            Move(
                task=new.id,
                name=new.name,
                old_start=before.at(old.start),
                new_start=after.at(new.start),
                days=round(_work(timeline, old.start, new.start) / day, 2),
                reasons=reasons,
                explanations=[_explain(r, names, people) for r in reasons],
                version=versions.get(new.id, 1),
                applies=not new.milestone,
            )
        )
    return moves


def _explain(reason: dict[str, Any], names: dict[str, str], people: dict[str, str]) -> str:
    """One delay reason in words, as ``plansmith explain`` would put it."""
    if reason["kind"] == "resource":
        span = f"{reason['from'].replace('T', ' ')} to {reason['to'].replace('T', ' ')}"
        who = people.get(reason["resource"], reason["resource"])
        held = ", ".join(names.get(h, h) for h in reason["held_by"]) or "other work"
        return f"{who} was fully booked {span} by {held}"
    predecessor = str(reason.get("predecessor") or "")
    return f"waits for {names.get(predecessor, predecessor)}, which moved"
