"""Invariants of resource leveling on random projects with resources, calendars and vacations.

Every check goes through the brute-force minute calendars of :mod:`oracle` and a minute-by-minute
count of resource use, never through the engine's timeline or resource profiles.

Booking semantics (docs/leveling.md, "What counts as a booking"): a task books ``units`` of each
assigned resource over its whole wall-clock span ``[start, finish)``, nights, weekends, lunch
breaks and vacations inside the span included. So a two-day task running Monday 09:00 to Tuesday
18:00 holds its person through Monday night, and a night-shift task on the same person cannot
slip in between. The capacity check below counts exactly that.

Two project shapes:

- single-calendar projects (every task and every lag on the project calendar, no vacations): the
  engine levels them on its working-time axis (``WorkSpace``) and can hand them to CP-SAT;
- multi-calendar projects (resource calendars, vacations, tasks with their own calendars; task
  ``t0`` is always on a calendar other than the project's): leveled on the wall-clock axis
  (``CalendarSpace``). ``test_the_two_shapes_exercise_both_time_axes`` keeps that split honest.

Both shapes have all four link types with lags, milestones, start constraints, priorities,
sometimes a summary task with links to and from it, and sometimes a task already started
(``actual_start``: it never moves, and links into it no longer bind). Fast mode runs with a
schedule budget and a clock that never runs out, so every run is reproducible. Known engine
bugs found by these properties are pinned as strict xfails at the end of the module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import accumulate

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from plansmith.domain.calendar import Calendar, DateRange, WeekPattern
from plansmith.domain.model import (
    Assignment,
    Dependency,
    DependencyType,
    Project,
    Resource,
    Task,
)
from plansmith.io.plan_file import load_plan_text
from plansmith.scheduling.cpm import run_cpm, schedule_project
from plansmith.scheduling.leveling import (
    LevelingOptions,
    LevelingResult,
    LevelMode,
    LevelStatus,
    build_model,
    level_project,
)
from plansmith.scheduling.result import ScheduleResult
from plansmith.scheduling.space import CalendarSpace, WorkSpace

from .oracle import MinuteCalendar
from .test_cpm_properties import DAY_SHAPES, ORIGIN, calendars

ORIGIN_DT = datetime(ORIGIN.year, ORIGIN.month, ORIGIN.day)
OFFICE = DAY_SHAPES[1]
MIN_WEEK = 960  # working minutes a week at least, so that every schedule fits the oracle's range
CAPACITIES = (1.0, 1.5, 2.0, 3.0)
UNITS = (0.5, 1.0, 1.5, 2.0)
MILLI = 1000
BUDGET = 24  # schedules per run: the budget, not the clock, ends the search
NO_CLOCK = 600.0  # a time limit never reached, so that runs are reproducible

# A quarter of the profile's examples for the runs that level a project more than once.
FEWER = settings(max_examples=max(10, settings.default.max_examples // 4))


# -- strategies --------------------------------------------------------------------------------


@st.composite
def work_calendars(draw: st.DrawFn, cid: str) -> Calendar:
    """The CPM tests' random calendars, with at least ``MIN_WEEK`` working minutes a week."""
    cal = draw(calendars(cid))
    if cal.week.minutes_per_week >= MIN_WEEK:
        return cal
    days = list(cal.week.days)
    days[0] = days[1] = OFFICE
    week = WeekPattern((days[0], days[1], days[2], days[3], days[4], days[5], days[6]))
    return Calendar(cid, week, cal.holidays)


def _common_week_minutes(weeks: Iterable[WeekPattern]) -> int:
    """Working minutes a week that all ``weeks`` share (minute sets, no engine code)."""
    per_day: list[set[int]] | None = None
    for week in weeks:
        sets = [{m for a, b in ranges for m in range(a, b)} for ranges in week.days]
        per_day = sets if per_day is None else [x & y for x, y in zip(per_day, sets, strict=True)]
    return sum(len(s) for s in per_day or [])


def _day_ranges() -> st.SearchStrategy[DateRange]:
    return st.builds(
        lambda first, length: DateRange(
            ORIGIN + timedelta(days=first), ORIGIN + timedelta(days=first + length)
        ),
        st.integers(-3, 40),
        st.integers(0, 6),
    )


