"""The link and constraint rules for placing one node, given where its neighbours are.

The critical-path passes and the leveling schedule generators place nodes one at a time with the
same rules, so a leveled schedule satisfies exactly the links the unleveled one does. Positions of
tasks are working positions ``w`` on the task's own timeline (start = start_of(w), finish =
finish_of(w + duration)); instants (milestones, gates) are plain minute offsets.
"""

from __future__ import annotations

from collections.abc import Sequence

from plansmith.scheduling.constraints import NodeBounds
from plansmith.scheduling.network import Network

FAR = 1 << 60


class LinkRules:
    def __init__(self, network: Network, bounds: NodeBounds, task_count: int) -> None:
        self.net = network
        self.bounds = bounds
        self.task_count = task_count
        self._project = network.project_timeline

    def shift(self, t: int, lag: int) -> int:
        """``t`` moved by ``lag`` working minutes of the project calendar."""
        if lag == 0:
            return t
        p = self._project
        return p.finish_of(p.work_at(t) + lag)

    def unshift(self, t: int, lag: int) -> int:
        """The adjoint of :meth:`shift`: the latest u with shift(u, lag) <= t."""
        if lag == 0:
            return t
        p = self._project
        return p.start_of(p.work_at(t) - lag)

    def earliest(self, j: int, start: Sequence[int], finish: Sequence[int]) -> int:
        """Least position of ``j`` allowed by its start bounds and its placed predecessors."""
        net = self.net
        tl = net.timelines[j]
        actual = self.bounds.actual_start[j]
        if actual is not None:  # started: where it began is a fact, links no longer move it
            return actual if net.instant[j] else tl.work_at(actual)
        bound = self.bounds.earliest_start[j]
        edges = net.edges
        if net.instant[j]:
            t = -FAR if j >= self.task_count else tl.next_start(0)
            if bound is not None:
                t = max(t, bound)
            for k in net.incoming[j]:
                e = edges[k]
                t = max(t, self.shift(finish[e.pred] if e.pred_finish else start[e.pred], e.lag))
            return t
        d = net.duration[j]
        w = tl.work_at(0)
        if bound is not None:
            w = max(w, tl.work_at(bound))
        for k in net.incoming[j]:
            e = edges[k]
            c = self.shift(finish[e.pred] if e.pred_finish else start[e.pred], e.lag)
            w = max(w, tl.work_ceil(c) - d if e.succ_finish else tl.work_at(c))
        return w

    def latest(self, j: int, start: Sequence[int], finish: Sequence[int], horizon: int) -> int:
        """Greatest position of ``j`` allowed by ``horizon``, its finish limits and its placed
        successors (``start``/``finish`` hold their late or current dates)."""
        net = self.net
        tl = net.timelines[j]
        limit = self.bounds.latest_finish[j]
        must = self.bounds.latest_start[j]
        edges = net.edges
        if net.instant[j]:
            t = FAR if j >= self.task_count else horizon
            for bound in (limit, must):
                if bound is not None:
                    t = min(t, bound)
            for k in net.outgoing[j]:
                e = edges[k]
                t = min(t, self.unshift(finish[e.succ] if e.succ_finish else start[e.succ], e.lag))
            return t
        d = net.duration[j]
        w = tl.work_at(horizon) - d
        if limit is not None:
            w = min(w, tl.work_at(limit) - d)
        if must is not None:
            w = min(w, tl.work_floor(must))
        for k in net.outgoing[j]:
            e = edges[k]
            b = self.unshift(finish[e.succ] if e.succ_finish else start[e.succ], e.lag)
            w = min(w, tl.work_at(b) - d if e.pred_finish else tl.work_floor(b))
        return w

    def dates(self, j: int, position: int) -> tuple[int, int]:
        """Start and finish instants of ``j`` placed at ``position``."""
        if self.net.instant[j]:
            return position, position
        tl = self.net.timelines[j]
        return tl.start_of(position), tl.finish_of(position + self.net.duration[j])
