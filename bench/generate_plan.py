"""Generate large, realistic Plansmith plans for benchmarks (deterministic for a given seed).

A plan has N leaf tasks (work items and milestones) nested as phases -> work packages -> tasks.
Phases run in parallel *streams* (one stream per ~8 phases, i.e. per ~1,600 tasks), each phase
following the previous one of its stream as a whole (a dependency on a summary task), so a bigger
plan is wider rather than longer, as real programmes are. Inside a phase most work packages start
together; some wait for a task or the whole of an earlier package. Inside a package, tasks form
short chains with extra cross-links, about 1.5 declared predecessors per leaf task in all, always
drawn from earlier tasks (the network is acyclic).

Full mode (the default, for `schedule_bench.py`):
  * four calendars: office 08:00-12:00/13:00-17:00 (the project's, with a year-end shutdown),
    early shift 06:00-14:00, a weekend window and 24x7; public holidays (with Easter-based ones)
    for seven years at the top level;
  * 50-200 resources in teams, each with a calendar and 2-4 vacations a year; tasks have 0-2
    resources of the package's team (so a task with two resources works on the intersection of
    their calendars), some tasks are effort-driven with partial units, some have their own calendar;
  * durations 1h-10d; FS/SS/FF/SF links, 30% with a lag (some negative); a few links to and from
    summary tasks; start_no_earlier_than, must_start_on, finish_no_later_than and deadline
    constraints (one deadline deliberately tight, as in real plans: a warning is expected).

TaskJuggler mode (`--tjp FILE`): the plan written to --out is then the restricted variant that
tj3 can express exactly (length mode, no resources), and FILE the equivalent .tjp:
  * no resources, vacations, effort, must_start_on or finish limits; durations are `length`;
  * calendars are chosen per work package; the office calendar is tj3's global working hours
    (its shutdown days and the public holidays are global leaves), the others are tj3 shifts
    assigned to the package with an all-off shift on each holiday (tj3 ignores leaves when it
    counts the length of a task that has shifts);
  * links are FS or SS (tj3 `onstart`) with lags >= 0 (`gaplength`, working time on the global
    working hours, as Plansmith lags); an SS link with no lag only joins tasks on the same calendar
    and an SS lag only follows a task on the office calendar, because tj3 keeps a length task's
    start at the unsnapped instant its predecessors allow; milestones only have FS predecessors;
  * start_no_earlier_than only on tasks without predecessors (tj3 `start`);
  * the tj3 project ends a margin after the finish Plansmith computes for the YAML (tj3 needs an
    end date); timing resolution 1 hour (every duration, lag and working range is whole hours).

`--calendars 1` puts every task on the office calendar (both modes), for a plan without shifts.

Usage: generate_plan.py --tasks 10000 --seed 1 --out plan.yaml [--tjp plan.tjp] [--calendars 1]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

PROJECT_START = date(2027, 1, 4)  # a Monday
HOURS_PER_DAY = 8
YEARS = 7  # holidays and vacations are written for this many years from the start
OFFICE = "office"
CALENDARS = (OFFICE, "early", "weekend", "h24")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Working ranges (hours) per calendar, Monday..Sunday.
OFFICE_DAY = ((8, 12), (13, 17))
CALENDAR_WEEK: dict[str, tuple[tuple[tuple[int, int], ...], ...]] = {
    OFFICE: (OFFICE_DAY,) * 5 + ((), ()),
    "early": (((6, 14),),) * 5 + ((), ()),
    "weekend": ((),) * 5 + (((8, 18),), ((8, 18),)),
    "h24": (((0, 24),),) * 7,
}
# Durations in working hours, with weights: many short items, a tail of long ones.
DURATIONS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40, 56, 80)
DURATION_WEIGHTS = (4, 8, 5, 10, 7, 14, 6, 12, 10, 7, 8, 4, 5)
LAGS_FULL = (-8, -4, -2, 2, 4, 8, 16, 24, 40)
LAG_WEIGHTS_FULL = (2, 3, 2, 3, 5, 6, 4, 3, 2)
LAGS_TJ3 = (2, 4, 8, 16, 24, 40)
LAG_WEIGHTS_TJ3 = (3, 5, 6, 4, 3, 2)

VERBS = (
    "Design", "Implement", "Review", "Test", "Document", "Migrate", "Configure", "Deploy",
    "Validate", "Integrate", "Benchmark", "Refactor", "Harden", "Provision", "Audit", "Specify",
    "Prototype", "Automate", "Monitor", "Decommission",
)  # fmt: skip
OBJECTS = (
    "billing service", "customer database", "API gateway", "SSO integration", "data warehouse",
    "event pipeline", "search index", "payment provider link", "mobile client", "admin console",
    "backup jobs", "network segment", "load balancers", "Kubernetes cluster", "CI pipeline",
    "reporting module", "ERP interface", "storage array", "message broker", "audit logging",
    "feature flags", "tenant onboarding", "DNS zones", "VPN concentrators", "cost dashboards",
)  # fmt: skip
AREAS = (
    "Discovery", "Architecture", "Platform", "Core services", "Data", "Integration", "Security",
    "Client apps", "Operations", "Migration", "Quality", "Rollout", "Compliance", "Hypercare",
)  # fmt: skip
FIRST_NAMES = (
    "Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira",
    "Lars", "Maya", "Nils", "Olga", "Paul", "Quinn", "Rosa", "Sami", "Tara", "Umut", "Vera",
    "Wim", "Xenia", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Albrecht", "Becker", "Costa", "Demir", "Eriksen", "Fischer", "Garcia", "Hoffmann", "Ivanova",
    "Jansen", "Kowalski", "Lindqvist", "Marin", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt",
    "Tanaka", "Vogel", "Weber", "Yildiz",
)  # fmt: skip
SKILLS = (
    "python", "go", "java", "postgres", "kafka", "kubernetes", "terraform", "networking",
    "security", "sap", "testing", "ux", "project-management", "storage", "linux",
)  # fmt: skip
TEAM_CALENDAR_WEIGHTS = (65, 15, 10, 10)
PACKAGE_CALENDAR_WEIGHTS = (70, 10, 10, 10)  # tj3 mode: a calendar per work package


def phase_groups(
    rng: random.Random, tasks: int, package: tuple[int, int], phase: tuple[int, int]
) -> list[list[int]]:
    """Split ``tasks`` leaf tasks into work packages of ``package`` sizes (the last one topped
    up, never below 2), grouped into phases of ``phase`` packages."""
    sizes: list[int] = []
    while sum(sizes) < tasks:
        sizes.append(rng.randint(*package))
    sizes[-1] -= sum(sizes) - tasks
    if sizes[-1] < 2 and len(sizes) > 1:
        extra = sizes.pop()
        sizes[-1] += extra
    groups: list[list[int]] = []
    while sizes:
        take = min(len(sizes), rng.randint(*phase))
        groups.append(sizes[:take])
        del sizes[:take]
    return groups


@dataclass
class Link:
    pred: str  # task id (leaf or summary)
    kind: str = "FS"
    lag: int = 0  # working hours
    to_summary: bool = False


@dataclass
class Leaf:
    id: str
    name: str
    hours: int
    milestone: bool
    calendar: str  # the calendar the task works on (tj3 mode; full mode: for SS rules only)
    explicit_calendar: str | None = None
    links: list[Link] = field(default_factory=list)
    assign: list[tuple[str, float | str]] = field(default_factory=list)
    effort: bool = False
    snet: str | None = None
    must_start_on: str | None = None
    finish_no_later_than: str | None = None
    deadline: str | None = None
    priority: int | None = None
    notes: str | None = None


@dataclass
class WorkPackage:
    id: str
    name: str
    calendar: str
    team: int
    tasks: list[Leaf] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


@dataclass
class Phase:
    id: str
    name: str
    stream: int
    position: int  # index of the phase in its stream
    after: str | None
    packages: list[WorkPackage] = field(default_factory=list)


@dataclass
class Resource:
    id: str
    name: str
    team: int
    calendar: str
    rate: int
    skills: list[str]
    vacations: list[tuple[date, date]]


@dataclass
class Plan:
    tasks: int
    seed: int
    tj3: bool
    phases: list[Phase] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    holidays: list[tuple[date, str]] = field(default_factory=list)
    shutdowns: list[tuple[date, date]] = field(default_factory=list)

    def leaves(self) -> Iterator[Leaf]:
        for phase in self.phases:
            for package in phase.packages:
                yield from package.tasks


# -- holidays ----------------------------------------------------------------------------------


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    r = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * r) // 451
    month, day = divmod(h + r - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(first_year: int, years: int) -> list[tuple[date, str]]:
    out = []
    for year in range(first_year, first_year + years):
        sunday = easter(year)
        out += [
            (date(year, 1, 1), "New Year's Day"),
            (sunday - timedelta(days=2), "Good Friday"),
            (sunday + timedelta(days=1), "Easter Monday"),
            (date(year, 5, 1), "Labour Day"),
            (sunday + timedelta(days=39), "Ascension Day"),
            (sunday + timedelta(days=50), "Whit Monday"),
            (date(year, 10, 3), "Day of German Unity"),
            (date(year, 12, 25), "Christmas Day"),
            (date(year, 12, 26), "Boxing Day"),
        ]
    return sorted(out)


# -- the plan ----------------------------------------------------------------------------------


class Generator:
    def __init__(self, tasks: int, seed: int, *, tj3: bool, calendars: int = 4) -> None:
        self.rng = random.Random(seed)
        self.calendars = calendars  # how many of CALENDARS the tasks use (1: office only)
        self.plan = Plan(tasks, seed, tj3)
        self.tj3 = tj3
        self.by_id: dict[str, Leaf] = {}
        self.phase_leaves: dict[str, list[Leaf]] = {}
        self.team_members: list[list[Resource]] = []

    def build(self) -> Plan:
        rng, plan = self.rng, self.plan
        plan.holidays = public_holidays(PROJECT_START.year, YEARS)
        years = range(PROJECT_START.year, PROJECT_START.year + YEARS)
        plan.shutdowns = [(date(y, 12, 27), date(y, 12, 31)) for y in years]
        if not self.tj3:
            self._resources()
        groups = phase_groups(rng, plan.tasks, (4, 16), (10, 30))
        streams = max(1, round(len(groups) / 8))
        last_in_stream: dict[int, Phase] = {}
        for p, group in enumerate(groups):
            stream = p % streams
            previous = last_in_stream.get(stream)
            after = previous.id if previous is not None and rng.random() < 0.9 else None
            position = previous.position + 1 if previous is not None else 0
            phase = Phase(
                f"p{p + 1:03d}",
                f"{AREAS[p % len(AREAS)]} stage {p // len(AREAS) + 1}",
                stream,
                position,
                after,
            )
            plan.phases.append(phase)
            self._phase(phase, group, previous)
            last_in_stream[stream] = phase
        self._tight_deadline()
        return plan

    def _resources(self) -> None:
        rng, plan = self.rng, self.plan
        count = max(50, min(200, plan.tasks // 60))
        teams = max(6, count // 8)
        team_calendars = [
            rng.choices(CALENDARS[: self.calendars], TEAM_CALENDAR_WEIGHTS[: self.calendars])[0]
            for _ in range(teams)
        ]
        team_calendars[0] = OFFICE
        self.team_members = [[] for _ in range(teams)]
        for r in range(count):
            team = r % teams
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            vacations = []
            for year in range(PROJECT_START.year, PROJECT_START.year + YEARS):
                for _ in range(rng.randint(2, 4)):
                    begin = date(year, 1, 1) + timedelta(days=rng.randint(0, 355))
                    vacations.append((begin, begin + timedelta(days=rng.randint(1, 13))))
            vacations.sort()
            merged: list[tuple[date, date]] = []
            for begin, end in vacations:
                if merged and begin <= merged[-1][1] + timedelta(days=1):
                    merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                else:
                    merged.append((begin, end))
            resource = Resource(
                id=f"r{r + 1:03d}",
                name=f"{first} {last}",
                team=team,
                calendar=team_calendars[team],
                rate=rng.randrange(60, 160, 5),
                skills=sorted(rng.sample(SKILLS, rng.randint(1, 3))),
                vacations=merged,
            )
            plan.resources.append(resource)
            self.team_members[team].append(resource)

    def _phase(self, phase: Phase, sizes: list[int], previous: Phase | None) -> None:
        rng = self.rng
        leaves: list[Leaf] = []
        self.phase_leaves[phase.id] = leaves
        packages: list[WorkPackage] = []
        for w, size in enumerate(sizes):
            if self.tj3:
                team = 0
                k = self.calendars
                calendar = rng.choices(CALENDARS[:k], PACKAGE_CALENDAR_WEIGHTS[:k])[0]
            else:
                team = rng.randrange(len(self.team_members))
                calendar = self.team_members[team][0].calendar
            package = WorkPackage(
                f"{phase.id}-w{w + 1:02d}",
                f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}",
                calendar,
                team,
            )
            if w >= 2 and rng.random() < 0.03:
                # A package that waits for a whole earlier one (a link between summary tasks).
                package.after.append(rng.choice(packages).id)
            packages.append(package)
            phase.packages.append(package)
            last_phase = w == len(sizes) - 1
            for i in range(size):
                leaf = self._leaf(
                    phase,
                    package,
                    packages,
                    i=i,
                    size=size,
                    gate=last_phase and i == size - 1,
                    previous=previous,
                )
                package.tasks.append(leaf)
                leaves.append(leaf)
                self.by_id[leaf.id] = leaf

    def _leaf(
        self,
        phase: Phase,
        package: WorkPackage,
        packages: list[WorkPackage],
        *,
        i: int,
        size: int,
        gate: bool,
        previous: Phase | None,
    ) -> Leaf:
        rng = self.rng
        milestone = gate or (i == size - 1 and size > 3 and rng.random() < 0.3)
        tid = f"{package.id}-t{i + 1:02d}"
        if gate:
            name = f"{phase.name}: gate review passed"
        elif milestone:
            name = f"{package.name}: done"
        else:
            name = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        hours = 0 if milestone else rng.choices(DURATIONS, DURATION_WEIGHTS)[0]
        leaf = Leaf(tid, name, hours, milestone, package.calendar)
        earlier = package.tasks
        if milestone:
            # Milestones close a package (or the phase): they wait for its last few tasks.
            picks = {earlier[-1].id} if earlier else set()
            picks.update(t.id for t in rng.sample(earlier, min(len(earlier), rng.randint(0, 2))))
            if gate:
                others = [t for p in packages[:-1] for t in p.tasks[-1:]]
                picks.update(t.id for t in rng.sample(others, min(len(others), 2)))
            leaf.links = [Link(pid) for pid in sorted(picks)]
        elif i == 0:
            if len(packages) > 1 and rng.random() < 0.6:
                source = rng.choice(packages[max(0, len(packages) - 6) : -1])
                if rng.random() < 0.1 and source.id not in package.after:
                    leaf.links.append(Link(source.id, to_summary=True))
                else:
                    leaf.links.append(self._link(rng.choice(source.tasks), leaf))
        else:
            count = rng.choices((1, 2, 3), (45, 35, 20))[0]
            first = earlier[-1] if rng.random() < 0.65 else rng.choice(earlier)
            chosen = {first.id}
            leaf.links.append(self._link(first, leaf))
            for _ in range(count - 1):
                roll = rng.random()
                if roll < 0.5:
                    pred = rng.choice(earlier)
                elif roll < 0.85 and len(packages) > 1:
                    pred = rng.choice(rng.choice(packages[:-1]).tasks)
                elif previous is not None:
                    pred = rng.choice(self.phase_leaves[previous.id])
                else:
                    continue
                if pred.id not in chosen:
                    chosen.add(pred.id)
                    leaf.links.append(self._link(pred, leaf))
        self._extras(phase, package, leaf, i)
        return leaf

    def _link(self, pred: Leaf, succ: Leaf) -> Link:
        rng = self.rng
        if self.tj3:
            lag = rng.choices(LAGS_TJ3, LAG_WEIGHTS_TJ3)[0] if rng.random() < 0.25 else 0
            kind = "FS"
            if rng.random() < 0.15 and not succ.milestone:
                same = pred.calendar == succ.calendar
                if (lag == 0 and same) or (lag > 0 and pred.calendar == OFFICE):
                    kind = "SS"
            return Link(pred.id, kind, lag)
        kind = rng.choices(("FS", "SS", "FF", "SF"), (72, 14, 9, 5))[0]
        lag = rng.choices(LAGS_FULL, LAG_WEIGHTS_FULL)[0] if rng.random() < 0.3 else 0
        return Link(pred.id, kind, lag)

    def _extras(self, phase: Phase, package: WorkPackage, leaf: Leaf, i: int) -> None:
        rng = self.rng
        # A rough guess at when the phase runs, to place constraints plausibly.
        phase_start = PROJECT_START + timedelta(days=120 * phase.position)
        if self.tj3:
            if package.calendar != OFFICE:
                leaf.explicit_calendar = package.calendar
            free = not leaf.links and not package.after and phase.after is None
            if i == 0 and free and rng.random() < 0.5:
                day = phase_start + timedelta(days=rng.randint(0, 60))
                leaf.snet = f"{day}T10:00" if rng.random() < 0.3 else str(day)
            return
        members = self.team_members[package.team]
        if not leaf.milestone:
            roll = rng.random()
            count = 0 if roll < 0.25 else 1 if roll < 0.8 else 2
            for resource in rng.sample(members, min(count, len(members))):
                units: float | str = rng.choice((1.0, 1.0, 1.0, 0.5, "50%", "80%"))
                leaf.assign.append((resource.id, units))
            if leaf.assign and rng.random() < 0.15:
                leaf.effort = True
            if not leaf.assign and package.calendar != OFFICE:
                leaf.explicit_calendar = package.calendar
            elif self.calendars == len(CALENDARS) and rng.random() < 0.03:
                leaf.explicit_calendar = rng.choice(("weekend", "h24"))
        if leaf.explicit_calendar:
            leaf.calendar = leaf.explicit_calendar
        roll = rng.random()
        day = phase_start + timedelta(days=rng.randint(0, 40))
        if roll < 0.01:
            leaf.snet = f"{day}T10:00" if rng.random() < 0.3 else str(day)
        elif roll < 0.012 and not leaf.milestone:
            leaf.must_start_on = f"{day}T09:00"
        elif roll < 0.016:
            leaf.finish_no_later_than = str(day + timedelta(days=400))
        if leaf.milestone and leaf.name.endswith("gate review passed") and rng.random() < 0.25:
            leaf.deadline = str(phase_start + timedelta(days=500))
        if rng.random() < 0.1:
            leaf.priority = rng.randrange(100, 1000, 50)
        if rng.random() < 0.05:
            leaf.notes = f"Agreed in the {rng.choice(AREAS).lower()} review; see the design doc."

    def _tight_deadline(self) -> None:
        """Real plans have a date that cannot be met: one tight deadline, hence a warning."""
        if self.tj3:
            return
        gate = self.plan.phases[0].packages[-1].tasks[-1]
        gate.deadline = str(PROJECT_START + timedelta(days=10))


# -- YAML --------------------------------------------------------------------------------------


def _hours(hours: int) -> str:
    if hours % HOURS_PER_DAY == 0:
        return f"{hours // HOURS_PER_DAY}d"
    if hours > HOURS_PER_DAY and (2 * hours) % HOURS_PER_DAY == 0:
        return f"{hours / HOURS_PER_DAY:g}d"
    return f"{hours}h"


def _range(start: int, end: int) -> str:
    return f"{start:02d}:00-{end:02d}:00"


def _calendars(plan: Plan) -> dict[str, Any]:
    return {
        OFFICE: {
            "name": "Office week",
            "workdays": list(WEEKDAYS[:5]),
            "hours": [_range(*r) for r in OFFICE_DAY],
            "holidays": [
                {"from": a, "to": b, "name": "Year-end shutdown"} for a, b in plan.shutdowns
            ],
        },
        "early": {
            "name": "Early shift",
            "week": {day: ["06:00-14:00"] for day in WEEKDAYS[:5]},
        },
        "weekend": {
            "name": "Weekend maintenance window",
            "week": {"sat": ["08:00-18:00"], "sun": ["08:00-18:00"]},
        },
        "h24": {"name": "Unattended 24x7", "workdays": list(WEEKDAYS), "hours": ["00:00-24:00"]},
    }


def _units(units: float | str) -> float:
    return float(units[:-1]) / 100 if isinstance(units, str) else units


def _task_dict(leaf: Leaf) -> dict[str, Any]:
    out: dict[str, Any] = {"id": leaf.id, "name": leaf.name}
    if leaf.milestone:
        out["milestone"] = True
    elif leaf.effort:
        # Effort = duration x assigned units, so that the task keeps its drawn duration.
        minutes = round(leaf.hours * 60 * sum(_units(u) for _, u in leaf.assign))
        out["effort"] = _hours(minutes // 60) if minutes % 60 == 0 else f"{minutes}min"
    else:
        out["duration"] = _hours(leaf.hours)
    if leaf.explicit_calendar:
        out["calendar"] = leaf.explicit_calendar
    after = [link.pred for link in leaf.links if link.kind == "FS" and link.lag == 0]
    depends = []
    for link in leaf.links:
        if link.kind == "FS" and link.lag == 0:
            continue
        dep: dict[str, Any] = {"task": link.pred, "type": link.kind}
        if link.lag:
            dep["lag"] = _hours(link.lag) if link.lag > 0 else "-" + _hours(-link.lag)
        depends.append(dep)
    if after:
        out["after"] = after
    if depends:
        out["depends"] = depends
    if leaf.assign:
        out["assign"] = [
            rid if units == 1.0 else {"resource": rid, "units": units} for rid, units in leaf.assign
        ]
    for key in ("snet", "must_start_on", "finish_no_later_than", "deadline"):
        value = getattr(leaf, key)
        if value is not None:
            out["start_no_earlier_than" if key == "snet" else key] = value
    if leaf.priority is not None:
        out["priority"] = leaf.priority
    if leaf.notes:
        out["notes"] = leaf.notes
    return out


def plan_document(plan: Plan) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "project": {
            "id": f"generated-{plan.tasks}",
            "name": f"Generated programme ({plan.tasks} tasks, seed {plan.seed})",
            "start": PROJECT_START,
            "calendar": OFFICE,
            "hours_per_day": HOURS_PER_DAY,
            "hours_per_week": 5 * HOURS_PER_DAY,
            "currency": "EUR",
            "timezone": "UTC" if plan.tj3 else "Europe/Berlin",
        },
        "calendars": _calendars(plan),
        "holidays": [{"date": day, "name": name} for day, name in plan.holidays],
    }
    if plan.resources:
        doc["resources"] = [
            {
                "id": r.id,
                "name": r.name,
                "kind": "person",
                "rate": r.rate,
                **({"calendar": r.calendar} if r.calendar != OFFICE else {}),
                "vacations": [{"from": a, "to": b, "name": "Vacation"} for a, b in r.vacations],
                "skills": r.skills,
                "email": f"{r.name.lower().replace(' ', '.')}.{r.id}@example.com",
            }
            for r in plan.resources
        ]
    tasks = []
    for phase in plan.phases:
        packages = []
        for package in phase.packages:
            wp: dict[str, Any] = {"id": package.id, "name": package.name}
            if package.after:
                wp["after"] = package.after
            wp["children"] = [_task_dict(leaf) for leaf in package.tasks]
            packages.append(wp)
        entry: dict[str, Any] = {"id": phase.id, "name": phase.name}
        if phase.after:
            entry["after"] = [phase.after]
        entry["children"] = packages
        tasks.append(entry)
    doc["tasks"] = tasks
    return doc


def write_yaml(plan: Plan, path: Path) -> None:
    header = (
        f"# Generated by bench/generate_plan.py --tasks {plan.tasks} --seed {plan.seed}"
        f"{' (TaskJuggler-compatible variant)' if plan.tj3 else ''}. Do not edit.\n"
    )
    text = yaml.dump(
        plan_document(plan),
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=120,
    )
    path.write_text(header + text, encoding="utf-8")


# -- TaskJuggler -------------------------------------------------------------------------------


def _tj_id(plan_id: str) -> str:
    return plan_id.replace("-", "_")


def _tj_hours(hours: int) -> str:
    return f"{hours}h"


def _tj_workinghours(week: tuple[tuple[tuple[int, int], ...], ...]) -> list[str]:
    lines = []
    for day, ranges in zip(WEEKDAYS, week, strict=True):
        text = ", ".join(f"{a}:00 - {b}:00" for a, b in ranges) if ranges else "off"
        lines.append(f"  workinghours {day} {text}")
    return lines


def write_tjp(plan: Plan, path: Path, end: date) -> None:
    """The TaskJuggler equivalent of the tj3-mode plan, scheduled until ``end``."""
    paths: dict[str, str] = {}
    for phase in plan.phases:
        paths[phase.id] = _tj_id(phase.id)
        for package in phase.packages:
            paths[package.id] = f"{paths[phase.id]}.{_tj_id(package.id)}"
            for leaf in package.tasks:
                paths[leaf.id] = f"{paths[package.id]}.{_tj_id(leaf.id)}"
    out = [
        f"/* Generated by bench/generate_plan.py --tasks {plan.tasks} --seed {plan.seed} --tjp:",
        "   the TaskJuggler equivalent of the YAML written with it (see that script). */",
        f'project generated "Generated programme" {PROJECT_START} - {end} {{',
        '  timezone "UTC"',
        "  timingresolution 60min",
        f"  dailyworkinghours {HOURS_PER_DAY}",
        *_tj_workinghours(CALENDAR_WEEK[OFFICE]),
        "}",
        "",
    ]
    office_off = sorted(
        {(day, name) for day, name in plan.holidays}
        | {
            (a + timedelta(days=k), "Year-end shutdown")
            for a, b in plan.shutdowns
            for k in range((b - a).days + 1)
        }
    )
    out += [f'leaves holiday "{name}" {day}' for day, name in office_off]
    out.append("")
    for cid in CALENDARS[1:]:
        out += [f'shift {cid} "{cid}" {{', *_tj_workinghours(CALENDAR_WEEK[cid]), "}"]
    out += ['shift off "Holiday: no working time" {', "  workinghours mon - sun off", "}", ""]
    # Shift assignments for packages off the office calendar: the calendar's shift between
    # holidays, the all-off shift on each (public holidays apply to every calendar).
    holiday_days = sorted({day for day, _ in plan.holidays if PROJECT_START <= day < end})
    pieces = []
    cursor = PROJECT_START
    for day in holiday_days:
        if cursor < day:
            pieces.append(("{cal}", cursor, day))
        pieces.append(("off", day, day + timedelta(days=1)))
        cursor = day + timedelta(days=1)
    if cursor < end:
        pieces.append(("{cal}", cursor, end))
    shift_text = ", ".join(f"{name} {a} - {b}" for name, a, b in pieces)
    for phase in plan.phases:
        head = f'task {_tj_id(phase.id)} "{phase.name}" {{'
        out.append(head)
        if phase.after:
            out.append(f"  depends {paths[phase.after]}")
        for package in phase.packages:
            out.append(f'  task {_tj_id(package.id)} "{package.name}" {{')
            if package.after:
                out.append("    depends " + ", ".join(paths[p] for p in package.after))
            if package.calendar != OFFICE:
                out.append("    shifts " + shift_text.replace("{cal}", package.calendar))
            for leaf in package.tasks:
                out.append("    " + _tj_task(leaf, paths))
            out.append("  }")
        out.append("}")
    out += [
        "",
        'taskreport "dates" {',
        "  formats csv",
        "  columns id, start, end",
        '  timeformat "%Y-%m-%dT%H:%M"',
        "}",
        "",
    ]
    path.write_text("\n".join(out), encoding="utf-8")


def _tj_task(leaf: Leaf, paths: dict[str, str]) -> str:
    attrs = []
    deps = []
    for link in leaf.links:
        options = []
        if link.kind == "SS":
            options.append("onstart")
        if link.lag:
            options.append(f"gaplength {_tj_hours(link.lag)}")
        deps.append(paths[link.pred] + (f" {{ {' '.join(options)} }}" if options else ""))
    if deps:
        attrs.append("depends " + ", ".join(deps))
    if leaf.snet:
        attrs.append("start " + leaf.snet.replace("T", "-"))
    attrs.append("milestone" if leaf.milestone else f"length {_tj_hours(leaf.hours)}")
    return f'task {_tj_id(leaf.id)} "{leaf.name}" {{ {" ".join(attrs)} }}'


def plansmith_finish(path: Path) -> date:
    """The finish Plansmith computes for a plan file (to size the tj3 project)."""
    sys.path.append(str(Path(__file__).resolve().parents[1] / "src"))  # if not importable yet
    from plansmith.io.plan_file import load_plan
    from plansmith.scheduling.cpm import schedule_project

    loaded = load_plan(path)
    if loaded.project is None or not loaded.ok:
        raise SystemExit(f"{path}: the generated plan does not load: {loaded.diagnostics[:3]}")
    result = schedule_project(loaded.project)
    if not result.ok:
        raise SystemExit(f"{path}: the generated plan does not schedule: {result.diagnostics[:3]}")
    return result.at(result.finish).date()


def stats(plan: Plan) -> str:
    leaves = list(plan.leaves())
    links = sum(len(leaf.links) for leaf in leaves)
    summary_links = sum(len(p.after) for ph in plan.phases for p in ph.packages) + sum(
        1 for ph in plan.phases if ph.after
    )
    summary_links += sum(1 for leaf in leaves for link in leaf.links if link.to_summary)
    kinds: dict[str, int] = {}
    for leaf in leaves:
        for link in leaf.links:
            kinds[link.kind] = kinds.get(link.kind, 0) + 1
    packages = sum(len(ph.packages) for ph in plan.phases)
    return (
        f"{len(leaves)} leaf tasks ({sum(leaf.milestone for leaf in leaves)} milestones) in "
        f"{packages} work packages, {len(plan.phases)} phases; {links} links on leaf tasks "
        f"({links / len(leaves):.2f} per task; {kinds}), {summary_links} involving summaries; "
        f"{len(plan.resources)} resources"
    )


def generate(tasks: int, seed: int, out: Path, tjp: Path | None = None, calendars: int = 4) -> Plan:
    plan = Generator(tasks, seed, tj3=tjp is not None, calendars=calendars).build()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_yaml(plan, out)
    if tjp is not None:
        finish = plansmith_finish(out)
        span = (finish - PROJECT_START).days
        write_tjp(plan, tjp, finish + timedelta(days=max(60, span // 4)))
    return plan


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000, help="number of leaf tasks")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="YAML plan to write")
    parser.add_argument(
        "--tjp", type=Path, help="also write the TaskJuggler project (restricted variant)"
    )
    parser.add_argument(
        "--calendars",
        type=int,
        choices=(1, 4),
        default=4,
        help="4 (default) or 1: every task on the office calendar",
    )
    args = parser.parse_args(argv)
    if args.tasks < 20:
        parser.error("--tasks must be at least 20")
    plan = generate(args.tasks, args.seed, args.out, args.tjp, args.calendars)
    print(f"{args.out}: {stats(plan)}", file=sys.stderr)


if __name__ == "__main__":
    main()
