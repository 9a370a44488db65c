"""Several plans leveled together over one shared resource pool.

The plans are merged into one project: each plan becomes a summary (holding its tasks no earlier
than its own start), its task, calendar and private resource ids are prefixed with the plan id and
"/", and resources that came from the pool keep their ids, so booking them from two plans books
the same person. After scheduling, the result is split back per plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from plansmith.domain.calendar import Calendar
from plansmith.domain.diagnostics import Diagnostic, error
from plansmith.domain.model import Assignment, Dependency, Project, Resource, Task
from plansmith.scheduling.result import ScheduleResult

POOL_ORIGIN = ("pool",)


@dataclass(frozen=True)
class Portfolio:
    project: Project
    members: tuple[Project, ...]


def _calendar_key(calendar: Calendar) -> tuple[object, ...]:
    return (calendar.week, calendar.holidays, calendar.overrides)


def combine(members: Sequence[Project]) -> tuple[Portfolio | None, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    first = members[0]
    shared: dict[str, Resource] = {}
    calendars: dict[str, Calendar] = {}
    resources: list[Resource] = []
    tasks: list[Task] = []
    lag_calendar: Calendar | None = None
    for k, member in enumerate(members):
        prefix = f"{member.id}/"
        days = [day for holiday in member.holidays for day in holiday.days()]
        for cid, cal in member.calendars.items():
            calendars[prefix + cid] = replace(cal.without(days), id=prefix + cid)
        own = calendars[prefix + member.calendar]
        if lag_calendar is None:
            lag_calendar = own
        elif _calendar_key(own) != _calendar_key(lag_calendar):
            problems.append(
                error(
                    "portfolio_mismatch",
                    f"plan '{member.id}' has another project calendar than '{first.id}'; plans "
                    "leveled together must share it (lags are measured on it)",
                    f"plan:{member.id}",
                    ("project", "calendar"),
                )
            )
        private: dict[str, str] = {}
        for res in member.resources:
            if res.origin == POOL_ORIGIN:
                pooled = replace(res, calendar=f"{members[0].id}/{res.calendar or first.calendar}")
                if res.id in shared and shared[res.id] != pooled:
                    problems.append(
                        error(
                            "portfolio_mismatch",
                            f"plans define pool resource '{res.id}' differently; level plans that "
                            "share one pool file",
                            f"plan:{member.id}",
                            POOL_ORIGIN,
                        )
                    )
                shared.setdefault(res.id, pooled)
            else:
                private[res.id] = prefix + res.id
                resources.append(
                    replace(
                        res, id=prefix + res.id, calendar=prefix + (res.calendar or member.calendar)
                    )
                )
        top = [t.id for t in member.tasks if t.parent is None]
        tasks.append(
            Task(
                id=member.id,
                name=member.name,
                wbs=str(k + 1),
                children=tuple(prefix + t for t in top),
                start_no_earlier_than=member.origin_datetime,
            )
        )
        tasks.extend(_prefixed(task, member, prefix, private, k + 1) for task in member.tasks)
    combined = Project(
        id="+".join(m.id for m in members),
        name=" + ".join(m.name for m in members),
        start=min(m.start for m in members),
        calendar=f"{first.id}/{first.calendar}",
        calendars=calendars,
        tasks=tuple(tasks),
        resources=(*shared.values(), *resources),
        hours_per_day=first.hours_per_day,
        hours_per_week=first.hours_per_week,
        currency=first.currency,
        timezone=first.timezone,
    )
    return (None if problems else Portfolio(combined, tuple(members))), problems


def _prefixed(task: Task, member: Project, prefix: str, private: dict[str, str], k: int) -> Task:
    return replace(
        task,
        id=prefix + task.id,
        wbs=f"{k}.{task.wbs}",
        parent=prefix + task.parent if task.parent is not None else member.id,
        children=tuple(prefix + c for c in task.children),
        dependencies=tuple(
            Dependency(prefix + d.predecessor, d.type, d.lag, d.origin) for d in task.dependencies
        ),
        assignments=tuple(
            Assignment(private.get(a.resource, a.resource), a.units, a.origin)
            for a in task.assignments
        ),
        calendar=prefix + task.calendar if task.calendar is not None else None,
    )


def split(portfolio: Portfolio, result: ScheduleResult) -> list[ScheduleResult]:
    """One result per plan, with the plan's own task ids and its own diagnostics."""
    out = []
    for member in portfolio.members:
        prefix = f"{member.id}/"
        tasks = tuple(
            replace(t, id=t.id.removeprefix(prefix), wbs=t.wbs.split(".", 1)[1])
            for t in result.tasks
            if t.id.startswith(prefix)
        )
        diagnostics = diagnostics_for(member.id, result.diagnostics)
        leaves = [t for t in tasks if not t.summary]
        out.append(
            replace(
                result,
                tasks=tasks,
                critical_path=tuple(
                    c.removeprefix(prefix) for c in result.critical_path if c.startswith(prefix)
                ),
                diagnostics=diagnostics,
                start=min((t.start for t in leaves), default=result.start),
                finish=max((t.finish for t in leaves), default=result.finish),
            )
        )
    return out


def diagnostics_for(plan_id: str, diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """The diagnostics about one plan of a portfolio, with that plan's own ids."""
    prefix = f"{plan_id}/"
    marks = ("task:" + prefix, "resource:" + prefix, f"plan:{plan_id}")
    return tuple(
        replace(d, subject=d.subject.replace(prefix, "", 1))
        for d in diagnostics
        if d.subject is not None and d.subject.startswith(marks)
    )