def _dependency(
    draw: st.DrawFn, predecessor: str, several_calendars: bool, *, to_instant: bool = False
) -> Dependency:
    """A random link. Into the finish of an instant (a milestone, or a summary's gate) on a
    single-calendar project, never with a zero lag: such plans are leveled on the calendar axis
    (see ``test_workspace_keeps_a_zero_lag_link_to_a_finish``), and this shape is meant to
    exercise the working-time axis."""
    kind = draw(st.sampled_from(list(DependencyType)))
    lag = draw(st.one_of(st.just(0), st.integers(-480, 480)))
    if lag == 0 and kind.to_finish and to_instant and not several_calendars:
        lag = draw(st.sampled_from([-60, 60]))
    return Dependency(predecessor, kind, lag)


def _with_a_summary(draw: st.DrawFn, tasks: list[Task], several_calendars: bool) -> list[Task]:
    """Tasks ``lo..hi-1`` grouped under summary ``s``, which follows some earlier tasks and which
    some later tasks follow (a link to or from a summary is one to or from each of its tasks)."""
    lo = draw(st.integers(0, len(tasks) - 1))
    hi = draw(st.integers(lo + 1, len(tasks)))
    before = [t.id for t in tasks[:lo]]
    incoming = [
        _dependency(draw, p, several_calendars, to_instant=True)
        for p in sorted(draw(st.sets(st.sampled_from(before), max_size=2)) if before else [])
    ]
    summary = Task(
        id="s",
        name="Summary",
        wbs="S",
        children=tuple(t.id for t in tasks[lo:hi]),
        dependencies=tuple(incoming),
    )
    inner = [replace(t, parent="s") for t in tasks[lo:hi]]
    after = [
        replace(t, dependencies=(*t.dependencies, _dependency(draw, "s", several_calendars)))
        if draw(st.booleans())
        else t
        for t in tasks[hi:]
    ]
    return [*tasks[:lo], summary, *inner, *after]


@st.composite
def leveling_projects(draw: st.DrawFn, *, several_calendars: bool) -> Project:
    """A random project with 1-3 resources (capacity 1-3) and 1-8 tasks using them; sometimes a
    block of tasks under a summary ``s`` with links to and from it, and sometimes one task whose
    work has already started (``actual_start``).
    """
    if several_calendars:
        cals = [draw(work_calendars(f"c{i}")) for i in range(draw(st.integers(2, 3)))]
        c0, c1 = cals[0], cals[1]
        if c1.week == c0.week and c1.holidays == c0.holidays:
            # t0 is always on c1: make sure it really differs from the project calendar.
            cals[1] = Calendar("c1", c1.week, c1.holidays | {ORIGIN + timedelta(days=61)})
    else:
        cals = [draw(work_calendars("c0"))]
    ids = [c.id for c in cals]
    by_id = {c.id: c for c in cals}
    resources = []
    for r in range(draw(st.integers(1, 3))):
        calendar = draw(st.sampled_from([None, *ids])) if several_calendars else None
        vacations = draw(st.lists(_day_ranges(), max_size=2)) if several_calendars else []
        resources.append(
            Resource(
                id=f"r{r}",
                name=f"Resource {r}",
                capacity=draw(st.sampled_from(CAPACITIES)),
                calendar=calendar,
                vacations=tuple(vacations),
            )
        )
    holidays = tuple(draw(st.lists(_day_ranges(), max_size=1)))
    n = draw(st.integers(1, 8))
    tasks = []
    for j in range(n):
        milestone = draw(st.integers(0, 4)) == 0 if j else False
        deps = []
        for p in sorted(draw(st.sets(st.integers(0, j - 1), max_size=3)) if j else []):
            deps.append(_dependency(draw, f"t{p}", several_calendars, to_instant=milestone))
        chosen = draw(st.lists(st.sampled_from(resources), max_size=2, unique_by=lambda r: r.id))
        assignments = []
        for res in chosen:
            units = draw(st.sampled_from([u for u in UNITS if u <= res.capacity]))
            assignments.append(Assignment(res.id, units))
        if not several_calendars:
            calendar = draw(st.sampled_from([None, "c0"]))
        elif j == 0:
            calendar = "c1"
        else:
            calendar = draw(st.sampled_from([None, None, *ids]))
            weeks = [by_id[r.calendar or "c0"].week for r in chosen]
            if calendar is None and weeks and _common_week_minutes(weeks) < MIN_WEEK:
                calendar = draw(st.sampled_from(ids))  # the resources hardly ever meet
        snet = None
        if draw(st.integers(0, 5)) == 0:
            snet = ORIGIN_DT + timedelta(minutes=draw(st.integers(0, 10 * 1440)))
        tasks.append(
            Task(
                id=f"t{j}",
                name=f"Task {j}",
                wbs=str(j + 1),
                duration=0 if milestone else draw(st.integers(1, 480)),
                milestone=milestone,
                dependencies=tuple(deps),
                assignments=tuple(assignments),
                start_no_earlier_than=snet,
                priority=draw(st.sampled_from([500, 500, 300, 800])),
                calendar=calendar,
            )
        )
    if n >= 2 and draw(st.booleans()):
        tasks = _with_a_summary(draw, tasks, several_calendars)
    if draw(st.integers(0, 3)) == 0:
        k = draw(st.sampled_from([k for k, t in enumerate(tasks) if t.duration]))
        began = ORIGIN_DT + timedelta(minutes=draw(st.integers(0, 5 * 1440)))
        tasks[k] = replace(tasks[k], actual_start=began)
    return Project(
        id="p",
        name="P",
        start=ORIGIN,
        calendar="c0",
        calendars=by_id,
        tasks=tuple(tasks),
        resources=tuple(resources),
        holidays=holidays,
    )


