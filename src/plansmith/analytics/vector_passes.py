"""The critical-path passes over many iterations at once: one row of numbers per network node.

This is :class:`~plansmith.scheduling.cpm.CpmPasses` with every scalar replaced by an array over
iterations, rule for rule (see :mod:`plansmith.scheduling.rules`), so an iteration whose durations
equal the plan's gives exactly the plan's dates, floats and critical tasks; a property test holds
the two to that. What makes it fast is where the rules become plain arithmetic: a task's position
is working time on its own timeline, so a link between two tasks on the same timeline (with no lag,
or with both on the project calendar, where lags are counted) is an addition and a maximum. Only
links that cross calendars or touch milestones and gates convert to instants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from plansmith.analytics.vector_timeline import VectorTimeline
from plansmith.scheduling.constraints import NodeBounds
from plansmith.scheduling.network import Network

# Beyond any instant a plan reaches (the horizon is a century) and within int32.
FAR = 1 << 30
POSITION = np.int32  # minutes: 4,000 years of range, half the memory traffic of int64


@dataclass(slots=True)
class _Memo:
    """Conversions made during one pass, reused by every link that needs the same one."""

    forward: bool
    work: dict[tuple[int, bool, bool, int, int], np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Link:
    other: int  # the predecessor (forward) or successor (backward)
    pred_finish: bool
    succ_finish: bool
    lag: int
    same: bool  # both tasks on one timeline where the lag is plain working time


@dataclass(slots=True)
class PassResult:
    """Per node and iteration: positions (working time on the node's timeline; instants for
    milestones and gates) and the project finish instant of each iteration."""

    position: np.ndarray
    end: np.ndarray  # position + duration: where each node's work ends
    duration: np.ndarray
    finish: np.ndarray


class VectorPasses:
    def __init__(self, network: Network, bounds: NodeBounds, task_count: int) -> None:
        self.net = network
        self.bounds = bounds
        self.task_count = task_count
        shared: dict[int, VectorTimeline] = {}
        self.vt = [shared.setdefault(id(tl), VectorTimeline(tl)) for tl in (*network.timelines,)]
        project = network.project_timeline
        self.project = shared.setdefault(id(project), VectorTimeline(project))
        self.order = np.array(network.order, dtype=np.int64)
        self.leaves = [j for j in network.order if j < task_count]
        self._incoming = [self._links(j, network.incoming[j], forward=True) for j in self._nodes]
        self._outgoing = [self._links(j, network.outgoing[j], forward=False) for j in self._nodes]

    @property
    def _nodes(self) -> range:
        return range(len(self.net.node_task))

    def _links(self, j: int, edge_ids: tuple[int, ...], *, forward: bool) -> list[_Link]:
        net = self.net
        out = []
        for k in edge_ids:
            e = net.edges[k]
            other = e.pred if forward else e.succ
            tl = net.timelines[j]
            same = (
                not net.instant[j]
                and not net.instant[other]
                and net.timelines[other] is tl
                and (e.lag == 0 or tl is net.project_timeline)
            )
            out.append(_Link(other, e.pred_finish, e.succ_finish, e.lag, same))
        return out

    # -- conversions between a placed node and another node's timeline --------------------------

    def _instant(self, j: int, finish: bool, pos: np.ndarray, end: np.ndarray) -> np.ndarray:
        if self.net.instant[j]:
            row: np.ndarray = pos[j]
            return row
        vt = self.vt[j]
        return vt.finish_of(end[j]) if finish else vt.start_of(pos[j])

    def _bound_from(self, link: _Link, pos: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Backward: the instant a successor puts on ``link``, a task's finish standing for the
        break after it, as :meth:`~plansmith.scheduling.rules.LinkRules.finish_bound` has it."""
        s = link.other
        if link.succ_finish and not self.net.instant[s]:
            return self.vt[s].start_of(end[s])
        return self._instant(s, link.succ_finish, pos, end)

    def _edge_work(
        self, link: _Link, vt: VectorTimeline, pos: np.ndarray, end_: np.ndarray, memo: _Memo
    ) -> np.ndarray:
        """The bound ``link`` puts on a node of ``vt`` in working time, before subtracting the
        node's duration: computed once per (neighbour, end, lag, timeline), as the many leaves
        behind one gate all ask the same question."""
        forward = memo.forward
        if forward:
            end, side = link.pred_finish, link.succ_finish
        else:
            end, side = link.succ_finish, link.pred_finish
        key = (link.other, end, side, link.lag, id(vt))
        if key not in memo.work:
            if forward:
                c = self._shift(self._instant(link.other, end, pos, end_), link.lag)
                memo.work[key] = vt.work_at(c)
            else:
                c = self._unshift(self._bound_from(link, pos, end_), link.lag)
                memo.work[key] = vt.work_at(c) if link.pred_finish else vt.work_floor(c)
        return memo.work[key]

    def _extreme_instant(
        self, links: list[_Link], forward: bool, pos: np.ndarray, ends: np.ndarray, out: np.ndarray
    ) -> None:
        """Fold the links of a milestone or gate into ``out`` (max forward, min backward).

        Tasks on one timeline are reduced in working time first and converted once: start_of
        and finish_of are monotone, so the extreme of the conversions is the conversion of the
        extreme, and a gate fed by a whole phase costs one conversion instead of hundreds."""
        fold = np.maximum if forward else np.minimum
        groups: dict[tuple[int, bool, int], tuple[int, np.ndarray]] = {}
        for link in links:
            o = link.other
            end = link.pred_finish if forward else link.succ_finish
            if self.net.instant[o]:
                c = pos[o]
                fold(
                    out,
                    self._shift(c, link.lag) if forward else self._unshift(c, link.lag),
                    out=out,
                )
                continue
            w = ends[o] if end else pos[o]
            key = (id(self.vt[o]), end, link.lag)
            if key in groups:
                fold(groups[key][1], w, out=groups[key][1])
            else:
                groups[key] = (o, w.copy())
        for (_, end, lag), (o, w) in groups.items():
            vt = self.vt[o]
            # backward, a finish bounds as the start of the work after it (rules.finish_bound)
            c = vt.finish_of(w) if end and forward else vt.start_of(w)
            fold(out, self._shift(c, lag) if forward else self._unshift(c, lag), out=out)

    def _shift(self, t: np.ndarray, lag: int) -> np.ndarray:
        return t if lag == 0 else self.project.finish_of(self.project.work_at(t) + lag)

    def _unshift(self, t: np.ndarray, lag: int) -> np.ndarray:
        return t if lag == 0 else self.project.start_of(self.project.work_at(t) - lag)

    # -- forward ---------------------------------------------------------------------------------

    def forward(self, duration: np.ndarray) -> PassResult:
        """Early positions; ``duration`` is (nodes, iterations) working minutes (0 for instants).

        A task's links bound either its start or its end; the end bounds are folded first and
        the duration subtracted once, so a plain finish-to-start link costs one maximum."""
        net, bounds = self.net, self.bounds
        pos = np.zeros(duration.shape, dtype=POSITION)
        end = np.zeros(duration.shape, dtype=POSITION)
        memo = _Memo(forward=True)
        for j in net.order:
            vt = self.vt[j]
            actual = bounds.actual_start[j]
            bound = bounds.earliest_start[j]
            tl = vt.timeline
            w = pos[j]
            if net.instant[j]:
                if actual is not None:
                    w.fill(actual)
                else:
                    w.fill(-FAR if j >= self.task_count else tl.next_start(0))
                    if bound is not None:
                        np.maximum(w, bound, out=w)
                    self._extreme_instant(self._incoming[j], True, pos, end, w)
                end[j] = w
                continue
            d = duration[j]
            if actual is not None:
                w.fill(tl.work_at(actual))
                np.add(w, d, out=end[j])
                continue
            lowest = tl.work_at(0)
            if bound is not None:
                lowest = max(lowest, tl.work_at(bound))
            w.fill(lowest)
            finish_side = None
            for link in self._incoming[j]:
                p = link.other
                if link.same:
                    x = end[p] if link.pred_finish else pos[p]
                    if link.lag:
                        x = x + link.lag
                else:
                    x = self._edge_work(link, vt, pos, end, memo)
                if not link.succ_finish:
                    np.maximum(w, x, out=w)
                elif finish_side is None:
                    finish_side = np.array(x, dtype=POSITION)
                else:
                    np.maximum(finish_side, x, out=finish_side)
            if finish_side is not None:
                np.maximum(w, finish_side - d, out=w)
            np.add(w, d, out=end[j])
        return PassResult(pos, end, duration, self._project_finish(pos, end))

    def _project_finish(self, pos: np.ndarray, end: np.ndarray) -> np.ndarray:
        """The latest finish of any leaf: per timeline the greatest end of work, then one
        conversion (finish_of is monotone), and the milestones' instants."""
        groups: dict[int, tuple[VectorTimeline, np.ndarray]] = {}
        finish = np.full(pos.shape[1], -FAR, dtype=np.int64)
        for j in self.leaves:
            if self.net.instant[j]:
                np.maximum(finish, pos[j], out=finish)
                continue
            key = id(self.vt[j])
            if key in groups:
                np.maximum(groups[key][1], end[j], out=groups[key][1])
            else:
                groups[key] = (self.vt[j], end[j].copy())
        for vt, ends in groups.values():
            np.maximum(finish, vt.finish_of(ends), out=finish)
        return finish

    # -- backward --------------------------------------------------------------------------------

    def backward(self, early: PassResult, *, limits: bool = True) -> np.ndarray:
        """Late positions against each iteration's own finish (as the CPM's backward pass).

        Without ``limits`` the finish limits and must-start dates are left out: the floats are
        then those of the network alone, and a task is critical only when it drives the finish
        (a missed deadline would otherwise make everything before it critical)."""
        net, bounds = self.net, self.bounds
        dur, horizon = early.duration, early.finish
        late = np.zeros(dur.shape, dtype=POSITION)
        late_end = np.zeros(dur.shape, dtype=POSITION)
        memo = _Memo(forward=False)
        horizon_work: dict[int, np.ndarray] = {}
        for j in reversed(net.order):
            vt = self.vt[j]
            tl = vt.timeline
            limit = bounds.latest_finish[j] if limits else None
            must = bounds.latest_start[j] if limits else None
            w = late[j]
            if net.instant[j]:
                if j >= self.task_count:
                    w.fill(FAR)
                else:
                    w[:] = horizon
                for b in (limit, must):
                    if b is not None:
                        np.minimum(w, b, out=w)
                self._extreme_instant(self._outgoing[j], False, late, late_end, w)
                late_end[j] = w
                continue
            d = dur[j]
            key = id(vt)
            if key not in horizon_work:
                horizon_work[key] = vt.work_at(horizon)
            end_side = np.array(horizon_work[key], dtype=POSITION)
            if limit is not None:
                np.minimum(end_side, tl.work_at(limit), out=end_side)
            start_side = []
            for link in self._outgoing[j]:
                s = link.other
                if link.same:
                    x = late_end[s] if link.succ_finish else late[s]
                    if link.lag:
                        x = x - link.lag
                else:
                    x = self._edge_work(link, vt, late, late_end, memo)
                if link.pred_finish:
                    np.minimum(end_side, x, out=end_side)
                else:
                    start_side.append(x)
            np.subtract(end_side, d, out=w)
            if must is not None:
                np.minimum(w, tl.work_floor(must), out=w)
            for x in start_side:
                np.minimum(w, x, out=w)
            np.add(w, d, out=late_end[j])
        return late

    def critical(self, early: PassResult, late: np.ndarray) -> np.ndarray:
        """(tasks, iterations) booleans: total float <= 0, as the CPM marks critical tasks."""
        net = self.net
        out = np.zeros((self.task_count, late.shape[1]), dtype=bool)
        for j in self.leaves:
            if net.instant[j]:
                vt = self.vt[j]
                out[j] = vt.work_at(late[j]) <= vt.work_at(early.position[j])
            else:
                out[j] = late[j] <= early.position[j]
        return out
