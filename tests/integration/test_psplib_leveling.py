"""Leveling PSPLIB instances: feasible by an independent check, never below the proven bound, and
as close to the best known makespan as measured (bench/psplib.py runs the full sets).

The fast-mode budget is a schedule count, not a time, so results are the same on any machine.
Measured with 300 schedules, seed 0 (engine of commit 6059adc): j301_1 43 (= optimum), j3021_8 67
(opt. 62), j3013_8 114 (opt. 106), j601_1 77 (= optimum = critical path), j6013_5 106 (best known
97), j1201_1 112 (opt. 105): at most 8.1 % above the optimum on j30 and 9.3 % above the best
known makespan on j60 and j120."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from plansmith.domain.model import Project
from plansmith.io.psplib import read_sm
from plansmith.scheduling import heuristics
from plansmith.scheduling.cpm import run_cpm
from plansmith.scheduling.leveling import (
    LevelingOptions,
    LevelMode,
    LevelStatus,
    build_model,
    level_project,
)
from plansmith.scheduling.result import ScheduleResult
from plansmith.scheduling.sgs import Placement

DATA = Path(__file__).resolve().parents[1] / "data" / "psplib"
SCHEDULES = 300
SEED = 0
WITHIN = {"j30": 0.10, "j60": 0.12, "j120": 0.12}  # over the best known makespan at SCHEDULES
REACHES_OPTIMUM = {"j301_1", "j601_1"}


def bounds() -> dict[str, tuple[int, int]]:
    with (DATA / "bounds.csv").open(newline="") as f:
        return {
            r["instance"]: (int(r["lower_bound"]), int(r["upper_bound"])) for r in csv.DictReader(f)
        }


BOUNDS = bounds()


def check_feasible(project: Project, schedule: ScheduleResult) -> int:
    """Recompute everything from the returned dates; return the makespan in time units."""
    assert schedule.ok
    origin = schedule.start
    placed = {t.id: (t.start - origin, t.finish - origin) for t in schedule.tasks}
    assert set(placed) == {t.id for t in project.tasks}
    capacity = {r.id: r.capacity for r in project.resources}
    makespan = max(finish for _, finish in placed.values())
    use = {r: [0.0] * makespan for r in capacity}
    for task in project.tasks:
        start, finish = placed[task.id]
        assert start >= 0
        assert finish - start == task.duration, task.id
        for dep in task.dependencies:
            assert placed[dep.predecessor][1] <= start, (dep.predecessor, task.id)
        for a in task.assignments:
            for t in range(start, finish):
                use[a.resource][t] += a.units
    for r, per_unit in use.items():
        over = [t for t, units in enumerate(per_unit) if units > capacity[r]]
        assert not over, f"{r} over capacity at {over[:5]}"
    return makespan


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_fast_leveling_is_feasible_and_close(name: str):
    instance = read_sm(DATA / f"{name}.sm")
    options = LevelingOptions(LevelMode.FAST, schedules=SCHEDULES, seed=SEED)
    result = level_project(instance.project, options)
    makespan = check_feasible(instance.project, result.schedule)
    lower, upper = BOUNDS[name]
    assert makespan == result.finish - result.schedule.start
    assert makespan >= lower >= instance.critical_path
    assert result.lower_bound - result.schedule.start <= lower  # the engine's bound is valid
    assert makespan <= upper * (1 + WITHIN[name[:4] if name.startswith("j120") else name[:3]])
    if name in REACHES_OPTIMUM:
        assert makespan == upper
    if result.status is LevelStatus.OPTIMAL:
        assert makespan == lower


def test_same_seed_same_schedule():
    project = read_sm(DATA / "j3013_8.sm").project
    options = LevelingOptions(LevelMode.FAST, schedules=100, seed=7)
    first = level_project(project, options).schedule
    second = level_project(project, options).schedule
    assert [(t.start, t.finish) for t in first.tasks] == [(t.start, t.finish) for t in second.tasks]


def test_optimal_mode_proves_the_optimum():
    """Fast mode stops at 67 here (300 schedules); CP-SAT proves the optimum of 62 well within
    10 s (1.1 to 2.8 s end to end measured with the machine's two cores at load 7). A small
    schedule budget keeps the warm start short."""
    instance = read_sm(DATA / "j3021_8.sm")
    options = LevelingOptions(LevelMode.OPTIMAL, time_limit=10.0, schedules=100, seed=SEED)
    result = level_project(instance.project, options)
    makespan = check_feasible(instance.project, result.schedule)
    assert makespan == BOUNDS["j3021_8"][1] == 62
    assert result.status is LevelStatus.OPTIMAL
    assert result.lower_bound - result.schedule.start == 62


def test_the_search_breeds_from_the_schedules_it_is_given():
    """Optimal mode hands CP-SAT's schedule to the genetic search: with a budget of one
    schedule the search must return the given one (justified), not its first rule's."""
    project = read_sm(DATA / "j3013_8.sm").project
    _, passes = run_cpm(project)
    assert passes is not None
    model, _ = build_model(project, passes)
    assert model is not None
    n = model.task_count

    def search(budget: int, seeds: tuple[Placement, ...] = ()) -> Placement:
        options = LevelingOptions(time_limit=600.0, schedules=budget, seed=SEED)
        return heuristics.search(model, options, time.perf_counter(), seeds=seeds)[0]

    good = search(SCHEDULES)
    alone = search(1)
    assert heuristics.makespan(alone, n) > heuristics.makespan(good, n)  # the test can fail
    seeded = search(1, (good,))
    assert heuristics.key(seeded, n) <= heuristics.key(good, n)