any_projects = st.one_of(
    leveling_projects(several_calendars=False), leveling_projects(several_calendars=True)
)
seeds = st.integers(0, 2**16)


# -- the oracle --------------------------------------------------------------------------------


def _days(ranges: Iterable[DateRange]) -> frozenset[date]:
    return frozenset(day for r in ranges for day in r.days())


def _both(a: MinuteCalendar, b: MinuteCalendar) -> MinuteCalendar:
    """Working exactly when both ``a`` and ``b`` are."""
    out = object.__new__(MinuteCalendar)
    out.working = [x and y for x, y in zip(a.working, b.working, strict=True)]
    return out


class Oracle:
    """Minute calendars of the project (for lags) and of every task, built from the plan's rules
    (own calendar, else all assigned resources' calendars minus their vacations, else the
    project's; global holidays everywhere) without any engine code."""

    def __init__(self, project: Project) -> None:
        self.project = project
        extra = _days(project.holidays)
        self._cal = {
            cid: MinuteCalendar(Calendar(cid, c.week, c.holidays | extra), project.start)
            for cid, c in project.calendars.items()
        }
        self.lag = self._cal[project.calendar]
        self._resource: dict[str, MinuteCalendar] = {}
        for res in project.resources:
            base = project.calendars[res.calendar or project.calendar]
            off = base.holidays | extra | _days(res.vacations)
            if res.vacations:
                self._resource[res.id] = MinuteCalendar(
                    Calendar(res.id, base.week, off), project.start
                )
            else:
                self._resource[res.id] = self._cal[res.calendar or project.calendar]
        self._task: dict[str, MinuteCalendar] = {}

    def task(self, task: Task) -> MinuteCalendar:
        if task.id not in self._task:
            if task.calendar is not None:
                cal = self._cal[task.calendar]
            elif task.assignments:
                parts = [self._resource[a.resource] for a in task.assignments]
                cal = parts[0]
                for other in parts[1:]:
                    cal = _both(cal, other)
            else:
                cal = self.lag
            self._task[task.id] = cal
        return self._task[task.id]


# -- checks ------------------------------------------------------------------------------------


def _level(project: Project, **options: object) -> LevelingResult:
    options.setdefault("schedules", BUDGET)
    options.setdefault("time_limit", NO_CLOCK)
    result = level_project(project, LevelingOptions(**options))  # type: ignore[arg-type]
    assert result.status is not LevelStatus.INVALID, result.schedule.diagnostics
    assert result.schedule.ok
    return result


