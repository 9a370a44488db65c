"""Generate resource-leveling workloads (issue 3), as a Plansmith plan and as a TaskJuggler project.

Deterministic for a given size and seed. A workload has:

  * N effort-driven leaf tasks (``effort``, 2 h to 10 d), each assigned to exactly one resource at
    units 1, nested as phases -> work packages -> tasks; no milestones, lags or constraints;
  * about 1.5 finish-to-start predecessors per task, always earlier tasks (acyclic): short chains
    inside a work package, links to earlier packages of the same phase and, for a fifth of the
    phases, to tasks of an earlier phase; a few packages wait for a whole earlier package (a
    dependency on a summary task). Phases otherwise run in parallel, as workstreams, so that the
    unleveled schedule is about as long as the busiest resource's work and leveling matters
    (``PHASES_PER_STREAM`` > 1 would chain phases into streams by summary dependencies);
  * R resources of capacity 1 in teams of about five; a package's tasks go to members of its team
    (sometimes to anyone); each resource works on the office calendar (Monday-Friday 08:00-12:00
    and 13:00-17:00) or, for about a fifth of them, the early shift (Monday-Friday 06:00-14:00),
    minus public holidays (top level) and 2-4 vacations a year of 1-14 days.

With ``--tjp FILE`` the same project is written for TaskJuggler 3 (which always levels): one
``allocate`` per task, ``effort`` in hours, the resources' ``workinghours``, public holidays as
global ``leaves holiday``, vacations as ``leaves annual`` with explicit 00:00 bounds, FS links as
``depends`` (on leaves, or on a whole package or phase), and a CSV task report of id, start and end
to the minute. tj3 needs an end date: the project ends ``--horizon`` days after the start (by
default a generous bound derived from the work per resource; tj3_level_compare.py sizes it from
the unleveled finish and retries with a later end when tj3 reports that a task does not fit).

``--unlimited`` writes the .tjp with one distinct resource per task (a clone of its resource, same
calendar and vacations), so that TaskJuggler cannot level: its dates must then be the unleveled
critical-path dates Plansmith computes for the YAML. tj3_level_compare.py --verify uses it to show
that the two files describe the same project.

Usage: level_generate.py --tasks 2000 --resources 100 --seed 1 --out plan.yaml [--tjp plan.tjp]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_plan import (
    AREAS,
    FIRST_NAMES,
    LAST_NAMES,
    OBJECTS,
    VERBS,
    phase_groups,
    public_holidays,
)

PROJECT_START = date(2027, 1, 4)  # a Monday
HOURS_PER_DAY = 8
OFFICE, EARLY = "office", "early"
# Working ranges (hours) on Monday to Friday; Saturday and Sunday are off on both calendars.
CALENDAR_HOURS = {OFFICE: ((8, 12), (13, 17)), EARLY: ((6, 14),)}
EARLY_SHARE = 0.2
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Effort in hours, with weights: many tasks of a day or two, a tail of long ones.
EFFORTS = (2, 4, 6, 8, 12, 16, 24, 32, 40, 56, 80)
EFFORT_WEIGHTS = (5, 8, 4, 14, 6, 14, 12, 9, 8, 4, 4)
TEAM_SIZE = 5
PHASES_PER_STREAM = 1.0  # phases of a stream follow one another; streams run in parallel
CROSS_STREAM = 0.2  # share of streams whose first phase links to tasks of an earlier phase


@dataclass
class Task:
    id: str
    name: str
    hours: int
    resource: str
    after: list[str] = field(default_factory=list)  # FS predecessors (leaf or summary ids)


@dataclass
class Package:
    id: str
    name: str
    team: int
    after: list[str] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


@dataclass
class Phase:
    id: str
    name: str
    after: list[str] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)


@dataclass
class Resource:
    id: str
    name: str
    calendar: str
    vacations: list[tuple[date, date]]  # inclusive days


@dataclass
class Workload:
    tasks: int
    resources_count: int
    seed: int
    years: int
    holidays: list[tuple[date, str]] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)

    def leaves(self) -> list[Task]:
        return [t for ph in self.phases for p in ph.packages for t in p.tasks]

    def work_hours(self) -> dict[str, int]:
        load = {r.id: 0 for r in self.resources}
        for task in self.leaves():
            load[task.resource] += task.hours
        return load


def _years(tasks: int, resources: int) -> int:
    """Years of holidays and vacations to write: enough for any leveled schedule seen so far."""
    work_days = tasks * 3.0 / max(1, resources)  # mean effort ~3 days per task
    return max(3, min(12, int(work_days / 200) + 3))


class Generator:
    def __init__(self, tasks: int, resources: int, seed: int) -> None:
        self.rng = random.Random(f"level-{tasks}-{resources}-{seed}")
        self.w = Workload(tasks, resources, seed, _years(tasks, resources))
        self.teams: list[list[Resource]] = []

    def build(self) -> Workload:
        rng, w = self.rng, self.w
        w.holidays = public_holidays(PROJECT_START.year, w.years)
        self._resources()
        groups = phase_groups(rng, w.tasks, (4, 14), (6, 14))
        streams = max(1, round(len(groups) / PHASES_PER_STREAM))
        last: dict[int, Phase] = {}
        for p, group in enumerate(groups):
            stream = p % streams
            previous = last.get(stream)
            phase = Phase(f"p{p + 1:03d}", f"{AREAS[p % len(AREAS)]} stage {p // len(AREAS) + 1}")
            if previous is not None and rng.random() < 0.5:
                phase.after.append(previous.id)
            elif previous is None and w.phases and rng.random() < CROSS_STREAM:
                previous = rng.choice(w.phases)  # a stream that feeds on another one's results
            w.phases.append(phase)
            self._phase(phase, group, previous)
            last[stream] = phase
        return w

    def _resources(self) -> None:
        rng, w = self.rng, self.w
        teams = max(1, w.resources_count // TEAM_SIZE)
        self.teams = [[] for _ in range(teams)]
        for r in range(w.resources_count):
            vacations: list[tuple[date, date]] = []
            for year in range(PROJECT_START.year, PROJECT_START.year + w.years):
                for _ in range(rng.randint(2, 4)):
                    begin = date(year, 1, 1) + timedelta(days=rng.randint(0, 350))
                    vacations.append((begin, begin + timedelta(days=rng.randint(0, 13))))
            vacations.sort()
            merged: list[tuple[date, date]] = []
            for begin, end in vacations:
                if merged and begin <= merged[-1][1] + timedelta(days=1):
                    merged[-1] = (merged[-1][0], max(merged[-1][1], end))
                else:
                    merged.append((begin, end))
            resource = Resource(
                id=f"r{r + 1:03d}",
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                calendar=EARLY if rng.random() < EARLY_SHARE else OFFICE,
                vacations=merged,
            )
            w.resources.append(resource)
            self.teams[r % teams].append(resource)

    def _phase(self, phase: Phase, sizes: list[int], previous: Phase | None) -> None:
        rng = self.rng
        prev_leaves = (
            [t for p in previous.packages for t in p.tasks] if previous is not None else []
        )
        for k, size in enumerate(sizes):
            package = Package(
                f"{phase.id}-w{k + 1:02d}",
                f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}",
                rng.randrange(len(self.teams)),
            )
            earlier_packages = phase.packages[:]
            if earlier_packages and rng.random() < 0.04:
                package.after.append(rng.choice(earlier_packages).id)  # waits for a whole package
            phase.packages.append(package)
            for i in range(size):
                package.tasks.append(self._task(package, i, earlier_packages, prev_leaves))

    def _task(
        self, package: Package, i: int, earlier: list[Package], prev_leaves: list[Task]
    ) -> Task:
        rng = self.rng
        team = self.teams[package.team]
        resource = rng.choice(team) if rng.random() < 0.85 else rng.choice(self.w.resources)
        task = Task(
            f"{package.id}-t{i + 1:02d}",
            f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}",
            rng.choices(EFFORTS, EFFORT_WEIGHTS)[0],
            resource.id,
        )
        done = package.tasks
        picks: list[str] = []
        if i == 0:
            # A package starts with the phase, or after a task of an earlier package.
            if earlier and rng.random() < 0.4:
                source = rng.choice(earlier[-5:])
                picks.append(rng.choice(source.tasks).id)
            elif prev_leaves and rng.random() < 0.3:
                picks.append(rng.choice(prev_leaves).id)
        else:
            count = rng.choices((1, 2, 3), (35, 40, 25))[0]
            picks.append((done[-1] if rng.random() < 0.4 else rng.choice(done)).id)
            for _ in range(count - 1):
                roll = rng.random()
                if roll < 0.45:
                    pred = rng.choice(done)
                elif roll < 0.85 and earlier:
                    pred = rng.choice(rng.choice(earlier).tasks)
                elif prev_leaves:
                    pred = rng.choice(prev_leaves)
                else:
                    continue
                if pred.id not in picks:
                    picks.append(pred.id)
        task.after = picks
        return task


def generate(tasks: int, resources: int, seed: int) -> Workload:
    if tasks < 2 or resources < 1:
        raise ValueError("need at least 2 tasks and 1 resource")
    return Generator(tasks, resources, seed).build()


# -- YAML --------------------------------------------------------------------------------------


def _range(a: int, b: int) -> str:
    return f"{a:02d}:00-{b:02d}:00"


def _effort(hours: int) -> str:
    return f"{hours // HOURS_PER_DAY}d" if hours % HOURS_PER_DAY == 0 else f"{hours}h"


def plan_document(w: Workload) -> dict[str, Any]:
    def task(t: Task) -> dict[str, Any]:
        out: dict[str, Any] = {"id": t.id, "name": t.name, "effort": _effort(t.hours)}
        if t.after:
            out["after"] = t.after
        out["assign"] = [t.resource]
        return out

    phases = []
    for phase in w.phases:
        packages = []
        for package in phase.packages:
            wp: dict[str, Any] = {"id": package.id, "name": package.name}
            if package.after:
                wp["after"] = package.after
            wp["children"] = [task(t) for t in package.tasks]
            packages.append(wp)
        entry: dict[str, Any] = {"id": phase.id, "name": phase.name}
        if phase.after:
            entry["after"] = phase.after
        entry["children"] = packages
        phases.append(entry)
    return {
        "project": {
            "id": f"leveling-{w.tasks}-{w.resources_count}-s{w.seed}",
            "name": f"Leveling workload ({w.tasks} tasks, {w.resources_count} resources)",
            "start": PROJECT_START,
            "calendar": OFFICE,
            "hours_per_day": HOURS_PER_DAY,
            "hours_per_week": 5 * HOURS_PER_DAY,
            "timezone": "UTC",
        },
        "calendars": {
            cid: {"workdays": list(WEEKDAYS[:5]), "hours": [_range(a, b) for a, b in hours]}
            for cid, hours in CALENDAR_HOURS.items()
        },
        "holidays": [{"date": day, "name": name} for day, name in w.holidays],
        "resources": [
            {
                "id": r.id,
                "name": r.name,
                **({"calendar": r.calendar} if r.calendar != OFFICE else {}),
                "vacations": [{"from": a, "to": b} for a, b in r.vacations],
            }
            for r in w.resources
        ],
        "tasks": phases,
    }


def write_yaml(w: Workload, path: Path) -> None:
    header = (
        f"# Generated by bench/level_generate.py --tasks {w.tasks} --resources "
        f"{w.resources_count} --seed {w.seed}. Do not edit.\n"
    )
    text = yaml.dump(
        plan_document(w),
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=120,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + text, encoding="utf-8")


# -- TaskJuggler -------------------------------------------------------------------------------


def _tj(plan_id: str) -> str:
    return plan_id.replace("-", "_")


def default_horizon(w: Workload) -> int:
    """Calendar days from the start within which tj3 surely finishes (a loose upper bound)."""
    busiest = max(w.work_hours().values())
    # A resource works at most 40 h a week; leveling rarely more than doubles the busiest load.
    weeks = 2.5 * busiest / (5 * HOURS_PER_DAY) + 26
    return int(weeks * 7)


def write_tjp(
    w: Workload, path: Path, *, horizon: int | None = None, unlimited: bool = False
) -> None:
    """The TaskJuggler equivalent of the workload's YAML, scheduled within ``horizon`` days.

    ``unlimited``: every task gets its own clone of its resource, so tj3 does not level.
    """
    end = PROJECT_START + timedelta(days=horizon or default_horizon(w))
    paths: dict[str, str] = {}
    for phase in w.phases:
        paths[phase.id] = _tj(phase.id)
        for package in phase.packages:
            paths[package.id] = f"{paths[phase.id]}.{_tj(package.id)}"
            for task in package.tasks:
                paths[task.id] = f"{paths[package.id]}.{_tj(task.id)}"
    office = ", ".join(f"{a}:00 - {b}:00" for a, b in CALENDAR_HOURS[OFFICE])
    out = [
        f"/* Generated by bench/level_generate.py --tasks {w.tasks} --resources "
        f"{w.resources_count} --seed {w.seed} --tjp{' --unlimited' if unlimited else ''}:",
        "   the TaskJuggler equivalent of the YAML written with it (see that script). */",
        f'project leveling "Leveling workload" {PROJECT_START} - {end} {{',
        '  timezone "UTC"',
        "  timingresolution 60min",
        f"  dailyworkinghours {HOURS_PER_DAY}",
        f"  workinghours mon - fri {office}",
        "  workinghours sat, sun off",
        "}",
        "",
    ]
    out += [f'leaves holiday "{name}" {day}' for day, name in w.holidays]
    out.append("")
    resources = {r.id: r for r in w.resources}

    def resource_block(rid: str, r: Resource) -> list[str]:
        hours = ", ".join(f"{a}:00 - {b}:00" for a, b in CALENDAR_HOURS[r.calendar])
        lines = [
            f'resource {rid} "{r.name}" {{',
            f"  workinghours mon - fri {hours}",
            "  workinghours sat, sun off",
        ]
        lines += [
            f"  leaves annual {a}-00:00 - {b + timedelta(days=1)}-00:00" for a, b in r.vacations
        ]
        lines.append("}")
        return lines

    if unlimited:
        for task in w.leaves():
            out += resource_block(f"x_{_tj(task.id)}", resources[task.resource])
    else:
        for r in w.resources:
            out += resource_block(r.id, r)
    out.append("")
    for phase in w.phases:
        out.append(f'task {_tj(phase.id)} "{phase.name}" {{')
        if phase.after:
            out.append("  depends " + ", ".join(paths[p] for p in phase.after))
        for package in phase.packages:
            out.append(f'  task {_tj(package.id)} "{package.name}" {{')
            if package.after:
                out.append("    depends " + ", ".join(paths[p] for p in package.after))
            for task in package.tasks:
                rid = f"x_{_tj(task.id)}" if unlimited else task.resource
                attrs = [f"effort {task.hours}h", f"allocate {rid}"]
                if task.after:
                    attrs.append("depends " + ", ".join(paths[p] for p in task.after))
                out.append(f'    task {_tj(task.id)} "{task.name}" {{ {" ".join(attrs)} }}')
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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def tjp_end(path: Path) -> date:
    """The project end written in a .tjp file of this script."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("project "):
            return date.fromisoformat(line.split(" - ")[1].split()[0])
    raise ValueError(f"{path}: no project line")


