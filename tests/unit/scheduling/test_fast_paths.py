"""The shortcuts the scheduling pass takes for speed give what the plain ways give.

Calendars compiled by masking a shared week layout, removed days united as arrays, a node's edges
as slices of one tuple, and one conversion for the extreme of several instants.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from plansmith.domain.calendar import Calendar, WeekPattern, standard_week
from plansmith.domain.model import Dependency, DependencyType, Project, Task
from plansmith.scheduling.network import build_network
from plansmith.scheduling.rules import converted
from plansmith.scheduling.timeline import (
    HorizonExceededError,
    Timeline,
    WeekLayouts,
    WorkingTime,
    day_offsets,
    union,
)

ORIGIN = date(2027, 1, 6)  # a Wednesday
NIGHT = ((0, 360), (1320, 1440))


def _arrays(tl: Timeline) -> tuple[list[int], ...]:
    return tuple(list(getattr(tl, name)) for name in ("_starts", "_ends", "_cum", "_cum_end"))


def test_union_equals_numpy_union() -> None:
    rng = np.random.default_rng(7)
    for _ in range(500):
        a = np.unique(rng.integers(-40, 40, rng.integers(0, 15)))
        b = rng.integers(-40, 40, rng.integers(0, 15))
        assert np.array_equal(union(a, b), np.union1d(a, b))


@pytest.mark.parametrize(
    "week",
    [
        standard_week(),
        WeekPattern((NIGHT, NIGHT, NIGHT, NIGHT, NIGHT, ((0, 1440),), ((0, 1440),))),
        WeekPattern(((), (), (), (), (), ((480, 1080),), ((480, 1080),))),
    ],
    ids=["office", "nights-and-weekend", "weekend"],
)
def test_timelines_sharing_a_layout_equal_standalone_ones(week: WeekPattern) -> None:
    rng = np.random.default_rng(3)
    layouts = WeekLayouts(ORIGIN)
    for k in range(20):
        days = {ORIGIN + timedelta(days=int(d)) for d in rng.integers(-200, 3000, k * 15)}
        calendar = Calendar(f"c{k}", week, frozenset(days))
        shared = Timeline(WorkingTime.of(calendar, ORIGIN), ORIGIN, layouts)
        alone = Timeline(calendar, ORIGIN)
        assert _arrays(shared) == _arrays(alone)
        for t in (-400 * 1440, 5000 * 1440):  # growing keeps them equal
            assert shared.work_at(t) == alone.work_at(t)
            assert _arrays(shared) == _arrays(alone)
        assert shared.calendar.holidays == frozenset(days)


def test_working_time_rebuilds_its_calendar_only_when_asked() -> None:
    days = [ORIGIN + timedelta(days=3), ORIGIN - timedelta(days=400)]
    working = WorkingTime("resource:ann", standard_week(), day_offsets(days, ORIGIN), "Ann")
    calendar = Timeline(working, ORIGIN).calendar
    assert calendar == Calendar("resource:ann", standard_week(), frozenset(days), "Ann")


def test_cover_grows_or_refuses_as_a_conversion_would() -> None:
    tl = Timeline(Calendar("office", standard_week()), ORIGIN)
    far = 300 * 366 * 1440
    with pytest.raises(HorizonExceededError):
        tl.cover(far)
    with pytest.raises(HorizonExceededError):
        tl.work_at(far)
    past = -50 * 366 * 1440
    tl.cover(past)
    assert tl.work_at(past) == Timeline(Calendar("office", standard_week()), ORIGIN).work_at(past)


def test_converted_is_the_extreme_position() -> None:
    tl = Timeline(Calendar("office", standard_week()), ORIGIN)
    instants = [17, 1440 * 3 + 700, -1440 * 9, 1440 * 400 + 5]
    assert converted(tl, max(instants), min(instants)) == max(map(tl.work_at, instants))
    assert converted(tl, min(instants), max(instants)) == min(map(tl.work_at, instants))
    with pytest.raises(HorizonExceededError):  # the other extreme is still checked
        converted(tl, 0, 300 * 366 * 1440)


def _project() -> Project:
    def task(tid: str, parent: str | None, *deps: tuple[str, DependencyType]) -> Task:
        return Task(
            tid,
            tid,
            wbs=tid,
            parent=parent,
            duration=480,
            dependencies=tuple(Dependency(p, kind, 0) for p, kind in deps),
        )

    tasks = (
        Task("phase", "phase", wbs="1", children=("a", "b", "c")),
        task("a", "phase"),
        task("b", "phase", ("a", DependencyType.FS)),
        task("c", "phase", ("a", DependencyType.SS), ("b", DependencyType.FF)),
        task("d", None, ("phase", DependencyType.FS), ("b", DependencyType.SF)),
        task("e", None, ("d", DependencyType.FS), ("phase", DependencyType.SS)),
    )
    office = Calendar("office", standard_week())
    return Project("p", "P", ORIGIN, "office", {"office": office}, tasks=tasks)


def test_edges_per_node_are_the_edges_in_order() -> None:
    network, diagnostics = build_network(_project())
    assert network is not None, diagnostics
    nodes = len(network.node_task)
    for j in range(nodes):
        assert network.incoming[j] == tuple(
            k for k in range(len(network.pred)) if network.succ[k] == j
        )
        assert network.outgoing[j] == tuple(
            k for k in range(len(network.pred)) if network.pred[k] == j
        )
    edge = network.edges[3]
    assert (edge.pred, edge.pred_finish, edge.succ, edge.succ_finish, edge.lag) == (
        network.pred[3],
        network.pred_finish[3],
        network.succ[3],
        network.succ_finish[3],
        network.lag[3],
    )


def test_span_is_start_of_and_finish_of() -> None:
    lunch = ((480, 720), (780, 1020))
    week = WeekPattern((lunch, lunch, lunch, lunch, ((480, 720),), (), ()))
    holidays = frozenset(ORIGIN + timedelta(days=k) for k in (2, 3, 40, 41, 42))
    together = Timeline(Calendar("c", week, holidays), ORIGIN)
    apart = Timeline(Calendar("c", week, holidays), ORIGIN)
    for w in (*range(-3000, 3000, 61), 900_000, -400_000):
        for d in (1, 239, 240, 241, 480, 4567):
            assert together.span(w, d) == (apart.start_of(w), apart.finish_of(w + d)), (w, d)