def _use_by_minute(
    project: Project, schedule: ScheduleResult, resource: str, lo: int, hi: int, skip: str = ""
) -> list[int]:
    """Milli-units of ``resource`` booked in each minute of [lo, hi) by the tasks (but ``skip``)
    whose [start, finish) covers that minute."""
    diff = [0] * (hi - lo + 1)
    for task in project.tasks:
        if task.id == skip:
            continue
        s = schedule.task(task.id)
        a, b = max(s.start, lo), min(s.finish, hi)
        if a >= b:
            continue
        for assignment in task.assignments:
            if assignment.resource == resource:
                diff[a - lo] += round(assignment.units * MILLI)
                diff[b - lo] -= round(assignment.units * MILLI)
    return list(accumulate(diff))[: hi - lo]


def assert_within_capacity(project: Project, schedule: ScheduleResult) -> None:
    spans = [(schedule.task(t.id).start, schedule.task(t.id).finish) for t in project.tasks]
    lo = min(a for a, _ in spans)
    hi = max(b for _, b in spans)
    for res in project.resources:
        capacity = round(res.capacity * MILLI)
        use = _use_by_minute(project, schedule, res.id, lo, hi)
        over = [i for i, level in enumerate(use) if level > capacity]
        if over:
            minute = lo + over[0]
            holders = [
                (t.id, schedule.task(t.id).start, schedule.task(t.id).finish)
                for t in project.tasks
                if any(a.resource == res.id for a in t.assignments)
                and schedule.task(t.id).start <= minute < schedule.task(t.id).finish
            ]
            raise AssertionError(
                f"{res.id} (capacity {res.capacity}) booked {use[over[0]] / MILLI} at minute "
                f"{minute} ({schedule.at(minute)}) by {holders}"
            )


def assert_loads_are_the_bookings(project: Project, result: LevelingResult) -> None:
    """Each resource's reported load is its minute-by-minute use, and its overloads are exactly
    the minutes above capacity."""
    schedule = result.schedule
    lo = min(t.start for t in schedule.tasks)
    hi = max(t.finish for t in schedule.tasks)
    loads = {load.resource: load for load in result.loads}
    assert set(loads) == {r.id for r in project.resources}
    for res in project.resources:
        use = _use_by_minute(project, schedule, res.id, lo, hi)
        load = loads[res.id]
        covered = 0
        for a, b, units in load.segments:
            assert lo <= a < b <= hi, (res.id, a, b)
            assert all(use[t - lo] == round(units * MILLI) for t in range(a, b)), (res.id, a, b)
            covered += b - a
        assert covered == sum(1 for level in use if level), res.id
        over = sum(b - a for a, b, _ in load.overloads)
        assert over == sum(1 for level in use if level > round(res.capacity * MILLI)), res.id
        assert load.peak == max(use, default=0) / MILLI


def _anchor(schedule: ScheduleResult, task_id: str, finish: bool) -> int:
    t = schedule.task(task_id)
    return t.finish if finish else t.start


def _minutes(instant: datetime) -> int:
    return int((instant - ORIGIN_DT).total_seconds()) // 60


def leaf_links(project: Project) -> Iterator[tuple[Task, Task, Dependency]]:
    """Every link as (predecessor, successor, dependency) between leaves: a link to or from a
    summary stands for one to or from each task under it."""
    by_id = {t.id: t for t in project.tasks}

    def leaves(task_id: str) -> list[Task]:
        task = by_id[task_id]
        if not task.is_summary:
            return [task]
        return [leaf for child in task.children for leaf in leaves(child)]

    for task in project.tasks:
        for dep in task.dependencies:
            for pred in leaves(dep.predecessor):
                for succ in leaves(task.id):
                    yield pred, succ, dep


