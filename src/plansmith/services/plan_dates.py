"""Dragging a task's bar on the Gantt chart: a new start or a new end, turned into what a plan
says (a constraint, a duration), since a task's dates are the scheduler's to compute.

The change goes through the same checked path as the plan page's other edits
(:func:`plansmith.services.plan_edit.checked`): the item services, then one schedule inside a
savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from plansmith.domain.durations import format_duration
from plansmith.domain.model import Task
from plansmith.errors import Invalid
from plansmith.io.plan_schema import PlanSpec
from plansmith.scheduling.calendars import CalendarBook
from plansmith.services.access import Action, require
from plansmith.services.item_kinds import TASKS
from plansmith.services.items import check_version, update_item
from plansmith.services.plan_cache import plan_key, scheduled, with_task
from plansmith.services.plan_edit import checked, instant, midnight, task_row
from plansmith.services.plan_view import PlanView, view_of
from plansmith.storage import tables as t


@dataclass(frozen=True)
class DatesChange:
    view: PlanView
    task: str
    message: str  # what happened, in words (where the task landed, and why)
    before: PlanView | None = None  # the plan as it was, to answer with what changed


def change_dates(
    session: Session,
    user: t.User,
    project: t.Project,
    key: str,
    start: str,
    end: str,
    version: int | None,
) -> DatesChange:
    """A bar moved or resized. Dates come from the scheduler, so a moved start becomes the
    constraint that pins it (its must-start-on date if it has one, else start-no-earlier-than),
    and a moved end becomes the duration (working time on the task's calendar from its start
    to the new end). ``start`` and ``end`` are days (the end inclusive) or minutes."""
    require(session, user, project.id, Action.EDIT_PLAN, exists=True)
    row = task_row(session, project, key)
    check_version(row, version)  # before the schedule: a stale drag costs nothing
    new_start, new_end = instant(start.strip()), instant(end.strip())
    if new_start is None or new_end is None:
        raise Invalid(
            "start and end are dates such as 2027-03-01 or 2027-03-01T13:00", code="invalid_dates"
        )
    revision = plan_key(session, project)
    plan = scheduled(session, project)
    outcome = plan.outcome
    result, model = outcome.result, outcome.project
    if result is None or model is None or not outcome.ok:
        raise Invalid("the plan has errors, so it has no dates to change", code="invalid_plan")
    task = next(task for task in model.tasks if task.id == key)
    planned = result.task(key)
    last = result.at(max(planned.start, planned.finish - 1))  # its last working minute
    finish = new_end if "T" in end else midnight(new_end.date() + timedelta(days=1))
    if "T" in start:
        start_moved = new_start != result.at(planned.start)
    else:
        start_moved = new_start.date() != result.at(planned.start).date()
    end_moved = finish != result.at(planned.finish) if "T" in end else new_end.date() != last.date()
    if task.is_summary and (start_moved or end_moved):
        raise Invalid(
            f"'{key}' is a summary: its dates come from its subtasks, so drag those",
            code="summary_dates",
        )
    if start_moved:
        patch = _pinned_start(session, row, task, new_start, "T" in start)
    elif end_moved:
        minutes = (finish - result.origin) // timedelta(minutes=1)
        patch = _resized(task, model.hours_per_day, CalendarBook(model), planned.start, minutes)
    else:
        return DatesChange(view_of(session, user, project, plan), key, "")

    def apply() -> None:
        update_item(session, user, TASKS, project, key, patch, version)

    def plan_after() -> tuple[dict[str, Any], PlanSpec] | None:
        """The plan as before with this task's row as it is now, when that row is all that
        changed: the revision moved by exactly one (the row's own update) from the one the
        schedule was read at. Otherwise None (the plan is read back)."""
        now = plan_key(session, project)
        if now[:3] != revision[:3] or now[3] != revision[3] + 1:
            return None
        return with_task(plan, row)

    before = view_of(session, user, project, plan)
    view = checked(session, user, project, apply, key, plan_after, before)
    moved = view.row(key)
    message = ""
    if moved is not None:
        message = f"'{moved.name}' now runs {moved.start[:10]} to {moved.finish[:10]}"
        if start_moved and moved.start[:10] > new_start.date().isoformat():
            message += " (its links, constraints or working days keep it from starting earlier)"
    return DatesChange(view, key, message, before)


def _pinned_start(
    session: Session, row: t.Task, task: Task, start: datetime, with_time: bool
) -> dict[str, Any]:
    if task.actual_start is not None:
        raise Invalid(
            f"'{task.id}' has started: its start is a fact (actual_start), not a plan",
            code="task_started",
        )
    before = TASKS.document(session, row)
    field = "must_start_on" if before.get("must_start_on") else "start_no_earlier_than"
    text = start.strftime("%Y-%m-%dT%H:%M") if with_time else start.date().isoformat()
    return {field: text}


def _resized(
    task: Task, hours_per_day: float, book: CalendarBook, start: int, finish: int
) -> dict[str, Any]:
    if task.milestone:
        raise Invalid(
            f"'{task.id}' is a milestone: it has no duration to stretch; move it instead",
            code="milestone_duration",
        )
    timeline = book.task_timeline(task)
    work = timeline.work_at(finish) - timeline.work_at(start) if timeline is not None else 0
    if work <= 0:
        raise Invalid(
            f"the end must come after the start of '{task.id}' (with working time between)",
            code="invalid_dates",
        )
    if task.effort is not None:  # effort-driven: the same people for longer is more effort
        units = sum(a.units for a in task.assignments) or 1.0
        return {"effort": format_duration(round(work * units), hours_per_day)}
    return {"duration": format_duration(work, hours_per_day)}