def stats(w: Workload) -> str:
    leaves = w.leaves()
    links = sum(len(t.after) for t in leaves)
    summary_links = sum(len(ph.after) for ph in w.phases) + sum(
        len(p.after) for ph in w.phases for p in ph.packages
    )
    packages = sum(len(ph.packages) for ph in w.phases)
    load = w.work_hours()
    early = sum(r.calendar == EARLY for r in w.resources)
    return (
        f"{len(leaves)} effort tasks in {packages} work packages, {len(w.phases)} phases; "
        f"{links} FS links between tasks ({links / len(leaves):.2f} per task) and {summary_links} "
        f"on summaries; {len(w.resources)} resources ({early} on the early shift), "
        f"{sum(load.values()) / 8:.0f} person-days of effort, busiest {max(load.values()) / 8:.0f}"
        " days"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="YAML plan to write")
    parser.add_argument("--tjp", type=Path, help="also write the TaskJuggler project")
    parser.add_argument(
        "--unlimited", action="store_true", help="tjp: one distinct resource per task (no leveling)"
    )
    parser.add_argument("--horizon", type=int, help="tjp: days from the start to the project end")
    args = parser.parse_args(argv)
    w = generate(args.tasks, args.resources, args.seed)
    write_yaml(w, args.out)
    if args.tjp:
        write_tjp(w, args.tjp, horizon=args.horizon, unlimited=args.unlimited)
    print(f"{args.out}: {stats(w)}", file=sys.stderr)


if __name__ == "__main__":
    main()
