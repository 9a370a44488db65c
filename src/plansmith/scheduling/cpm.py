"""Critical-path scheduling: a forward and a backward pass in working time.

Each rule is stated exactly with the timeline's W / start_of / finish_of (see ``timeline``), so the
backward pass is the exact adjoint of the forward pass: with no imposed finish every float is >= 0
and a task with zero float really cannot move. Lags are working time on the project calendar.
"""

from __future__ import annotations

from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.domain.model import Project
from plansmith.scheduling.constraints import constraint_diagnostics, node_bounds
from plansmith.scheduling.network import Network, build_network
from plansmith.scheduling.result import ScheduledTask, ScheduleResult, ScheduleStatus
from plansmith.scheduling.rules import LinkRules
from plansmith.scheduling.timeline import HorizonExceededError


def schedule_project(project: Project) -> ScheduleResult:
    """Early and late dates, floats and the critical path of every task."""
    network, diagnostics = build_network(project)
    if network is None or has_errors(diagnostics):
        return _invalid(project, diagnostics)
    try:
        return _Passes(project, network, diagnostics).run()
    except HorizonExceededError as exc:
        diagnostics.append(error("horizon_exceeded", str(exc), "project", ("project",)))
        return _invalid(project, diagnostics)


def _invalid(project: Project, diagnostics: list[Diagnostic]) -> ScheduleResult:
    return ScheduleResult(
        ScheduleStatus.INVALID, project.origin_datetime, (), (), tuple(diagnostics)
    )


class _Passes:
    def __init__(self, project: Project, network: Network, diagnostics: list[Diagnostic]) -> None:
        self.project = project
        self.net = network
        self.diagnostics = diagnostics
        n = len(network.node_task)
        self.rules = LinkRules(network, node_bounds(project, network), len(project.tasks))
        self.es = [0] * n
        self.ef = [0] * n
        self.ls = [0] * n
        self.lf = [0] * n
        self.es_w = [0] * n
        self.ls_w = [0] * n
        self.finish = 0

    def forward(self) -> None:
        rules, es, ef, es_w = self.rules, self.es, self.ef, self.es_w
        for j in self.net.order:
            w = rules.earliest(j, es, ef)
            es_w[j] = w
            es[j], ef[j] = rules.dates(j, w)

    def backward(self) -> None:
        rules, ls, lf, ls_w = self.rules, self.ls, self.lf, self.ls_w
        for j in reversed(self.net.order):
            w = rules.latest(j, ls, lf, self.finish)
            ls_w[j] = w
            ls[j], lf[j] = rules.dates(j, w)

    def free_float(self, j: int) -> int:
        """Working minutes ``j`` can slip without moving any successor's early dates."""
        net = self.net
        tl = net.timelines[j]
        d = net.duration[j]
        instant = net.instant[j]
        latest = self.finish
        w = tl.work_at(self.finish) - d
        for k in net.outgoing[j]:
            e = net.edges[k]
            b = self.rules.unshift(self.ef[e.succ] if e.succ_finish else self.es[e.succ], e.lag)
            latest = min(latest, b)
            w = min(w, tl.work_at(b) - d if e.pred_finish else tl.work_floor(b))
        if instant:
            return tl.work_at(latest) - tl.work_at(self.es[j])
        return w - self.es_w[j]

    def run(self) -> ScheduleResult:
        net = self.net
        self.forward()
        leaves = [j for j in net.order if j < len(self.project.tasks)]
        self.finish = max((self.ef[j] for j in leaves), default=0)
        start = min((self.es[j] for j in leaves), default=0)
        self.backward()
        return self._result(start)

    def _total_float(self, j: int) -> int:
        if self.net.instant[j]:
            tl = self.net.timelines[j]
            slack = tl.work_at(self.ls[j]) - tl.work_at(self.es[j])
            # Late only by non-working time is still late: never show zero float for a miss.
            return min(slack, -1) if self.ls[j] < self.es[j] else slack
        return self.ls_w[j] - self.es_w[j]

    def _result(self, start: int) -> ScheduleResult:
        project, net = self.project, self.net
        tasks = project.tasks
        n = len(tasks)
        total = [0] * n
        free = [0] * n
        critical = [False] * n
        for j in range(n):
            if not tasks[j].is_summary:
                total[j] = self._total_float(j)
                free[j] = max(0, min(self.free_float(j), total[j]))
                critical[j] = total[j] <= 0
        index = {task.id: j for j, task in enumerate(tasks)}
        for j in range(n - 1, -1, -1):  # children come after their parent in WBS order
            task = tasks[j]
            if task.is_summary:
                kids = [index[c] for c in task.children]
                self.es[j] = min(self.es[c] for c in kids)
                self.ef[j] = max(self.ef[c] for c in kids)
                self.ls[j] = min(self.ls[c] for c in kids)
                self.lf[j] = max(self.lf[c] for c in kids)
                total[j] = min(total[c] for c in kids)
                free[j] = min(free[c] for c in kids)
                critical[j] = total[j] <= 0
        self.diagnostics.extend(constraint_diagnostics(project, net, self.es, self.ef))
        p = net.project_timeline
        scheduled = tuple(
            ScheduledTask(
                id=task.id,
                name=task.name,
                wbs=task.wbs,
                start=self.es[j],
                finish=self.ef[j],
                early_start=self.es[j],
                early_finish=self.ef[j],
                late_start=self.ls[j],
                late_finish=self.lf[j],
                duration=(
                    p.work_at(self.ef[j]) - p.work_at(self.es[j])
                    if task.is_summary
                    else net.duration[j]
                ),
                total_float=total[j],
                free_float=free[j],
                critical=critical[j],
                milestone=task.is_milestone,
                summary=task.is_summary,
                resources=tuple(a.resource for a in task.assignments),
            )
            for j, task in enumerate(tasks)
        )
        path = sorted(
            (j for j in net.order if j < n and critical[j]),
            key=lambda j: (self.es[j], self.ef[j], j),
        )
        return ScheduleResult(
            ScheduleStatus.SCHEDULED,
            project.origin_datetime,
            scheduled,
            tuple(tasks[j].id for j in path),
            tuple(self.diagnostics),
            start,
            self.finish,
        )
