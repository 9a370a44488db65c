"""From per-node dates to a :class:`ScheduleResult`: roll-up, constraint checks, critical path.

Shared by the critical-path passes and leveling, which differ only in the dates they bring.
"""

from __future__ import annotations

from dataclasses import dataclass

from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project
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
        list(dates.start[:n]),
        list(dates.finish[:n]),
        list(dates.early_start[:n]),
        list(dates.early_finish[:n]),
        list(dates.late_start[:n]),
        list(dates.late_finish[:n]),
        list(dates.total_float[:n]),
        list(dates.free_float[:n]),
    ]
    s, f, es, ef, ls, lf, total, free = columns
    index = {task.id: j for j, task in enumerate(tasks)}
    for j in range(n - 1, -1, -1):  # children come after their parent in WBS order
        task = tasks[j]
        if task.is_summary:
            kids = [index[c] for c in task.children]
            for col, pick in ((s, min), (f, max), (es, min), (ef, max), (ls, min), (lf, max)):
                col[j] = pick(col[c] for c in kids)
            total[j] = min(total[c] for c in kids)
            free[j] = min(free[c] for c in kids)
    all_diagnostics = [*diagnostics, *constraint_diagnostics(project, network, s, f)]
    p = network.project_timeline
    scheduled = tuple(
        ScheduledTask(
            id=task.id,
            name=task.name,
            wbs=task.wbs,
            start=s[j],
            finish=f[j],
            early_start=es[j],
            early_finish=ef[j],
            late_start=ls[j],
            late_finish=lf[j],
            duration=(
                p.work_at(f[j]) - p.work_at(s[j]) if task.is_summary else network.duration[j]
            ),
            total_float=total[j],
            free_float=free[j],
            critical=total[j] <= 0,
            milestone=task.is_milestone,
            summary=task.is_summary,
            resources=tuple(a.resource for a in task.assignments),
        )
        for j, task in enumerate(tasks)
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
