"""From per-node dates to a :class:`ScheduleResult`: roll-up, constraint checks, critical path.

Shared by the critical-path passes and leveling, which differ only in the dates they bring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

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
    summaries = network.summaries
    _roll_up(tasks, network.task_index, summaries, columns)
    all_diagnostics = [*diagnostics, *constraint_diagnostics(project, network, s, f)]
    p = network.project_timeline
    durations = list(network.duration[:n])
    summary = [False] * n
    for j in summaries:
        durations[j] = p.work_at(f[j]) - p.work_at(s[j])
        summary[j] = True
    # built column by column: one C-level map over the columns instead of a Python-level
    # expression per task and field
    scheduled = tuple(
        map(
            ScheduledTask,
            [task.id for task in tasks],
            [task.name for task in tasks],
            [task.wbs for task in tasks],
            s,
            f,
            es,
            ef,
            ls,
            lf,
            durations,
            total,
            free,
            [x <= 0 for x in total],
            network.instant[:n],  # a task is an instant when it is a milestone
            summary,
            _resource_ids(tasks),
        )
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


def _resource_ids(tasks: Sequence[Task]) -> list[tuple[str, ...]]:
    """Each task's resource ids, one shared tuple per distinct list: tasks repeat the same few
    resources, and every object kept adds to the garbage collector's work."""
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    return [
        shared.setdefault(ids, ids)
        for ids in (tuple([a.resource for a in task.assignments]) for task in tasks)
    ]


def _roll_up(
    tasks: Sequence[Task],
    index: dict[str, int],
    summaries: Sequence[int],
    columns: list[list[int]],
) -> None:
    """Summaries from their children, deepest first: the earliest start and latest finish of the
    leaves under them, and the least float."""
    picks = (min, max, min, max, min, max, min, min)
    for j in reversed(summaries):  # children come after their parent in WBS order
        kids = [index[c] for c in tasks[j].children]
        if len(kids) == 1:
            for col in columns:
                col[j] = col[kids[0]]
            continue
        values = itemgetter(*kids)
        for col, pick in zip(columns, picks, strict=True):
            col[j] = pick(values(col))
