"""The link and constraint rules for placing one node, given where its neighbours are.

The critical-path passes and the leveling schedule generators place nodes one at a time with the
same rules, so a leveled schedule satisfies exactly the links the unleveled one does. Positions of
tasks are working positions ``w`` on the task's own timeline (start = start_of(w), finish =
finish_of(w + duration)); instants (milestones, gates) are plain minute offsets.

A link bounds a task's start or finish by an instant c, compared in the task's own working time:
W(start) >= W(c) and W(finish) >= W(c). For a start that is simply start >= c (a start is the
latest instant of its working position), but a finish may then sit before c across a break of
the task's calendar: a task that must finish no earlier than Monday 08:00 may finish on Friday
at 17:00, since none of its working time lies between. That is how MS Project and Primavera
read such links, and it keeps a start-to-finish successor from working one minute into Monday.
Milestones and gates compare plain instants.
"""

from __future__ import annotations

from collections.abc import Sequence

from plansmith.scheduling.constraints import NodeBounds
from plansmith.scheduling.network import Network
from plansmith.scheduling.timeline import Timeline

FAR = 1 << 60


class LinkRules:
    __slots__ = ("_at_horizon", "_horizon", "_project", "bounds", "net", "task_count")

    def __init__(self, network: Network, bounds: NodeBounds, task_count: int) -> None:
        self.net = network
        self.bounds = bounds
        self.task_count = task_count
        self._project = network.project_timeline
        self._horizon: int | None = None  # the last horizon latest() saw, and W there per
        self._at_horizon: dict[Timeline, int] = {}  # timeline (one look-up per timeline)

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

    # earliest and latest run once per node in every pass and every leveling schedule: they read
    # the network's edge columns directly and inline shift / unshift.

    def earliest(self, j: int, start: Sequence[int], finish: Sequence[int]) -> int:
        """Least position of ``j`` allowed by its start bounds and its placed predecessors."""
        net = self.net
        tl = net.timelines[j]
        actual = self.bounds.actual_start[j]
        if actual is not None:  # started: where it began is a fact, links no longer move it
            return actual if net.instant[j] else tl.work_at(actual)
        bound = self.bounds.earliest_start[j]
        p = self._project
        pred, pred_finish, lag = net.pred, net.pred_finish, net.lag
        if net.instant[j]:
            t = -FAR if j >= self.task_count else tl.next_start(0)
            if bound is not None and bound > t:
                t = bound
            for k in net.in_edges[net.in_start[j] : net.in_start[j + 1]]:
                i = pred[k]
                c = finish[i] if pred_finish[k] else start[i]
                if lag[k]:
                    c = p.finish_of(p.work_at(c) + lag[k])
                t = max(t, c)
            return t
        d = net.duration[j]
        succ_finish = net.succ_finish
        w = 0  # W(origin): every timeline counts working time from the project origin
        if bound is not None:
            w = max(w, tl.work_at(bound))
        # W never decreases, so of the links to the start only the latest instant can give the
        # greatest position: one conversion for all of them (see converted).
        starts = 0
        top = low = 0
        for k in net.in_edges[net.in_start[j] : net.in_start[j + 1]]:
            i = pred[k]
            c = finish[i] if pred_finish[k] else start[i]
            if lag[k]:
                c = p.finish_of(p.work_at(c) + lag[k])
            if succ_finish[k]:  # in working time: a finish at a break's start counts at its end
                w = max(w, tl.work_at(c) - d)
            elif starts:
                top, low = max(top, c), min(low, c)
            else:
                starts, top, low = 1, c, c
        return max(w, converted(tl, top, low)) if starts else w

    def latest(self, j: int, start: Sequence[int], finish: Sequence[int], horizon: int) -> int:
        """Greatest position of ``j`` allowed by ``horizon``, its finish limits and its placed
        successors (``start``/``finish`` hold their late or current dates)."""
        net = self.net
        tl = net.timelines[j]
        limit = self.bounds.latest_finish[j]
        must = self.bounds.latest_start[j]
        p = self._project
        succ, succ_finish, lag = net.succ, net.succ_finish, net.lag
        if net.instant[j]:
            t = FAR if j >= self.task_count else horizon
            if limit is not None and limit < t:
                t = limit
            if must is not None and must < t:
                t = must
            for k in net.out_edges[net.out_start[j] : net.out_start[j + 1]]:
                i = succ[k]
                c = self.finish_bound(i, finish[i]) if succ_finish[k] else start[i]
                if lag[k]:
                    c = p.start_of(p.work_at(c) - lag[k])
                t = min(t, c)
            return t
        d = net.duration[j]
        pred_finish = net.pred_finish
        if horizon != self._horizon:
            self._horizon, self._at_horizon = horizon, {}
        at_horizon = self._at_horizon.get(tl)
        if at_horizon is None:
            at_horizon = self._at_horizon[tl] = tl.work_at(horizon)
        w = at_horizon - d
        if limit is not None:
            w = min(w, tl.work_at(limit) - d)
        if must is not None:
            w = min(w, tl.work_floor(must))
        # as in earliest: of the links from the finish only the earliest instant counts
        finishes = 0
        top = low = 0
        for k in net.out_edges[net.out_start[j] : net.out_start[j + 1]]:
            i = succ[k]
            b = self.finish_bound(i, finish[i]) if succ_finish[k] else start[i]
            if lag[k]:
                b = p.start_of(p.work_at(b) - lag[k])
            if not pred_finish[k]:
                w = min(w, tl.work_floor(b))
            elif finishes:
                top, low = max(top, b), min(low, b)
            else:
                finishes, top, low = 1, b, b
        return min(w, converted(tl, low, top) - d) if finishes else w

    def finish_bound(self, i: int, finish: int) -> int:
        """The latest instant a link into the finish of ``i`` (at ``finish``) lets its other
        end be: a task's finish is compared in its own working time, so a finish at the end of
        a working period stands for the whole break after it (see :meth:`earliest`)."""
        return finish if self.net.instant[i] else self.net.timelines[i].next_start(finish)

    def dates(self, j: int, position: int) -> tuple[int, int]:
        """Start and finish instants of ``j`` placed at ``position``."""
        if self.net.instant[j]:
            return position, position
        tl = self.net.timelines[j]
        return tl.start_of(position), tl.finish_of(position + self.net.duration[j])


def converted(tl: Timeline, t: int, other: int) -> int:
    """W(t), where ``t`` is the extreme of some instants that each rule would convert on
    ``tl``: the position comes from ``t`` alone (W is monotone), and the timeline is made to
    cover ``other``, the opposite extreme, so that it grows, or refuses an instant beyond its
    horizon, exactly as converting every instant would."""
    if other != t:
        tl.cover(other)
    return tl.work_at(t)
