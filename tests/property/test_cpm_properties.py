"""Invariants of critical-path scheduling on random networks and random calendars.

Every check goes through the brute-force :mod:`oracle`, not the engine's own timeline.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from plansmith.domain.calendar import Calendar, WeekPattern
from plansmith.domain.model import Dependency, DependencyType, Project, Task
from plansmith.scheduling.cpm import schedule_project
from plansmith.scheduling.result import ScheduleResult

from .oracle import MinuteCalendar

ORIGIN = date(2027, 1, 4)  # a Monday
DAY_SHAPES = [
    (),
    ((540, 720), (780, 1080)),  # office with lunch
    ((0, 1440),),  # whole day: contiguous across midnight with neighbours
    ((480, 960),),
    ((1320, 1440),),  # late shift up to 24:00 ...
    ((0, 360), (1320, 1440)),  # ... continuing after midnight
    ((600, 610),),  # ten minutes
]


@st.composite
def calendars(draw: st.DrawFn, cid: str) -> Calendar:
    days = draw(st.lists(st.sampled_from(DAY_SHAPES), min_size=7, max_size=7))
    if not any(days):
        days[0] = DAY_SHAPES[1]
    offsets = draw(st.lists(st.integers(-5, 60), max_size=6))
    holidays = frozenset(ORIGIN + timedelta(days=k) for k in offsets)
    week = WeekPattern((days[0], days[1], days[2], days[3], days[4], days[5], days[6]))
    return Calendar(cid, week, holidays)


@st.composite
def projects(
    draw: st.DrawFn,
    *,
    any_calendar: bool = True,
    negative_lags: bool = True,
    max_calendars: int = 3,
) -> Project:
    cal_count = draw(st.integers(1, max_calendars)) if any_calendar else 1
    cals = (
        [draw(calendars(f"c{i}")) for i in range(cal_count)]
        if any_calendar
        else [Calendar("c0", WeekPattern(tuple(((0, 1440),) for _ in range(7))))]  # type: ignore[arg-type]
    )
    n = draw(st.integers(1, 10))
    tasks = []
    lag_floor = -900 if negative_lags else 0
    for j in range(n):
        milestone = draw(st.booleans()) if j else False
        duration = 0 if milestone else draw(st.integers(1, 1500))
        deps = []
        for p in sorted(draw(st.sets(st.integers(0, j - 1), max_size=3)) if j else []):
            kind = draw(st.sampled_from(list(DependencyType)))
            lag = draw(st.one_of(st.just(0), st.integers(lag_floor, 900)))
            deps.append(Dependency(f"t{p}", kind, lag))
        tasks.append(
            Task(
                id=f"t{j}",
                name=f"Task {j}",
                wbs=str(j + 1),
                duration=duration,
                milestone=milestone,
                dependencies=tuple(deps),
                calendar=draw(st.sampled_from([c.id for c in cals])),
            )
        )
    return Project(
        id="p",
        name="P",
        start=ORIGIN,
        calendar="c0",
        calendars={c.id: c for c in cals},
        tasks=tuple(tasks),
    )


def _anchor(result: ScheduleResult, task_id: str, finish: bool, late: bool = False) -> int:
    t = result.task(task_id)
    if late:
        return t.late_finish if finish else t.late_start
    return t.finish if finish else t.start


def _holds(task: Task, dep: Dependency, cal: MinuteCalendar, after: int, bound: int) -> bool:
    """Whether ``task``'s end that ``dep`` links to, at ``after``, meets ``bound``: a task's
    finish in its own working time (``cal``), a start or a milestone at or after the instant."""
    if dep.type.to_finish and not task.is_milestone:
        return cal.reaches(after, bound)
    return after >= bound


def _oracles(project: Project) -> dict[str, MinuteCalendar]:
    return {cid: MinuteCalendar(cal, project.start) for cid, cal in project.calendars.items()}


@given(projects())
def test_every_dependency_and_duration_holds(project: Project) -> None:
    result = schedule_project(project)
    assert result.ok, result.diagnostics
    cals = _oracles(project)
    lag_cal = cals[project.calendar]
    for task in project.tasks:
        scheduled = result.task(task.id)
        cal = cals[task.calendar or project.calendar]
        if task.is_milestone:
            assert scheduled.start == scheduled.finish
        else:
            assert cal.works(scheduled.start), "a task starts on a working minute"
            assert cal.works(scheduled.finish - 1), "a task ends right after a working minute"
            assert cal.work_between(scheduled.start, scheduled.finish) == task.duration
        assert scheduled.start >= cal.first_working_at_or_after(0) or task.is_milestone
        for dep in task.dependencies:
            before = _anchor(result, dep.predecessor, finish=not dep.type.from_start)
            after = _anchor(result, task.id, finish=dep.type.to_finish)
            assert _holds(task, dep, cal, after, lag_cal.shift(before, dep.lag)), (task.id, dep)


@given(projects())
def test_early_dates_are_as_early_as_the_links_allow(project: Project) -> None:
    """Each task is pinned by the project start or by one of its links: none could start sooner."""
    result = schedule_project(project)
    cals = _oracles(project)
    lag_cal = cals[project.calendar]
    for task in project.tasks:
        s = result.task(task.id)
        cal = cals[task.calendar or project.calendar]
        if task.is_milestone:
            bounds = [cal.first_working_at_or_after(0)]
            bounds += [
                lag_cal.shift(_anchor(result, d.predecessor, not d.type.from_start), d.lag)
                for d in task.dependencies
            ]
            assert s.start == max(bounds)
            continue
        earlier = s.start - 1
        while earlier > -20 * 1440 + 1 and not cal.works(earlier):
            earlier -= 1
        if s.start == cal.first_working_at_or_after(0):
            continue
        earlier_finish = cal.finish_after(earlier, task.duration)
        violated = False
        for dep in task.dependencies:
            bound = lag_cal.shift(
                _anchor(result, dep.predecessor, not dep.type.from_start), dep.lag
            )
            mine = earlier_finish if dep.type.to_finish else earlier
            violated = violated or not _holds(task, dep, cal, mine, bound)
        assert violated, f"{task.id} could start one working minute sooner"


@given(projects())
def test_floats_are_never_negative_without_imposed_dates(project: Project) -> None:
    result = schedule_project(project)
    for s in result.tasks:
        assert s.total_float >= 0
        assert 0 <= s.free_float <= s.total_float
        assert s.late_start >= s.early_start
        assert s.late_finish <= result.finish or s.milestone


@given(projects())
def test_late_dates_keep_every_link_and_the_finish(project: Project) -> None:
    """The late schedule is itself feasible and ends by the project finish."""
    result = schedule_project(project)
    cals = _oracles(project)
    lag_cal = cals[project.calendar]
    for task in project.tasks:
        cal = cals[task.calendar or project.calendar]
        for dep in task.dependencies:
            before = _anchor(result, dep.predecessor, not dep.type.from_start, late=True)
            after = _anchor(result, task.id, dep.type.to_finish, late=True)
            assert _holds(task, dep, cal, after, lag_cal.shift(before, dep.lag)), (task.id, dep)
        assert result.task(task.id).late_finish <= result.finish


@given(projects(any_calendar=False))
def test_round_the_clock_dates_equal_a_longest_path(project: Project) -> None:
    """On a 24x7 calendar the early dates are plain longest-path sums, computed independently."""
    result = schedule_project(project)
    es: dict[str, int] = {}
    ef: dict[str, int] = {}
    for task in project.tasks:
        d = task.duration
        start = 0
        for dep in task.dependencies:
            base = es[dep.predecessor] if dep.type.from_start else ef[dep.predecessor]
            start = max(start, base + dep.lag - (d if dep.type.to_finish else 0))
        es[task.id], ef[task.id] = start, start + d
        assert (result.task(task.id).start, result.task(task.id).finish) == (start, start + d)
    assert result.finish == max(ef.values())


@given(projects(max_calendars=1))
def test_a_critical_chain_spans_the_project(project: Project) -> None:
    """The critical tasks include one ending at the project finish, and following tight critical
    links backwards from it reaches a task that starts as early as anything can.

    On one calendar only: across calendars a task can be critical because a calendar gap, not a
    predecessor, holds it (a Monday milestone after Sunday work is critical while the Sunday task
    can slip within its Sunday), which is right but not a chain."""
    result = schedule_project(project)
    by_id = {t.id: t for t in project.tasks}
    lag_cal = _oracles(project)[project.calendar]
    cals = _oracles(project)
    ends = [s for s in result.tasks if s.finish == result.finish]
    assert ends
    assert all(s.critical for s in ends)
    current = ends[0]
    for _ in range(len(project.tasks) + 1):
        task = by_id[current.id]
        cal = cals[task.calendar or project.calendar]
        if not task.is_milestone and current.start == cal.first_working_at_or_after(0):
            return
        if task.is_milestone and current.start == cal.first_working_at_or_after(0):
            return
        driving = [
            d
            for d in task.dependencies
            if result.task(d.predecessor).critical
            and _tight(result, cal, lag_cal, task, d, current)
        ]
        assert driving, f"critical task {task.id} is not driven by a critical predecessor"
        current = result.task(driving[0].predecessor)
    raise AssertionError("critical chain does not end")


def _tight(result, cal, lag_cal, task, dep, current) -> bool:  # type: ignore[no-untyped-def]
    bound = lag_cal.shift(_anchor(result, dep.predecessor, not dep.type.from_start), dep.lag)
    if task.is_milestone:
        return current.start == bound
    if dep.type.to_finish:
        return current.finish <= bound or cal.work_between(bound, current.finish) == 0
    return cal.first_working_at_or_after(bound) == current.start


@given(projects())
def test_scheduling_is_deterministic(project: Project) -> None:
    assert schedule_project(project) == schedule_project(project)


def test_origin_is_the_start_date_midnight() -> None:
    project = Project(
        "p",
        "P",
        ORIGIN,
        "c0",
        {"c0": Calendar("c0", WeekPattern(tuple(((0, 1440),) for _ in range(7))))},  # type: ignore[arg-type]
        (Task("a", "A", "1", duration=60),),
    )
    result = schedule_project(project)
    assert result.at(result.task("a").finish) == datetime(2027, 1, 4, 1, 0)


@st.composite
def projects_with_a_summary(draw: st.DrawFn) -> tuple[Project, list[str]]:
    """A random network where a block of tasks is grouped under summary 's', and links go to and
    from the summary. Returns the project and the leaf ids under 's'."""
    base = draw(projects())
    tasks = list(base.tasks)
    n = len(tasks)
    lo = draw(st.integers(0, n - 1))
    hi = draw(st.integers(lo + 1, n))
    block = tasks[lo:hi]
    block_ids = {t.id for t in block}
    inner = [
        Task(
            id=t.id,
            name=t.name,
            wbs=f"{lo + 1}.{k + 1}",
            parent="s",
            duration=t.duration,
            milestone=t.milestone,
            calendar=t.calendar,
            dependencies=tuple(d for d in t.dependencies if d.predecessor in block_ids),
        )
        for k, t in enumerate(block)
    ]
    before = [t.id for t in tasks[:lo]]
    incoming = (
        [
            Dependency(p, draw(st.sampled_from(list(DependencyType))), draw(st.integers(-300, 300)))
            for p in draw(st.sets(st.sampled_from(before), max_size=2))
        ]
        if before
        else []
    )
    summary = Task(
        id="s",
        name="S",
        wbs=str(lo + 1),
        children=tuple(t.id for t in inner),
        dependencies=tuple(incoming),
    )
    after = []
    for t in tasks[hi:]:
        deps = tuple(d for d in t.dependencies if d.predecessor not in block_ids)
        if draw(st.booleans()):
            deps += (Dependency("s", draw(st.sampled_from(list(DependencyType))), 0),)
        after.append(
            Task(
                id=t.id,
                name=t.name,
                wbs=t.wbs,
                duration=t.duration,
                milestone=t.milestone,
                calendar=t.calendar,
                dependencies=deps,
            )
        )
    project = Project(
        id="p",
        name="P",
        start=ORIGIN,
        calendar="c0",
        calendars=base.calendars,
        tasks=(*tasks[:lo], summary, *inner, *after),
    )
    return project, [t.id for t in inner]


@given(projects_with_a_summary())
def test_a_link_to_or_from_a_summary_holds_for_every_leaf(case: tuple[Project, list[str]]) -> None:
    project, leaves = case
    result = schedule_project(project)
    assert result.ok, result.diagnostics
    cals = _oracles(project)
    lag_cal = cals[project.calendar]
    by_id = {t.id: t for t in project.tasks}
    for task in project.tasks:
        succs = leaves if task.id == "s" else [task.id]
        for dep in task.dependencies:
            preds = leaves if dep.predecessor == "s" else [dep.predecessor]
            for p in preds:
                for q in succs:
                    before = _anchor(result, p, finish=not dep.type.from_start)
                    after = _anchor(result, q, finish=dep.type.to_finish)
                    leaf = by_id[q]
                    cal = cals[leaf.calendar or project.calendar]
                    bound = lag_cal.shift(before, dep.lag)
                    assert _holds(leaf, dep, cal, after, bound), (p, q, dep)
    s = result.task("s")
    assert s.start == min(result.task(x).start for x in leaves)
    assert s.finish == max(result.task(x).finish for x in leaves)
    assert s.total_float == min(result.task(x).total_float for x in leaves)


@given(projects(), st.data())
def test_constraints_bound_the_dates_and_misses_show_as_negative_float(
    project: Project, data: st.DataObject
) -> None:
    """start_no_earlier_than is always honoured; a finish_no_later_than is either met, or missed
    with a warning and negative float on that task."""
    chosen = data.draw(st.sampled_from(project.tasks))
    snet = data.draw(st.integers(0, 20 * 1440))
    fnlt = data.draw(st.integers(0, 40 * 1440))
    origin = datetime(ORIGIN.year, ORIGIN.month, ORIGIN.day)
    constrained = Task(
        id=chosen.id,
        name=chosen.name,
        wbs=chosen.wbs,
        duration=chosen.duration,
        milestone=chosen.milestone,
        calendar=chosen.calendar,
        dependencies=chosen.dependencies,
        start_no_earlier_than=origin + timedelta(minutes=snet),
        finish_no_later_than=origin + timedelta(minutes=fnlt),
    )
    tasks = tuple(constrained if t.id == chosen.id else t for t in project.tasks)
    project = Project(
        id="p", name="P", start=ORIGIN, calendar="c0", calendars=project.calendars, tasks=tasks
    )
    result = schedule_project(project)
    s = result.task(chosen.id)
    assert s.start >= snet
    codes = {d.code for d in result.diagnostics if d.subject == f"task:{chosen.id}"}
    if s.finish > fnlt:
        assert codes & {"finish_no_later_than_missed", "conflicting_constraints"}
        assert s.total_float < 0
    else:
        assert not codes & {"finish_no_later_than_missed"}