def assert_links_and_calendars(
    project: Project, schedule: ScheduleResult, cpm: ScheduleResult, oracle: Oracle
) -> None:
    """Links with their lags, durations on each task's calendar, working starts and finishes,
    start constraints, started work where it began, summaries spanning their tasks, and nothing
    earlier than the unleveled early dates."""
    for task in project.tasks:
        s = schedule.task(task.id)
        assert s.start >= cpm.task(task.id).start, f"{task.id} before its unleveled early start"
        if task.is_summary:
            kids = [schedule.task(c) for c in task.children]
            assert s.start == min(k.start for k in kids), task.id
            assert s.finish == max(k.finish for k in kids), task.id
            continue
        cal = oracle.task(task)
        if task.is_milestone:
            assert s.start == s.finish, task.id
        else:
            assert cal.works(s.start), f"{task.id} starts on a non-working minute"
            assert cal.works(s.finish - 1), f"{task.id} ends after a non-working minute"
            assert cal.work_between(s.start, s.finish) == task.duration, task.id
        if task.actual_start is not None:  # a fact: never moved, whatever links or resources say
            began = cal.first_working_at_or_after(_minutes(task.actual_start))
            assert s.start == began, f"started task {task.id} moved"
        elif task.start_no_earlier_than is not None:
            snet = _minutes(task.start_no_earlier_than)
            assert s.start >= snet, f"{task.id} starts before its start_no_earlier_than"
    for pred, succ, dep in leaf_links(project):
        if succ.actual_start is not None:
            continue  # links no longer move work that has started
        before = _anchor(schedule, pred.id, finish=not dep.type.from_start)
        after = _anchor(schedule, succ.id, finish=dep.type.to_finish)
        bound = oracle.lag.shift(before, dep.lag)
        if dep.type.to_finish and not succ.is_milestone:  # a finish, in its own working time
            assert oracle.task(succ).reaches(after, bound), (pred.id, succ.id, dep)
        else:
            assert after >= bound, (pred.id, succ.id, dep)


def assert_valid(project: Project, result: LevelingResult, cpm: ScheduleResult) -> None:
    assert_within_capacity(project, result.schedule)
    assert_links_and_calendars(project, result.schedule, cpm, Oracle(project))


# -- properties --------------------------------------------------------------------------------


@given(any_projects, seeds)
def test_no_resource_is_ever_over_capacity(project: Project, seed: int) -> None:
    """Minute by minute, for every resource: the units of the tasks whose wall-clock span
    [start, finish) covers the minute never exceed the capacity."""
    result = _level(project, seed=seed)
    assert_within_capacity(project, result.schedule)
    assert_loads_are_the_bookings(project, result)


@given(any_projects, seeds)
def test_links_lags_and_calendars_hold(project: Project, seed: int) -> None:
    result = _level(project, seed=seed)
    assert_links_and_calendars(project, result.schedule, schedule_project(project), Oracle(project))


@given(any_projects, seeds)
def test_the_leveled_finish_is_never_earlier_than_the_unleveled(
    project: Project, seed: int
) -> None:
    result = _level(project, seed=seed)
    cpm = schedule_project(project)
    assert result.finish >= cpm.finish
    assert result.unleveled_finish == cpm.finish
    assert result.finish == max(t.finish for t in result.schedule.tasks)
    assert result.lower_bound <= result.finish


@FEWER
@given(any_projects, seeds)
def test_same_seed_and_budget_give_the_same_schedule(project: Project, seed: int) -> None:
    first = _level(project, seed=seed)
    second = _level(project, seed=seed)
    assert first.schedule == second.schedule
    assert first.delay_reasons == second.delay_reasons
    assert first.loads == second.loads
    assert first.schedules == second.schedules


@settings(max_examples=15)
@given(any_projects, seeds)
def test_optimal_mode_never_finishes_later_than_fast_mode(project: Project, seed: int) -> None:
    fast = _level(project, seed=seed)
    best = _level(project, seed=seed, mode=LevelMode.OPTIMAL, time_limit=2.0)
    assert best.finish <= fast.finish
    assert_valid(project, best, schedule_project(project))
    assert best.lower_bound <= best.finish
    if fast.status is LevelStatus.OPTIMAL:  # a proof of optimality must survive CP-SAT
        assert best.finish == fast.finish


