"""A stored project's plan as the plan page shows it: the WBS table's rows and the Gantt
chart's bars, from one schedule of the plan as it stands.

The page is built for plans of thousands of tasks, so everything comes from the one plan
document the schedule is made from (no second read of the task rows), and the chart's bars are
compact lists rather than objects with repeated keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.durations import format_duration
from plansmith.domain.model import DependencyType, Project, Task
from plansmith.errors import Forbidden, NotFound
from plansmith.io.plan_schema import PlanSpec, TaskSpec
from plansmith.services.access import ALLOWED, Action, owns_task, require, role_on
from plansmith.services.plan_cache import Scheduled, scheduled
from plansmith.services.plan_maintenance import UPDATE, WINDOW, maintenance_bands
from plansmith.services.planning import PlanOutcome
from plansmith.storage import tables as t

# What a row lets the viewer change: the whole plan, only progress (a member's own task), or
# nothing.
EDIT_PLAN, EDIT_PROGRESS, EDIT_NOTHING = "plan", "progress", ""


@dataclass(frozen=True)
class PlanRow:
    """One task as the WBS table and the Gantt chart show it."""

    id: str
    wbs: str
    name: str
    parent: str | None
    depth: int
    start: str
    finish: str
    duration: str  # as the plan writes it: the duration, or the effort on an effort task
    progress: float  # 0..100
    predecessors: list[str]
    resources: list[str]
    critical: bool
    milestone: bool
    summary: bool
    version: int
    baseline_start: str | None = None
    baseline_finish: str | None = None
    effort: bool = False  # ``duration`` is the task's effort (person-time), not its duration
    links: list[str] = field(default_factory=list)  # predecessors as shown: "a", "b SS+2d"
    assigned: list[str] = field(default_factory=list)  # resources as shown: "ann", "bo 50%"
    editable: str = EDIT_NOTHING


@dataclass(frozen=True)
class PlanView:
    rows: list[PlanRow]
    start: str | None
    finish: str | None
    status_date: date | None
    diagnostics: tuple[Diagnostic, ...] = ()
    gantt: list[list[Any]] = field(default_factory=list)
    can_edit: bool = False  # the caller edits the plan (owner, manager)
    can_progress: bool = False  # the caller updates progress on own tasks (member)
    hours_per_day: float = 8.0
    # The systems' maintenance windows and planned updates within the plan's span, drawn as
    # bands behind the bars: [kind, start, end, label] (see services/plan_maintenance.py).
    maintenance: list[list[Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def has_windows(self) -> bool:
        return any(band[0] == WINDOW for band in self.maintenance)

    @property
    def has_updates(self) -> bool:
        return any(band[0] == UPDATE for band in self.maintenance)

    @property
    def has_baseline(self) -> bool:
        return any(row.baseline_start for row in self.rows)

    def row(self, key: str) -> PlanRow | None:
        return next((r for r in self.rows if r.id == key), None)

    def changes_from(self, before: PlanView) -> list[int] | None:
        """Where this view's rows differ from ``before``'s (indexes), or None when the rows are
        not the same tasks in the same order (then only the whole view will do)."""
        if [r.id for r in self.rows] != [r.id for r in before.rows]:
            return None
        pairs = enumerate(zip(self.rows, before.rows, strict=True))
        return [i for i, (new, old) in pairs if new is not old and new != old]


def plan_view(session: Session, user: t.User, project: t.Project) -> PlanView:
    """The caller's role was checked by whoever found ``project``; here it only decides which
    rows the page offers to edit."""
    return view_of(session, user, project, scheduled(session, project))


# Views kept with a cached schedule: one per kind of viewer (editor, reader, each member).
_VIEWS_PER_PLAN = 8


def view_of(
    session: Session,
    user: t.User,
    project: t.Project,
    plan: Scheduled,
    previous: PlanView | None = None,
    changed: str = "",
) -> PlanView:
    """The view of a plan already scheduled (edits schedule once, then show that). The same
    viewer rights on the same revision give the same view, so it is kept with the schedule:
    everything in it (task versions and the baseline included) changes the plan's revision.

    ``previous``, the same viewer's view of the plan before a change to task ``changed``'s own
    fields and nothing else (a dragged bar), lends its rows to the tasks the new schedule did
    not move."""
    role = role_on(session, user, project.id)
    allowed = ALLOWED[role] if role is not None else frozenset()
    can_edit = Action.EDIT_PLAN in allowed
    can_progress = not can_edit and Action.UPDATE_PROGRESS in allowed
    model = plan.outcome.project
    own = frozenset(_own_tasks(model, user.email)) if can_progress and model else frozenset()
    rights = ("view", can_edit, can_progress, own)
    view: PlanView | None = plan.extra.get(rights)
    if view is None:
        if previous is not None and (previous.can_edit, previous.can_progress) != rights[1:3]:
            previous = None
        view = _view(session, project, plan.spec, plan.outcome, rights, previous, changed)
        if len(plan.extra) < _VIEWS_PER_PLAN:
            plan.extra[rights] = view
    return view


def _view(
    session: Session,
    project: t.Project,
    spec: PlanSpec,
    outcome: PlanOutcome,
    rights: tuple[str, bool, bool, frozenset[str]],
    previous: PlanView | None,
    changed: str,
) -> PlanView:
    _, can_edit, can_progress, own = rights
    model = outcome.project
    if outcome.result is None or model is None or not outcome.ok:
        return PlanView(
            [],
            None,
            None,
            spec.project.status_date,
            outcome.diagnostics,
            can_edit=can_edit,
            can_progress=can_progress,
        )
    versions = dict(
        session.execute(
            select(t.Task.key, t.Task.version).where(t.Task.project_id == project.id)
        ).all()
    )
    doc = outcome.to_json()
    baseline = _latest_baseline(session, project)
    by_id = {task.id: task for task in model.tasks}
    written = {s.id: s for s in _walk(spec.tasks)}
    rows: list[PlanRow] = []
    bars: list[list[Any]] = []
    kept = previous if previous is not None and len(previous.rows) == len(doc["tasks"]) else None
    for i, entry in enumerate(doc["tasks"]):
        if kept is not None and _unmoved(kept.rows[i], entry, changed, versions):
            rows.append(kept.rows[i])
            bars.append(kept.gantt[i])
            continue
        task = by_id[entry["id"]]
        planned = baseline.get(task.id, {})
        rows.append(
            PlanRow(
                id=task.id,
                wbs=entry["wbs"],
                name=task.name,
                parent=task.parent,
                depth=entry["wbs"].count("."),
                start=entry["start"],
                finish=entry["finish"],
                duration=_duration_text(written.get(task.id), task),
                progress=_complete(task),
                predecessors=[d.predecessor for d in task.dependencies],
                resources=list(entry["resources"]),
                critical=entry["critical"],
                milestone=entry["milestone"],
                summary=entry["summary"],
                version=versions.get(task.id, 1),
                baseline_start=planned.get("start"),
                baseline_finish=planned.get("finish"),
                effort=_is_effort(written.get(task.id)),
                links=_links(task, model.hours_per_day),
                assigned=[
                    a.resource if a.units == 1 else f"{a.resource} {a.units * 100:g}%"
                    for a in task.assignments
                ],
                editable=_editable(can_edit, task, own),
            )
        )
        bars.append(_bar(rows[-1]))
    start, finish = doc["project"]["start"], doc["project"]["finish"]
    bands = (
        maintenance_bands(spec, date.fromisoformat(start[:10]), date.fromisoformat(finish[:10]))
        if spec.systems and start and finish
        else []
    )
    return PlanView(
        rows,
        start,
        finish,
        spec.project.status_date,
        outcome.diagnostics,
        bars,
        can_edit=can_edit,
        can_progress=can_progress,
        hours_per_day=model.hours_per_day,
        maintenance=bands,
    )


def _unmoved(row: PlanRow, entry: dict[str, Any], changed: str, versions: dict[str, int]) -> bool:
    """The row stands as it was: not the changed task, and its schedule and version as before."""
    return (
        row.id == entry["id"] != changed
        and (row.start, row.finish, row.critical)
        == (entry["start"], entry["finish"], entry["critical"])
        and (row.wbs, row.milestone, row.summary)
        == (entry["wbs"], entry["milestone"], entry["summary"])
        and row.resources == entry["resources"]
        and row.version == versions.get(row.id, 1)
    )


def _walk(specs: Iterable[TaskSpec]) -> Iterable[TaskSpec]:
    for spec in specs:
        yield spec
        if spec.children:
            yield from _walk(spec.children)


def _is_effort(spec: TaskSpec | None) -> bool:
    return spec is not None and spec.duration is None and spec.effort is not None


def _duration_text(spec: TaskSpec | None, task: Task) -> str:
    if spec is not None and spec.duration is not None:
        return str(spec.duration)
    if spec is not None and spec.effort is not None:
        return str(spec.effort)
    return "0" if task.milestone else ""


def _complete(task: Task) -> float:
    if task.actual_finish is not None:
        return 100.0
    return round(float(task.progress.complete or 0) * 100, 1)


def _links(task: Task, hours_per_day: float) -> list[str]:
    shown = []
    for link in task.dependencies:
        text = link.predecessor
        if link.type is not DependencyType.FS or link.lag:
            text += f" {link.type.value}"
            if link.lag:
                sign = "+" if link.lag > 0 else "-"
                text += sign + format_duration(abs(link.lag), hours_per_day)
        shown.append(text)
    return shown


def _own_tasks(model: Project, email: str) -> set[str]:
    """A member's tasks: those assigned to a resource with their e-mail address (as the
    services decide it, see :func:`plansmith.services.access.owns_task`)."""
    mine = email.strip().lower()
    people = {r.id for r in model.resources if (r.email or "").strip().lower() == mine}
    return {task.id for task in model.tasks if any(a.resource in people for a in task.assignments)}


def _editable(can_edit: bool, task: Task, own: frozenset[str]) -> str:
    if can_edit:
        return EDIT_PLAN
    if task.id in own and not task.is_summary:
        return EDIT_PROGRESS
    return EDIT_NOTHING


def _latest_baseline(session: Session, project: t.Project) -> dict[str, dict[str, str]]:
    row = session.scalar(
        select(t.Baseline)
        .where(t.Baseline.project_id == project.id)
        .order_by(t.Baseline.saved_at.desc(), t.Baseline.id.desc())
        .limit(1)
    )
    return dict(row.data.get("tasks", {})) if row is not None else {}


# Bar flags, one letter each (the chart's classes): critical, milestone, summary, and whether
# the caller may drag it.
_FLAGS = (("critical", "c"), ("milestone", "m"), ("summary", "s"))


def _bar(row: PlanRow) -> list[Any]:
    """One bar for the chart script: [id, name, start, end, progress, predecessors, flags,
    version, baseline start, baseline end]; plan.js turns it into frappe-gantt's task."""
    flags = "".join(letter for name, letter in _FLAGS if getattr(row, name))
    if row.editable == EDIT_PLAN and not row.summary:
        flags += "d"
    return [
        row.id,
        row.name,
        row.start,
        row.finish,
        row.progress,
        row.predecessors,
        flags,
        row.version,
        row.baseline_start,
        row.baseline_finish,
    ]


