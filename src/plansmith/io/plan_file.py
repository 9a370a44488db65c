"""Plan files: YAML text -> checked :class:`~plansmith.domain.model.Project` plus diagnostics.

Three stages, each adding diagnostics with a document path: YAML syntax (located by libyaml),
structure (Pydantic, :mod:`plan_schema`), then values that need the project's units and the shape
of the task tree (durations, WBS numbers, ids). Cross-references and the dependency graph are the
scheduling engine's to check, so every face that builds a project gets the same answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from pydantic import ValidationError

from plansmith.domain.calendar import Calendar, standard_week
from plansmith.domain.diagnostics import Diagnostic, DocPath, error, has_errors, warning
from plansmith.domain.durations import DurationError, parse_duration
from plansmith.domain.model import (
    Assignment,
    Dependency,
    DependencyType,
    Project,
    Resource,
    ResourceKind,
    Task,
)
from plansmith.io import money_build
from plansmith.io.calendar_build import build_calendars
from plansmith.io.plan_schema import PlanSpec, PoolSpec, ResourceSpec, TaskSpec
from plansmith.io.pool import load_pool
from plansmith.io.risk_build import correlations, risks, three_point
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.team_build import team
from plansmith.io.yaml_source import YamlSource, read_text

DEFAULT_CALENDAR = "standard"
_PLACEHOLDER = Task("", "", "")


@dataclass
class LoadedPlan:
    """A plan as far as it could be read: ``project`` is None when errors prevented building it."""

    source: YamlSource
    project: Project | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spec: PlanSpec | None = None  # what the file says, for storing it (None if unreadable)
    pool: PoolSpec | None = None  # the shared pool file it names, read

    @property
    def ok(self) -> bool:
        return self.project is not None and not has_errors(self.diagnostics)


def load_plan(path: str | Path) -> LoadedPlan:
    """Read and check a plan file; never raises for a problem in the user's file."""
    text = read_text(path, "plan_not_found", "plan file")
    if isinstance(text, Diagnostic):
        source = YamlSource(str(path), "")
        return LoadedPlan(source, None, [source.place(text)])
    return load_plan_text(text, str(path))


def load_plan_text(text: str, filename: str = "<plan>", *, pool_files: bool = True) -> LoadedPlan:
    """``pool_files=False`` refuses a ``pool:`` reference instead of reading that file (for a
    plan uploaded to the server, whose files are not the uploader's to read)."""
    source = YamlSource(filename, text)
    data, diagnostics = source.load()
    if data is None and not diagnostics:
        diagnostics.append(error("invalid_type", "the plan file is empty; start with 'project:'"))
    elif data is not None and not isinstance(data, dict):
        diagnostics.append(error("invalid_type", "a plan file is a mapping with 'project:' first"))
    if has_errors(diagnostics):
        return LoadedPlan(source, None, [source.place(d) for d in diagnostics])
    try:
        spec = PlanSpec.model_validate(data)
    except ValidationError as exc:
        diagnostics.extend(pydantic_diagnostics(exc))
        return LoadedPlan(source, None, [source.place(d) for d in diagnostics])
    pool = None
    if spec.pool is not None and not pool_files:
        problem = error(
            "pool_not_allowed",
            "an uploaded plan cannot name a pool file: put its resources in the plan, or in "
            "the server's shared pool",
            "pool",
            ("pool",),
        )
        return LoadedPlan(source, None, [source.place(d) for d in [*diagnostics, problem]], spec)
    if spec.pool is not None:
        pool, problems = load_pool(Path(filename).parent / spec.pool, ("pool",))
        diagnostics.extend(problems)
        if pool is None:
            return LoadedPlan(source, None, [source.place(d) for d in diagnostics])
    return _built(source, spec, pool, diagnostics)


def load_plan_spec(spec: PlanSpec, name: str) -> LoadedPlan:
    """A plan that is already a checked spec (one kept in the database): built and checked as a
    file would be; diagnostics keep their document paths and point at ``name``."""
    return _built(YamlSource(name, ""), spec, None, [])


def _built(
    source: YamlSource, spec: PlanSpec, pool: PoolSpec | None, diagnostics: list[Diagnostic]
) -> LoadedPlan:
    builder = _ProjectBuilder(spec, pool)
    project = builder.build()
    diagnostics.extend(builder.diagnostics)
    if project is not None:
        source.know_tasks({task.origin: task.id for task in project.tasks})
    return LoadedPlan(source, project, [source.place(d) for d in diagnostics], spec, pool)


