"""From per-node dates to a :class:`ScheduleResult`: roll-up, constraint checks, critical path.

Shared by the critical-path passes and leveling, which differ only in the dates they bring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project, Task
from plansmith.scheduling.constraints import constraint_diagnostics
from plansmith.scheduling.network import Network
from plansmith.scheduling.result import ScheduledTask, ScheduleResult, ScheduleStatus


@dataclass(frozen=True, slots=True)
class Dates:
    """Per node (at least one entry per task; summaries' entries are filled by the roll-up)."""

    start: list[int]
    finish: list[int]
    early_start: list[int]
    early_finish: list[int]
    late_start: list[int]
    late_finish: list[int]
    total_float: list[int]
    free_float: list[int]


def assemble(
    project: Project,
    network: Network,
    dates: Dates,
    diagnostics: list[Diagnostic],
    *,
    start: int,
    finish: int,
) -> ScheduleResult:
    tasks = project.tasks
    n = len(tasks)
    columns = [
        dates.start[:n],
        dates.finish[:n],
        dates.early_start[:n],
        dates.early_finish[:n],
        dates.late_start[:n],
        dates.late_finish[:n],
        dates.total_float[:n],
        dates.free_float[:n],
    ]
    s, f, es, ef, ls, lf, total, free = columns
    _roll_up(tasks, columns)
    all_diagnostics = [*diagnostics, *constraint_diagnostics(project, network, s, f)]
    p = network.project_timeline
    duration = network.duration
    scheduled = tuple(
        ScheduledTask(
            task.id,
            task.name,
            task.wbs,
            s[j],
            f[j],
            es[j],
            ef[j],
            ls[j],
            lf[j],
            p.work_at(f[j]) - p.work_at(s[j]) if summary else duration[j],
            total[j],
            free[j],
            total[j] <= 0,
            task.is_milestone,
            summary,
            tuple([a.resource for a in task.assignments]),
        )
        for j, task, summary in zip(range(n), tasks, map(_is_summary, tasks), strict=True)
    )
    path = sorted(
        (j for j in network.order if j < n and total[j] <= 0),
        key=lambda j: (s[j], f[j], j),
    )
    return ScheduleResult(
        ScheduleStatus.SCHEDULED,
        project.origin_datetime,
        scheduled,
        tuple(tasks[j].id for j in path),
        tuple(all_diagnostics),
        start,
        finish,
    )


def _is_summary(task: Task) -> bool:
    return task.is_summary


def _roll_up(tasks: Sequence[Task], columns: list[list[int]]) -> None:
    """Summaries from their children, deepest first: the earliest start and latest finish of the
    leaves under them, and the least float."""
    index: dict[str, int] | None = None
    picks = (min, max, min, max, min, max, min, min)
    for j in range(len(tasks) - 1, -1, -1):  # children come after their parent in WBS order
        task = tasks[j]
        if task.children:
            if index is None:
                index = {t.id: i for i, t in enumerate(tasks)}
            kids = [index[c] for c in task.children]
            for col, pick in zip(columns, picks, strict=True):
                col[j] = pick(map(col.__getitem__, kids))
