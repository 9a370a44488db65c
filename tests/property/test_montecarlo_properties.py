"""Invariants of the Monte Carlo simulation on random networks and random calendars.

The networks and calendars are the CPM property tests' own strategies (links of every type, lags
of both signs, milestones, summaries with links to and from them, constraints). The key property
is that the vectorised passes are the critical-path passes: for every iteration, every node's
dates and the critical set equal a CPM run of the plan with that iteration's durations.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import orjson
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plansmith.analytics.montecarlo import Simulation, SimulationOptions, simulate
from plansmith.analytics.risk_report import LEVELS, RiskReport, report
from plansmith.analytics.tally import Tally
from plansmith.analytics.vector_passes import VectorPasses
from plansmith.analytics.vector_timeline import VectorTimeline
from plansmith.domain.calendar import Calendar, WeekPattern
from plansmith.domain.model import Dependency, DependencyType, Project, Task
from plansmith.domain.risk import Distribution, Risk, ThreePoint
from plansmith.io.simulation_json import simulation_to_json
from plansmith.scheduling.cpm import CpmPasses, run_cpm
from plansmith.scheduling.result import ScheduleResult
from tests.unit.test_montecarlo import without_limits

from .test_cpm_properties import ORIGIN, projects, projects_with_a_summary

MIDNIGHT = datetime(ORIGIN.year, ORIGIN.month, ORIGIN.day)
# whole simulations per example: fewer examples than the profile's (a third, a sixth)
SOME = settings(max_examples=max(10, settings.default.max_examples // 3))
FEWER = settings(max_examples=max(10, settings.default.max_examples // 6))


def _leaves(project: Project) -> list[int]:
    return [j for j, t in enumerate(project.tasks) if not t.is_summary and not t.is_milestone]


@st.composite
def networks(draw: st.DrawFn) -> Project:
    """A CPM property-test network, sometimes with a summary, sometimes with constraints."""
    project = draw(projects_with_a_summary())[0] if draw(st.booleans()) else draw(projects())
    tasks = list(project.tasks)
    for _ in range(draw(st.integers(0, 2))):
        j = draw(st.integers(0, len(tasks) - 1))
        key = draw(
            st.sampled_from(
                ["start_no_earlier_than", "finish_no_later_than", "deadline", "must_start_on"]
            )
        )
        if key == "must_start_on" and tasks[j].is_summary:
            continue
        at = MIDNIGHT + timedelta(minutes=draw(st.integers(0, 30 * 1440)))
        tasks[j] = replace(tasks[j], **{key: at})
    return replace(project, tasks=tuple(tasks))


def _with_durations(project: Project, durations: dict[int, int]) -> Project:
    tasks = list(project.tasks)
    for j, d in durations.items():
        tasks[j] = replace(tasks[j], duration=d)
    return replace(project, tasks=tuple(tasks))


# -- the key property: the vectorised passes are the CPM ---------------------------------------


# Any length, or one that ends exactly at the end of a calendar's working range (the shapes of
# test_cpm_properties have ranges of 10, 120, 180, 300, 360, 480 and 1440 minutes), where the
# rules that depend on breaks between working ranges come into play.
HOURS = st.integers(1, 20).map(lambda hours: 60 * hours)
DURATIONS = st.one_of(
    st.integers(1, 3000), st.sampled_from([10, 60, 120, 180, 300, 360, 480, 960, 1440]), HOURS
)


def _dates(vt: VectorTimeline, instant: bool, w: int, d: int) -> tuple[int, int]:
    if instant:
        return w, w
    return int(vt.start_of(np.array([w]))[0]), int(vt.finish_of(np.array([w + d]))[0])


def assert_vector_passes_equal_the_cpm(
    project: Project, data: st.DataObject, durations: st.SearchStrategy[int] = DURATIONS
) -> None:
    """Draw 1-4 iterations of leaf durations; pass them through the vectorised passes at once
    and compare each iteration with a CPM run of the plan with those durations."""
    _, passes = run_cpm(project)
    assume(passes is not None)
    assert passes is not None
    net = passes.net
    leaves = _leaves(project)
    iterations = data.draw(st.integers(1, 4), label="iterations")
    duration = np.zeros((len(net.node_task), iterations), dtype=np.int64)
    for j in leaves:
        duration[j] = data.draw(
            st.lists(durations, min_size=iterations, max_size=iterations),
            label=f"durations of {project.tasks[j].id}",
        )
    vp = VectorPasses(net, passes.rules.bounds, len(project.tasks))
    early = vp.forward(duration)
    late = vp.backward(early)
    critical = vp.critical(early, late)
    for i in range(iterations):
        variant = _with_durations(project, {j: int(duration[j, i]) for j in leaves})
        result, other = run_cpm(variant)
        assume(other is not None)  # a horizon the variant exceeds
        assert other is not None
        assert int(early.finish[i]) == other.finish == result.finish, i
        for j in net.order:  # leaves, milestones and gates (summaries are rolled up later)
            instant = net.instant[j]
            d = int(duration[j, i])
            vt = vp.vt[j]
            es, ef = _dates(vt, instant, int(early.position[j, i]), d)
            ls, lf = _dates(vt, instant, int(late[j, i]), d)
            assert (es, ef, ls, lf) == (other.es[j], other.ef[j], other.ls[j], other.lf[j]), (
                i,
                j,
            )
            if not instant:
                assert early.position[j, i] == other.es_w[j]
                assert late[j, i] == other.ls_w[j]
        expected = {t.id for t in result.tasks if t.critical and not t.summary}
        got = {project.tasks[j].id for j in range(len(project.tasks)) if critical[j, i]}
        assert got == expected, i


@given(networks(), st.data())
def test_vector_passes_equal_the_cpm_for_every_iteration(
    project: Project, data: st.DataObject
) -> None:
    assert_vector_passes_equal_the_cpm(project, data)


LUNCH = ((540, 720), (780, 1080))
NIGHT = ((0, 360), (1320, 1440))  # continues over midnight: no break there
ALIGNED_WEEKS = [
    WeekPattern((LUNCH, LUNCH, LUNCH, LUNCH, LUNCH, (), ())),
    WeekPattern((NIGHT, NIGHT, (), NIGHT, NIGHT, ((540, 600),), ())),
]


@st.composite
def aligned_networks(draw: st.DrawFn) -> Project:
    """Calendars whose ranges start and end on the hour, durations and lags in whole hours: tasks
    often start right after a break, where start-to-finish and finish-to-finish links without
    lag need the break rules (a finish cannot be the instant after a break)."""
    cals = {f"c{k}": Calendar(f"c{k}", w) for k, w in enumerate(ALIGNED_WEEKS)}
    ids = draw(st.sampled_from([["c0"], ["c1"], ["c0", "c1"]]))
    tasks = []
    for j in range(draw(st.integers(2, 8))):
        deps = [
            Dependency(
                f"t{p}",
                draw(st.sampled_from([*DependencyType, DependencyType.SF, DependencyType.FF])),
                draw(st.sampled_from([0, 0, 0, 60, -60, 180])),
            )
            for p in sorted(draw(st.sets(st.integers(0, j - 1), max_size=3)) if j else [])
        ]
        milestone = j > 0 and draw(st.integers(0, 5)) == 0
        tasks.append(
            Task(
                id=f"t{j}",
                name=f"T{j}",
                wbs=str(j + 1),
                duration=0 if milestone else 60 * draw(st.integers(1, 20)),
                milestone=milestone,
                dependencies=tuple(deps),
                calendar=draw(st.sampled_from(ids)),
            )
        )
    return Project("p", "P", ORIGIN, ids[0], {c: cals[c] for c in ids}, tuple(tasks))


@given(aligned_networks(), st.data())
def test_vector_passes_equal_the_cpm_across_breaks(project: Project, data: st.DataObject) -> None:
    assert_vector_passes_equal_the_cpm(project, data, HOURS)


@SOME
@given(networks())
def test_zero_width_estimates_reproduce_the_cpm(project: Project) -> None:
    tasks = list(project.tasks)
    for j in _leaves(project):
        d = float(tasks[j].duration)
        tasks[j] = replace(
            tasks[j], estimate=ThreePoint(d, d, d, Distribution(list(Distribution)[j % 4]))
        )
    project = replace(project, tasks=tuple(tasks))
    cpm, passes = run_cpm(project)
    assume(passes is not None)
    rep, tally = _simulate(project, 64, seed=0)
    assert np.all(tally.finishes() == cpm.finish)
    assert all(v == cpm.finish for v in rep.finish.percentiles.values())
    # Criticality is the network's own (finish limits and must-start dates left out).
    network_only, _ = run_cpm(without_limits(project))
    flags = {t.id: t.critical for t in network_only.tasks}
    assert all(row.criticality == float(flags[row.id]) for row in rep.tasks)


# -- simulations of uncertain plans -------------------------------------------------------------


@st.composite
def estimates(draw: st.DrawFn) -> ThreePoint:
    low = draw(st.integers(1, 600))
    likely = draw(st.integers(low, low + 600))
    high = draw(st.integers(likely, likely + 600))
    return ThreePoint(low, likely, high, draw(st.sampled_from(list(Distribution))))


def fs_ss_only(project: Project) -> Project:
    """Finish-to-finish and start-to-finish links made FS and SS: then a longer task never makes
    the project finish sooner (with FF, a longer successor can start, and release its own SS
    successors, earlier), so the optimistic CPM is a lower bound of every iteration."""
    swap = {DependencyType.FF: DependencyType.FS, DependencyType.SF: DependencyType.SS}

    def plain(task: Task) -> Task:
        deps = tuple(
            Dependency(d.predecessor, swap.get(d.type, d.type), d.lag, d.origin)
            for d in task.dependencies
        )
        return replace(task, dependencies=deps)

    return replace(project, tasks=tuple(plain(t) for t in project.tasks))


@st.composite
def uncertain_projects(draw: st.DrawFn, *, monotone: bool = False) -> Project:
    project = draw(networks())
    if monotone:
        project = fs_ss_only(project)
    tasks = list(project.tasks)
    leaves = _leaves(project)
    for j in leaves:
        if draw(st.integers(0, 4)):  # most leaves estimated, some fixed
            e = draw(estimates())
            tasks[j] = replace(tasks[j], duration=int(e.likely), estimate=e)
    risks = []
    for k in range(draw(st.integers(0, 2))):
        named = draw(
            st.lists(st.sampled_from([tasks[j].id for j in leaves]), max_size=2, unique=True)
        )
        risks.append(
            Risk(
                f"r{k}",
                f"Risk {k}",
                draw(st.floats(0, 1)),
                tasks=tuple(named),
                schedule=draw(estimates()) if named else None,
                cost=ThreePoint(100.0, 200.0, 900.0) if draw(st.booleans()) else None,
            )
        )
    return replace(project, tasks=tuple(tasks), risks=tuple(risks))


def _simulate(
    project: Project, iterations: int, seed: int, *, latin: bool = False, workers: int = 1
) -> tuple[RiskReport, Tally]:
    cpm, passes = run_cpm(project)
    assert passes is not None
    model = Simulation.build(project, cpm, passes)
    options = SimulationOptions(iterations=iterations, seed=seed, latin=latin, workers=workers)
    tally, precision = simulate(model, options)
    return report(model, tally, options, precision), tally


def _cpm_with(project: Project, pick: str) -> tuple[ScheduleResult, CpmPasses | None]:
    """The plan with every estimated duration at one end of its range (risks at their worst
    for the pessimistic end)."""
    durations = {}
    extra = dict.fromkeys(range(len(project.tasks)), 0)
    index = {t.id: j for j, t in enumerate(project.tasks)}
    if pick == "pessimistic":
        for risk in project.risks:
            if risk.schedule is not None:
                for tid in risk.tasks:
                    extra[index[tid]] += int(risk.schedule.pessimistic)
    for j in _leaves(project):
        e = project.tasks[j].estimate
        base = int(getattr(e, pick)) if e is not None else project.tasks[j].duration
        durations[j] = base + extra[j]
    return run_cpm(_with_durations(project, durations))


def _ordered(spread_percentiles: dict[int, float]) -> bool:
    values = [spread_percentiles[p] for p in LEVELS]
    return values == sorted(values)


@SOME
@given(uncertain_projects(), st.booleans(), st.integers(0, 2**32 - 1))
def test_percentiles_are_ordered_and_shares_are_between_zero_and_one(
    project: Project, latin: bool, seed: int
) -> None:
    assume(run_cpm(project)[1] is not None)
    rep, _ = _simulate(project, 150, seed, latin=latin)
    for spread in (rep.finish, rep.finish_work, rep.cost):
        assert _ordered(spread.percentiles)
        assert spread.low <= spread.percentiles[10]
        assert spread.percentiles[95] <= spread.high
        assert spread.std >= 0
    # (the mean finish instant is not always within [low, high]: see test_montecarlo.py,
    # test_the_mean_finish_of_identical_iterations_is_their_finish)
    for spread in (rep.finish_work, rep.cost):
        assert spread.low - 1e-6 <= spread.mean <= spread.high + 1e-6
    assert all(0.0 <= t.criticality <= 1.0 for t in rep.tasks)
    assert all(-1.0 <= t.sensitivity <= 1.0 for t in rep.tasks)
    assert all(0.0 <= r.occurrence <= 1.0 for r in rep.risks)
    assert all(0.0 <= m.p_on_time <= 1.0 for m in rep.targets)
    assert rep.iterations == 150
    # some leaf is critical in every iteration: the one that finishes last
    assert max(t.criticality for t in rep.tasks) > 0 or not rep.tasks


@SOME
@given(uncertain_projects(monotone=True), st.booleans(), st.integers(0, 2**32 - 1))
def test_no_iteration_finishes_before_the_optimistic_cpm(
    project: Project, latin: bool, seed: int
) -> None:
    optimistic, passes = _cpm_with(project, "optimistic")
    assume(passes is not None and run_cpm(project)[1] is not None)
    rep, tally = _simulate(project, 150, seed, latin=latin)
    assert rep.finish.low >= optimistic.finish
    assert tally.finishes().min() >= optimistic.finish
    bounded = all(
        t.estimate is None or t.estimate.distribution is not Distribution.LOGNORMAL
        for t in project.tasks
    ) and all(
        r.schedule is None or r.schedule.distribution is not Distribution.LOGNORMAL
        for r in project.risks
    )
    if bounded:
        pessimistic, passes = _cpm_with(project, "pessimistic")
        assume(passes is not None)
        assert rep.finish.high <= pessimistic.finish


# -- determinism --------------------------------------------------------------------------------


def _json(project: Project, rep: RiskReport) -> bytes:
    return orjson.dumps(simulation_to_json(project, rep, ()))


@FEWER
@given(uncertain_projects(), st.integers(0, 2**32 - 1), st.booleans())
def test_the_same_seed_gives_identical_json(project: Project, seed: int, latin: bool) -> None:
    assume(run_cpm(project)[1] is not None)
    first, _ = _simulate(project, 200, seed, latin=latin)
    again, _ = _simulate(project, 200, seed, latin=latin)
    assert _json(project, first) == _json(project, again)


@FEWER
@given(uncertain_projects(), st.integers(0, 2**32 - 1), st.booleans())
def test_one_core_and_two_cores_give_identical_json(
    project: Project, seed: int, latin: bool
) -> None:
    assume(run_cpm(project)[1] is not None)
    one, _ = _simulate(project, 200, seed, latin=latin, workers=1)
    two, _ = _simulate(project, 200, seed, latin=latin, workers=2)
    assert _json(project, one) == _json(project, two)