class _ProjectBuilder:
    def __init__(self, spec: PlanSpec, pool: PoolSpec | None = None) -> None:
        self.spec = spec
        self.pool = pool or PoolSpec()
        self.diagnostics: list[Diagnostic] = []
        self.hours_per_day = spec.project.hours_per_day
        self.hours_per_week = spec.project.hours_per_week
        self.tasks: list[Task] = []
        self.task_ids: set[str] = set()
        # A plan repeats a few durations ("1d", "4h") across thousands of tasks and links.
        self._durations: dict[tuple[str, bool], int] = {}

    def build(self) -> Project | None:
        spec = self.spec
        calendars = self._calendars()
        project_calendar = spec.project.calendar or (
            DEFAULT_CALENDAR
            if DEFAULT_CALENDAR in calendars or not spec.calendars
            else next(iter(spec.calendars))
        )
        resources = self._resources()
        self._tasks(spec.tasks, parent=None, prefix="", path=("tasks",))
        register = risks(spec.risks, self._parse, self.diagnostics)
        if not self.tasks:
            self.diagnostics.append(
                warning("no_tasks", "the plan has no tasks yet", "project", ("project",))
            )
        if has_errors(self.diagnostics):
            return None
        return Project(
            id=spec.project.id,
            name=spec.project.name,
            start=spec.project.start,
            calendar=project_calendar,
            calendars=calendars,
            tasks=tuple(self.tasks),
            resources=resources,
            holidays=tuple(spec.holidays),
            hours_per_day=self.hours_per_day,
            hours_per_week=self.hours_per_week,
            currency=spec.project.currency,
            timezone=spec.project.timezone,
            risks=register,
            correlations=correlations(spec.correlations),
            status_date=spec.project.status_date,
            budget=money_build.budget(spec),
            expenses=money_build.expenses(spec),
            actuals=money_build.actuals(spec),
            team=team(spec, self._resource_specs()),
        )

    def _calendars(self) -> dict[str, Calendar]:
        calendars = build_calendars(self.spec.calendars, self.pool.calendars, self.diagnostics)
        if not calendars:
            calendars[DEFAULT_CALENDAR] = Calendar(
                DEFAULT_CALENDAR, standard_week(), frozenset(), "Standard"
            )
        return calendars

    def _resource_specs(self) -> list[tuple[ResourceSpec, DocPath]]:
        pooled: list[tuple[ResourceSpec, DocPath]] = [(r, ("pool",)) for r in self.pool.resources]
        own: list[tuple[ResourceSpec, DocPath]] = [
            (r, ("resources", i)) for i, r in enumerate(self.spec.resources)
        ]
        return pooled + own

    def _resources(self) -> tuple[Resource, ...]:
        out: list[Resource] = []
        seen: set[str] = set()
        for res, path in self._resource_specs():
            if res.id in seen:
                self.diagnostics.append(
                    error(
                        "duplicate_id",
                        f"resource id '{res.id}' is used twice",
                        f"resource:{res.id}",
                        (*path, "id"),
                    )
                )
                continue
            seen.add(res.id)
            out.append(_resource(res, path))
        return tuple(out)

    def _duration(self, value: object, path: DocPath, *, lag: bool = False) -> int | None:
        key = (value, lag) if isinstance(value, str) else None
        known = self._durations.get(key) if key is not None else None
        if known is not None:
            return known
        try:
            minutes = parse_duration(
                value,
                hours_per_day=self.hours_per_day,
                hours_per_week=self.hours_per_week,
                allow_negative=lag,
            )
        except DurationError as exc:
            self.diagnostics.append(error("invalid_duration", str(exc), None, path))
            return None
        if key is not None:
            self._durations[key] = minutes
        return minutes

    def _parse(self, value: object, path: DocPath) -> int | None:
        return self._duration(value, path)

    def _tasks(
        self, specs: list[TaskSpec], parent: str | None, prefix: str, path: DocPath
    ) -> list[str]:
        ids: list[str] = []
        for i, spec in enumerate(specs):
            here: DocPath = (*path, i)
            if spec.id in self.task_ids:
                self.diagnostics.append(
                    error(
                        "duplicate_id",
                        f"task id '{spec.id}' is used twice",
                        f"task:{spec.id}",
                        (*here, "id"),
                    )
                )
                continue
            self.task_ids.add(spec.id)
            ids.append(spec.id)
            wbs = f"{prefix}{len(ids)}"
            position = len(self.tasks)
            self.tasks.append(_PLACEHOLDER)  # parents come before their children in WBS order
            children = (
                self._tasks(spec.children, spec.id, f"{wbs}.", (*here, "children"))
                if spec.children is not None
                else []
            )
            self.tasks[position] = self._task(spec, parent, wbs, here, tuple(children))
        return ids

    def _task(
        self,
        spec: TaskSpec,
        parent: str | None,
        wbs: str,
        path: DocPath,
        children: tuple[str, ...],
    ) -> Task:
        subject = f"task:{spec.id}"
        is_summary = spec.children is not None
        kinds = [k for k in ("duration", "effort") if getattr(spec, k) is not None]
        if spec.milestone:
            kinds.append("milestone")
        if spec.estimate is not None and (is_summary or spec.milestone):
            kinds.insert(0, "estimate")
        if is_summary and kinds:
            self._error(
                "task_kind_conflict",
                f"task '{spec.id}' has children, so it cannot also have {kinds[0]}",
                subject,
                (*path, kinds[0]),
            )
        elif not is_summary and len(kinds) > 1:
            self._error(
                "task_kind_conflict",
                f"task '{spec.id}' has both {kinds[0]} and {kinds[1]}; give one",
                subject,
                (*path, kinds[1]),
            )
        elif not is_summary and not kinds and spec.estimate is None:
            self._error(
                "task_kind_missing",
                f"task '{spec.id}' needs duration, effort, milestone: true or children",
                subject,
                path,
            )
        if is_summary and not children:
            self._error(
                "task_kind_missing",
                f"summary task '{spec.id}' has no children",
                subject,
                (*path, "children"),
            )
        assignments = tuple(
            self._assignment(a.resource, a.units, (*path, "assign", k))
            for k, a in enumerate(spec.assign)
        )
        duration = 0
        effort = None
        units: Fraction | None = None  # exact total units of an effort-driven task
        if spec.duration is not None:
            duration = self._duration(spec.duration, (*path, "duration")) or 0
        elif spec.effort is not None:
            effort = self._duration(spec.effort, (*path, "effort"))
            if not assignments:
                self._error(
                    "effort_without_assignment",
                    f"task '{spec.id}' gives effort but no one is assigned to it",
                    subject,
                    (*path, "effort"),
                )
            elif effort is not None:
                # Exact: units as written (0.3333 is 3333/10000), rounded up to the minute.
                units = sum((Fraction(str(a.units)) for a in assignments), Fraction(0))
                duration = math.ceil(Fraction(effort) / units)
        estimate = None
        if spec.estimate is None and "distribution" in spec.model_fields_set:
            self.diagnostics.append(
                warning(
                    "distribution_without_estimate",
                    f"task '{spec.id}' names a distribution but has no estimate to sample",
                    subject,
                    (*path, "distribution"),
                )
            )
        if spec.estimate is not None and not (is_summary or spec.milestone):
            estimate = three_point(
                spec.estimate,
                spec.distribution,
                self._parse,
                (*path, "estimate"),
                self.diagnostics,
                units,
            )
            if estimate is not None and spec.duration is None and spec.effort is None:
                duration = int(estimate.likely)  # an estimate alone: plan on the likely value
        dependencies = [
            Dependency(pid, DependencyType.FS, 0, (*path, "after", k))
            for k, pid in enumerate(spec.after)
        ]
        for k, dep in enumerate(spec.depends):
            lag = self._duration(dep.lag, (*path, "depends", k, "lag"), lag=True) or 0
            dependencies.append(
                Dependency(dep.task, DependencyType(dep.type), lag, (*path, "depends", k))
            )
        return Task(
            id=spec.id,
            name=spec.name,
            wbs=wbs,
            parent=parent,
            children=children,
            duration=duration,
            effort=effort,
            estimate=estimate,
            milestone=spec.milestone,
            dependencies=tuple(dependencies),
            assignments=assignments,
            start_no_earlier_than=_start_instant(spec.start_no_earlier_than),
            finish_no_later_than=_end_instant(spec.finish_no_later_than),
            must_start_on=_start_instant(spec.must_start_on),
            deadline=_end_instant(spec.deadline),
            actual_start=_start_instant(spec.actual_start),
            actual_finish=_end_instant(spec.actual_finish),
            progress=money_build.progress(spec, self._parse, path, self.diagnostics),
            cost=money_build.fixed_cost(spec),
            priority=spec.priority,
            calendar=spec.calendar,
            notes=spec.notes,
            origin=path,
        )

    def _assignment(self, resource: str, units: float | str, path: DocPath) -> Assignment:
        value: float | None
        try:
            text = str(units).strip()
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            value = None
        if value is None or not value > 0:
            self._error(
                "invalid_value",
                f"units '{units}' must be a positive number or percent",
                None,
                (*path, "units"),
            )
            value = 1.0
        return Assignment(resource, value, path)

    def _error(self, code: str, message: str, subject: str | None, path: DocPath) -> None:
        self.diagnostics.append(error(code, message, subject, path))


def _resource(res: ResourceSpec, path: DocPath) -> Resource:
    return Resource(
        id=res.id,
        name=res.name or res.id,
        kind=ResourceKind(res.kind),
        capacity=res.capacity,
        rate=res.rate,
        rate_changes=money_build.rate_changes(res),
        overtime_rate=res.overtime_rate,
        calendar=res.calendar,
        vacations=tuple(res.vacations),
        skills=tuple(res.skills),
        email=res.email,
        origin=path,
    )


def _start_instant(value: date | datetime | None) -> datetime | None:
    """A day given for a start constraint means from the start of that day."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def _end_instant(value: date | datetime | None) -> datetime | None:
    """A day given for a finish constraint means by the end of that day."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day) + timedelta(days=1)