@given(any_projects, seeds)
def test_every_delayed_task_is_explained_truthfully(project: Project, seed: int) -> None:
    """A task starting after its unleveled early start has a reason; a resource reason names a
    resource the task uses, over a period before the task's start in which that resource really
    was too full for it, held by tasks that really use it then; a predecessor reason names one
    of the task's predecessors."""
    result = _level(project, seed=seed)
    schedule = result.schedule
    cpm = schedule_project(project)
    for task in project.tasks:
        s = schedule.task(task.id)
        reasons = result.delay_reasons.get(task.id, ())
        early = cpm.task(task.id).start
        if task.is_summary:
            assert not reasons, task.id
            continue
        if not task.is_milestone and s.start > early:
            assert reasons, f"{task.id} starts {s.start - early} minutes late without a reason"
        units = {a.resource: round(a.units * MILLI) for a in task.assignments}
        preds = {p.id for p, q, _ in leaf_links(project) if q.id == task.id}
        for reason in reasons:
            assert early <= reason.start < reason.end <= s.start, (task.id, reason)
            if reason.kind == "predecessor":
                assert reason.predecessor in preds, (task.id, reason)
                continue
            assert reason.kind == "resource", reason
            assert reason.resource in units, (task.id, reason)
            assert reason.held_by, (task.id, reason)
            for holder_id in reason.held_by:
                holder = next(t for t in project.tasks if t.id == holder_id)
                h = schedule.task(holder_id)
                assert holder_id != task.id
                assert any(a.resource == reason.resource for a in holder.assignments), (
                    f"{holder_id} does not use {reason.resource}"
                )
                assert h.start < reason.end, f"{holder_id} starts after {reason}"
                assert h.finish > reason.start, f"{holder_id} ends before {reason}"
            capacity = round(
                next(r.capacity for r in project.resources if r.id == reason.resource) * MILLI
            )
            others = _use_by_minute(
                project, schedule, reason.resource, reason.start, reason.end, skip=task.id
            )
            free = [
                i for i, level in enumerate(others) if level + units[reason.resource] <= capacity
            ]
            assert not free, (
                f"{task.id}: {reason.resource} had room at minute {reason.start + free[0]} "
                f"of {reason}"
            )


@given(any_projects, seeds)
def test_within_float_no_task_starts_after_its_unleveled_late_start(
    project: Project, seed: int
) -> None:
    result = _level(project, seed=seed, within_float=True)
    cpm = schedule_project(project)
    for task in project.tasks:
        unleveled = cpm.task(task.id)
        # Work started before its predecessors allow gives them negative float (late start
        # before early start); such a task can only stay at its early start.
        limit = max(unleveled.late_start, unleveled.start)
        assert result.schedule.task(task.id).start <= limit, task.id
    assert result.finish == cpm.finish
    assert_links_and_calendars(project, result.schedule, cpm, Oracle(project))
    assert_loads_are_the_bookings(project, result)  # what could not be leveled shows as overload


def _time_axis(project: Project) -> type:
    _, passes = run_cpm(project)
    assert passes is not None
    model, problems = build_model(project, passes)
    assert model is not None, problems
    return type(model.problem.space)


@pytest.mark.parametrize(("several", "axis"), [(False, WorkSpace), (True, CalendarSpace)])
def test_the_two_shapes_exercise_both_time_axes(several: bool, axis: type) -> None:
    # Each shape must reach its axis, so the properties above test both. Not "every project of
    # the one-calendar shape is on working time": a milestone finished by a start without lag
    # needs the clock, so a plan with one calendar may take the calendar axis too.
    found = find(
        leveling_projects(several_calendars=several),
        lambda project: _time_axis(project) is axis,
        settings=settings(database=None, max_examples=200),
    )
    assert _time_axis(found) is axis


# -- engine bugs found by the properties above, kept as regression tests ------------------------

PLAN_HEAD = """\
project: {id: p, name: P, start: 2027-01-04}   # a Monday; Mon-Fri 09:00-12:00 + 13:00-18:00
resources:
  - {id: ann, name: Ann}
"""


def _plan(tasks: str) -> Project:
    loaded = load_plan_text(PLAN_HEAD + "tasks:\n" + tasks, "plan.yaml")
    assert loaded.ok, loaded.diagnostics
    assert loaded.project is not None
    return loaded.project


@pytest.mark.parametrize("mode", list(LevelMode))
@pytest.mark.parametrize(
    "tasks",
    [
        # SF: c must finish no earlier than b starts (Tue 09:00) in c's working time: Mon 18:00
        # is the same working instant, so c works Mon 17:00-18:00.
        """\
  - {id: a, name: A, duration: 1d}
  - {id: b, name: B, duration: 1h, after: [a]}
  - {id: c, name: C, duration: 1h, depends: [{task: b, type: SF}]}
""",
        # FF from a milestone at Tue 09:00: c finishes Mon 18:00, as above.
        """\
  - {id: b, name: Gate, milestone: true, start_no_earlier_than: 2027-01-05}
  - {id: c, name: Wrap up, duration: 1h, depends: [{task: b, type: FF}]}
""",
    ],
    ids=["SF-from-a-task", "FF-from-a-milestone"],
)
def test_workspace_keeps_a_zero_lag_link_to_a_finish(tasks: str, mode: LevelMode) -> None:
    project = _plan(tasks)
    cpm = schedule_project(project)
    result = _level(project, mode=mode, time_limit=2.0)
    c, b = result.schedule.task("c"), result.schedule.task("b")
    monday_18h = 18 * 60
    assert (cpm.task("c").finish, c.finish) == (monday_18h, monday_18h)
    task_c = next(t for t in project.tasks if t.id == "c")
    assert Oracle(project).task(task_c).reaches(c.finish, b.start)
    assert c.start >= cpm.task("c").start
    assert result.finish >= cpm.finish