@dataclass(frozen=True)
class TaskValues:
    """What a task's row form starts from: its fields as the plan writes them."""

    key: str
    name: str
    version: int
    duration: str
    effort: bool
    summary: bool
    milestone: bool
    after: str
    resources: str
    progress: str
    start: str  # its start-no-earlier-than (or must-start-on) date
    fixed_start: bool  # ``start`` is a must-start-on date
    editable: str


def task_values(session: Session, user: t.User, project: t.Project, key: str) -> TaskValues:
    """A task's form values for someone who may change it: 403 for those who may not (viewers,
    stakeholders, and members on others' tasks), 404 for a task that is not there."""
    role = require(session, user, project.id, Action.UPDATE_PROGRESS, exists=True)
    row = session.scalar(select(t.Task).where(t.Task.project_id == project.id, t.Task.key == key))
    if row is None:
        raise NotFound(f"no task '{key}' here", code="not_found")
    editable = EDIT_PLAN if Action.EDIT_PLAN in ALLOWED[role] else EDIT_PROGRESS
    if editable == EDIT_PROGRESS and not owns_task(session, user, row.id):
        raise Forbidden(
            f"a {role.value} updates progress only on tasks assigned to them", code="forbidden"
        )
    spec = row.spec
    after = session.scalars(
        select(t.Task.key)
        .join(t.Dependency, t.Dependency.predecessor_id == t.Task.id)
        .where(t.Dependency.task_id == row.id)
        .order_by(t.Dependency.position, t.Dependency.id)
    )
    people = session.scalars(
        select(t.Resource.key)
        .join(t.Assignment, t.Assignment.resource_id == t.Resource.id)
        .where(t.Assignment.task_id == row.id)
        .order_by(t.Assignment.position, t.Assignment.id)
    )
    has_children = session.scalar(select(t.Task.id).where(t.Task.parent_id == row.id).limit(1))
    progress = str(spec.get("progress", "0")).removesuffix("%")
    return TaskValues(
        key=row.key,
        name=row.name,
        version=row.version,
        duration=str(spec.get("duration", spec.get("effort", ""))),
        effort="duration" not in spec and "effort" in spec,
        summary=has_children is not None,
        milestone=bool(spec.get("milestone")),
        after=", ".join(dict.fromkeys(after)),
        resources=", ".join(people),
        progress=progress,
        start=str(spec.get("must_start_on") or spec.get("start_no_earlier_than") or ""),
        fixed_start=bool(spec.get("must_start_on")),
        editable=editable,
    )
