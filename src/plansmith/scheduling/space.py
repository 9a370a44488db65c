"""The time axes the schedule generators work on.

Generators place one node at a time at a *position* and read its *span* on a common axis where
resource use is compared. Two axes give the same answers with different costs:

- :class:`WorkSpace` when every task and the lags share one calendar: positions and spans are
  working minutes of that calendar, so a task of duration d spans [w, w + d) and every rule is
  integer arithmetic (a plain RCPSP, as PSPLIB instances and CP-SAT want it).
- :class:`CalendarSpace` otherwise: spans are wall-clock minutes, and the calendar arithmetic of
  :mod:`plansmith.scheduling.rules` places each task on its own calendar.

Over one calendar, two tasks' wall-clock spans overlap exactly when their working spans do, so
comparing resource use on either axis is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from plansmith.scheduling.rules import FAR, LinkRules


class TimeSpace(Protocol):
    def earliest(self, j: int, start: Sequence[int], finish: Sequence[int]) -> int: ...

    def latest(self, j: int, start: Sequence[int], finish: Sequence[int], horizon: int) -> int: ...

    def span(self, j: int, position: int) -> tuple[int, int]: ...

    def starting_at_or_after(self, j: int, t: int) -> int:
        """The least position whose span starts at or after ``t``."""
        ...

    def finishing_at_or_before(self, j: int, t: int) -> int:
        """The greatest position whose span ends at or before ``t``."""
        ...

    def to_wall(self, t: int) -> int:
        """An axis value as minutes from the origin (for instants and horizons)."""
        ...

    def from_wall(self, t: int) -> int: ...


class CalendarSpace:
    def __init__(self, rules: LinkRules) -> None:
        self.rules = rules
        self.net = rules.net

    def earliest(self, j: int, start: Sequence[int], finish: Sequence[int]) -> int:
        return self.rules.earliest(j, start, finish)

    def latest(self, j: int, start: Sequence[int], finish: Sequence[int], horizon: int) -> int:
        return self.rules.latest(j, start, finish, horizon)

    def span(self, j: int, position: int) -> tuple[int, int]:
        return self.rules.dates(j, position)

    def starting_at_or_after(self, j: int, t: int) -> int:
        return t if self.net.instant[j] else self.net.timelines[j].work_at(t)

    def finishing_at_or_before(self, j: int, t: int) -> int:
        if self.net.instant[j]:
            return t
        return self.net.timelines[j].work_at(t) - self.net.duration[j]

    def to_wall(self, t: int) -> int:
        return t

    def from_wall(self, t: int) -> int:
        return t


class WorkSpace:
    """Working minutes of the one calendar all tasks and lags use; W(origin) = 0."""

    def __init__(self, rules: LinkRules, release: Sequence[int | None]) -> None:
        net = rules.net
        self.net = net
        self.timeline = net.project_timeline
        tl = self.timeline
        self.duration = net.duration
        self.task_count = rules.task_count
        bounds = rules.bounds
        self._release = [
            max(tl.work_at(0), tl.work_at(b) if b is not None else tl.work_at(0))
            if j < rules.task_count
            else -FAR
            for j, b in enumerate(release)
        ]
        self._limit = [tl.work_at(b) if b is not None else None for b in bounds.latest_finish]
        self._must = [tl.work_at(b) if b is not None else None for b in bounds.latest_start]
        self._in = [
            [(e.pred, e.pred_finish, e.succ_finish, e.lag) for e in (net.edges[k] for k in ks)]
            for ks in net.incoming
        ]
        self._out = [
            [(e.succ, e.succ_finish, e.pred_finish, e.lag) for e in (net.edges[k] for k in ks)]
            for ks in net.outgoing
        ]

    def release(self, j: int) -> int:
        """The earliest position the project start and ``j``'s own constraints allow."""
        return self._release[j]

    def earliest(self, j: int, start: Sequence[int], finish: Sequence[int]) -> int:
        d = self.duration[j]
        w = self._release[j]
        for pred, pred_finish, succ_finish, lag in self._in[j]:
            c = (finish[pred] if pred_finish else start[pred]) + lag
            if succ_finish:
                c -= d
            w = max(w, c)
        return w

    def latest(self, j: int, start: Sequence[int], finish: Sequence[int], horizon: int) -> int:
        d = self.duration[j]
        w = (horizon if j < self.task_count else FAR) - d
        limit = self._limit[j]
        if limit is not None:
            w = min(w, limit - d)
        must = self._must[j]
        if must is not None:
            w = min(w, must)
        for succ, succ_finish, pred_finish, lag in self._out[j]:
            b = (finish[succ] if succ_finish else start[succ]) - lag
            if pred_finish:
                b -= d
            w = min(w, b)
        return w

    def span(self, j: int, position: int) -> tuple[int, int]:
        return position, position + self.duration[j]

    def starting_at_or_after(self, j: int, t: int) -> int:
        return t

    def finishing_at_or_before(self, j: int, t: int) -> int:
        return t - self.duration[j]

    def to_wall(self, t: int) -> int:
        return self.timeline.finish_of(t)

    def from_wall(self, t: int) -> int:
        return self.timeline.work_at(t)