def test_a_milestone_moved_by_leveling_is_explained() -> None:
    project = _plan("""\
  - {id: a, name: A, duration: 1d, assign: [ann]}
  - {id: b, name: B, duration: 1d, assign: [ann]}
  - {id: m, name: M, milestone: true, after: [b]}
""")
    result = _level(project)
    cpm = schedule_project(project)
    assert result.schedule.task("m").start > cpm.task("m").start  # Tue 18:00 instead of Mon
    reasons = result.delay_reasons.get("m", ())
    assert [(r.kind, r.predecessor) for r in reasons] == [("predecessor", "b")]


def test_leveled_late_dates_never_precede_the_leveled_dates() -> None:
    project = _plan("""\
  - {id: a, name: A, duration: 1h}
  - {id: b, name: B, duration: 1h, after: [a], assign: [{resource: ann, units: 0.5}]}
  - {id: c, name: C, duration: 1h, assign: [ann]}
  - {id: m, name: M, milestone: true, after: [a], depends: [{task: b, type: SS}]}
""")
    result = _level(project)
    for t in result.schedule.tasks:
        assert t.late_start >= t.start, t.id
        assert t.total_float >= 0, t.id


def test_a_milestone_after_a_gap_keeps_its_late_date() -> None:
    project = _plan("""\
  - {id: a, name: A, duration: 1h}
  - {id: m, name: M, milestone: true, start_no_earlier_than: 2027-01-05}
""")
    result = _level(project)
    m = result.schedule.task("m")
    assert m.start == 1980  # Tue 09:00
    assert m.late_start >= m.start


def test_optimal_mode_does_not_delay_tasks_for_no_reason() -> None:
    project = _plan("""\
  - {id: a, name: A, duration: 2min, assign: [{resource: ann, units: 0.5}]}
  - {id: b, name: B, duration: 1min, after: [a]}
  - {id: c, name: C, duration: 3min, assign: [ann]}
""")
    result = _level(project, mode=LevelMode.OPTIMAL, time_limit=2.0)
    assert result.finish == 545  # 09:05: c after a on Ann
    cpm = schedule_project(project)
    for task in project.tasks:
        if result.schedule.task(task.id).start > cpm.task(task.id).start:
            assert result.delay_reasons.get(task.id), task.id


@pytest.mark.parametrize(
    "last",
    [
        "  - {id: a, name: A, duration: 1d, assign: [ann], priority: 900, after: [b]}\n"
        "  - {id: b, name: B, duration: 1d, assign: [ann]}\n",
        "  - {id: b, name: B, duration: 1d, assign: [ann], priority: 300,"
        " actual_start: 2027-01-04}\n",
    ],
    ids=["lower-priority-predecessor", "lower-priority-started"],
)
def test_optimal_mode_proves_plans_whose_priorities_cannot_all_be_honoured(last: str) -> None:
    """Two chains each need Ann for a day first; a third day of Ann's work is a lower-priority
    task that either precedes a higher-priority one or has started on Monday. Tiny: CP-SAT
    proves the optimum in milliseconds."""
    project = _plan(
        """\
  - {id: p1, name: P1, duration: 1d, assign: [ann]}
  - {id: q1, name: Q1, duration: 4d, after: [p1]}
  - {id: p2, name: P2, duration: 1d, assign: [ann]}
  - {id: q2, name: Q2, duration: 4d, after: [p2]}
"""
        + last
    )
    result = _level(project, mode=LevelMode.OPTIMAL, time_limit=5.0)
    assert result.status is LevelStatus.OPTIMAL, (result.status, result.seconds)
