"""Critical-path scheduling: a forward and a backward pass in working time.

Each rule is stated exactly with the timeline's W / start_of / finish_of (see ``timeline``), so the
backward pass is the exact adjoint of the forward pass: with no imposed finish every float is >= 0
and a task with zero float really cannot move. Lags are working time on the project calendar.
"""

from __future__ import annotations

from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.domain.model import Project
from plansmith.scheduling.assemble import Dates, assemble
from plansmith.scheduling.constraints import node_bounds
from plansmith.scheduling.network import Network, build_network
from plansmith.scheduling.result import ScheduleResult, ScheduleStatus
from plansmith.scheduling.rules import LinkRules, converted
from plansmith.scheduling.timeline import HorizonExceededError, Timeline


def schedule_project(project: Project) -> ScheduleResult:
    """Early and late dates, floats and the critical path of every task."""
    return run_cpm(project)[0]


def run_cpm(project: Project) -> tuple[ScheduleResult, CpmPasses | None]:
    """The schedule and, when it could be computed, the passes' state (for leveling)."""
    network, diagnostics = build_network(project)
    if network is None or has_errors(diagnostics):
        return _invalid(project, diagnostics), None
    try:
        passes = CpmPasses(project, network, diagnostics)
        return passes.run(), passes
    except HorizonExceededError as exc:
        diagnostics.append(error("horizon_exceeded", str(exc), "project", ("project",)))
        return _invalid(project, diagnostics), None


def _invalid(project: Project, diagnostics: list[Diagnostic]) -> ScheduleResult:
    return ScheduleResult(
        ScheduleStatus.INVALID, project.origin_datetime, (), (), tuple(diagnostics)
    )


class CpmPasses:
    """Early and late positions of every network node; ``run`` turns them into a result."""

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
        net = self.net
        instant, duration, timelines = net.instant, net.duration, net.timelines
        for j in net.order:
            w = rules.earliest(j, es, ef)
            es_w[j] = w
            if instant[j]:
                es[j] = ef[j] = w
            else:  # rules.dates, inline: this runs once per node
                es[j], ef[j] = timelines[j].span(w, duration[j])

    def backward(self) -> None:
        rules, ls, lf, ls_w = self.rules, self.ls, self.lf, self.ls_w
        net = self.net
        instant, duration, timelines = net.instant, net.duration, net.timelines
        for j in reversed(net.order):
            w = rules.latest(j, ls, lf, self.finish)
            ls_w[j] = w
            if instant[j]:
                ls[j] = lf[j] = w
            else:
                ls[j], lf[j] = timelines[j].span(w, duration[j])

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

    def _floats(self) -> tuple[list[int], list[int]]:
        """Per task, its total float and its free float: the working minutes it can slip
        without moving any successor's early dates, never more than its total float (both 0
        for summaries, which are rolled up later)."""
        net, es, ef, finish, rules = self.net, self.es, self.ef, self.finish, self.rules
        succ, succ_finish, pred_finish, lag = net.succ, net.succ_finish, net.pred_finish, net.lag
        p = net.project_timeline
        total = [0] * len(self.project.tasks)
        free = [0] * len(self.project.tasks)
        at_finish: dict[Timeline, int] = {}  # W(project finish) per timeline
        for j, task in enumerate(self.project.tasks):
            if task.is_summary:
                continue
            total[j] = self._total_float(j) if net.instant[j] else self.ls_w[j] - self.es_w[j]
            tl = net.timelines[j]
            if tl not in at_finish:
                at_finish[tl] = tl.work_at(finish)
            d = net.duration[j]
            latest = finish
            w = at_finish[tl] - d
            finishes = 0  # links from the finish: only the earliest instant counts (see rules)
            top = low = 0
            # Without total float a task has no free float, whatever its successors: of its
            # links only those from its start are still followed, for the work_floor that may
            # take its timeline to the horizon.
            no_float = total[j] <= 0 and not net.instant[j]
            for k in net.out_edges[net.out_start[j] : net.out_start[j + 1]]:
                if no_float and pred_finish[k]:
                    continue
                s = succ[k]
                b = rules.finish_bound(s, ef[s]) if succ_finish[k] else es[s]
                if lag[k]:  # rules.unshift
                    b = p.start_of(p.work_at(b) - lag[k])
                latest = min(latest, b)
                if not pred_finish[k]:
                    w = min(w, tl.work_floor(b))
                elif finishes:
                    top, low = max(top, b), min(low, b)
                else:
                    finishes, top, low = 1, b, b
            if no_float:
                continue
            if finishes:
                w = min(w, converted(tl, low, top) - d)
            slack = tl.work_at(latest) - tl.work_at(es[j]) if net.instant[j] else w - self.es_w[j]
            free[j] = max(0, min(slack, total[j]))
        return total, free

    def _result(self, start: int) -> ScheduleResult:
        total, free = self._floats()
        return assemble(
            self.project,
            self.net,
            Dates(self.es, self.ef, self.es, self.ef, self.ls, self.lf, total, free),
            self.diagnostics,
            start=start,
            finish=self.finish,
        )
