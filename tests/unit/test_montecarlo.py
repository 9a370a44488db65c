"""Monte Carlo schedule risk against known answers.

Every expected value is worked out independently of the engine: sums of PERT means and exact beta
variances, the maximum of two independent path sums drawn with ``numpy.random.Generator.beta``,
binomial shares for risks, closed-form CDFs for milestones, and the critical-path schedule itself
for zero-width estimates. Random checks use fixed seeds and tolerances of a few standard errors.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from plansmith.analytics.estimate import pert_totals, reserve
from plansmith.analytics.leveled_simulation import LeveledBatches
from plansmith.analytics.montecarlo import (
    CpmBatches,
    Simulation,
    SimulationOptions,
    plan_batches,
    run_batches,
    simulate,
)
from plansmith.analytics.risk_report import LEVELS, RiskReport, TaskRisk, report
from plansmith.analytics.tally import Tally
from plansmith.analytics.uncertainty import Uncertainty
from plansmith.analytics.vector_passes import VectorPasses
from plansmith.domain.calendar import Calendar, WeekPattern
from plansmith.domain.model import (
    Assignment,
    Dependency,
    DependencyType,
    Project,
    Resource,
    Task,
)
from plansmith.domain.risk import Correlation, Distribution, Risk, RiskStatus, ThreePoint
from plansmith.io.plan_file import load_plan, load_plan_text
from plansmith.scheduling.cpm import run_cpm
from plansmith.scheduling.leveling import LevelingOptions, level_project
from plansmith.scheduling.result import ScheduleResult

Z = 4.0  # standard errors allowed for a random check
ORIGIN = date(2027, 1, 4)  # a Monday
MIDNIGHT = datetime(2027, 1, 4)
ALWAYS = Calendar("always", WeekPattern(tuple(((0, 1440),) for _ in range(7))))  # type: ignore[arg-type]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# -- building and running plans -----------------------------------------------------------------


def leaf(
    task_id: str,
    estimate: ThreePoint | None = None,
    *,
    duration: int | None = None,
    after: tuple[str, ...] = (),
    **fields: object,
) -> Task:
    """A leaf planned at its likely value (as the loader plans an estimate-only task)."""
    planned = duration if duration is not None else int(estimate.likely) if estimate else 0
    deps = tuple(Dependency(p, DependencyType.FS, 0) for p in after)
    return Task(
        id=task_id,
        name=task_id.upper(),
        wbs="0",
        duration=planned,
        estimate=estimate,
        dependencies=deps,
        **fields,  # type: ignore[arg-type]
    )


def plan(
    *tasks: Task,
    risks: tuple[Risk, ...] = (),
    correlations: tuple[Correlation, ...] = (),
    resources: tuple[Resource, ...] = (),
) -> Project:
    """Tasks on one round-the-clock calendar, so working minutes are plain minutes."""
    numbered = tuple(replace(t, wbs=str(k + 1)) for k, t in enumerate(tasks))
    return Project(
        id="p",
        name="P",
        start=ORIGIN,
        calendar=ALWAYS.id,
        calendars={ALWAYS.id: ALWAYS},
        tasks=numbered,
        resources=resources,
        risks=risks,
        correlations=correlations,
    )


@dataclass
class Run:
    model: Simulation
    tally: Tally
    report: RiskReport

    @property
    def work(self) -> np.ndarray:
        """Working minutes after the deterministic finish, per iteration."""
        return self.tally.works().astype(np.float64)

    def task(self, task_id: str) -> TaskRisk:
        return next(t for t in self.report.tasks if t.id == task_id)


def model_of(project: Project) -> Simulation:
    cpm, passes = run_cpm(project)
    assert passes is not None, cpm.diagnostics
    return Simulation.build(project, cpm, passes)


def run(project: Project, iterations: int, seed: int = 0, **options: object) -> Run:
    model = model_of(project)
    options.setdefault("workers", 1)
    opts = SimulationOptions(iterations=iterations, seed=seed, **options)  # type: ignore[arg-type]
    tally, precision = simulate(model, opts)
    return Run(model, tally, report(model, tally, opts, precision))


def exact_var(e: ThreePoint) -> float:
    mean = e.pert_mean
    return (mean - e.optimistic) * (e.pessimistic - e.optimistic - (mean - e.optimistic)) / 7


def draw_pert(rng: np.random.Generator, e: ThreePoint, size: int | tuple[int, ...]) -> np.ndarray:
    """An independent PERT sampler: numpy's beta with shapes 1 + 4r and 1 + 4(1 - r)."""
    r = (e.likely - e.optimistic) / e.width
    return e.optimistic + e.width * rng.beta(1 + 4 * r, 1 + 4 * (1 - r), size)


ROUNDING_VAR = 1 / 12  # durations are rounded to whole minutes

CHAIN = [
    ThreePoint(240, 480, 1200),
    ThreePoint(60, 600, 900),
    ThreePoint(300, 300, 900),  # likely = optimistic
    ThreePoint(120, 480, 480),  # likely = pessimistic
    ThreePoint(600, 900, 2400),
    ThreePoint(30, 90, 600),
    ThreePoint(480, 960, 1440),
    ThreePoint(200, 250, 1000),
    ThreePoint(100, 700, 800),
    ThreePoint(360, 720, 2880),
]


def chain(estimates: list[ThreePoint]) -> Project:
    return plan(
        *(leaf(f"t{k}", e, after=(f"t{k - 1}",) if k else ()) for k, e in enumerate(estimates))
    )


# -- known answers: a serial chain ----------------------------------------------------------------


def test_serial_chain_converges_to_the_sum_of_pert_means_and_exact_variances() -> None:
    n = 40_000
    result = run(chain(CHAIN), n, seed=1)
    likely = sum(e.likely for e in CHAIN)
    mean = sum(e.pert_mean for e in CHAIN)
    var = sum(exact_var(e) for e in CHAIN) + len(CHAIN) * ROUNDING_VAR
    assert result.report.deterministic_finish == likely  # the plan is made on likely values
    work = result.work
    assert result.report.iterations == n
    assert abs(result.report.finish_work.mean - (mean - likely)) <= Z * math.sqrt(var / n)
    m4 = float(np.mean((work - work.mean()) ** 4))
    assert abs(result.report.finish_work.std**2 - var) <= Z * math.sqrt((m4 - var**2) / n)
    # on a round-the-clock calendar the finish instant is the sum of the durations
    assert abs(result.report.finish.mean - mean) <= Z * math.sqrt(var / n) + 1
    assert np.array_equal(result.tally.finishes() - likely, result.tally.works())
    # every task of a chain is critical in every iteration
    assert all(t.criticality == 1.0 for t in result.report.tasks)


def test_serial_chain_on_an_office_calendar_counts_working_minutes() -> None:
    """Working days, lunch breaks and weekends: the spread is in working minutes all the same."""
    text = textwrap.dedent(
        """\
        project: {id: c, name: Chain, start: 2027-01-04}
        tasks:
          - {id: a, name: A, estimate: {optimistic: 1d, likely: 2d, pessimistic: 6d}}
          - {id: b, name: B, after: [a], estimate: {optimistic: 3h, likely: 1d, pessimistic: 2d}}
          - {id: c, name: C, after: [b], estimate: {optimistic: 2d, likely: 2d, pessimistic: 9d}}
          - {id: d, name: D, after: [c], estimate: {optimistic: 1w, likely: 2w, pessimistic: 3w}}
          - {id: e, name: E, after: [d], estimate: {optimistic: 4h, likely: 5h, pessimistic: 6h}}
        """
    )
    project = load_plan_text(text).project
    assert project is not None
    estimates = [t.estimate for t in project.tasks if t.estimate is not None]
    assert estimates[0] == ThreePoint(480, 960, 2880)
    n = 30_000
    result = run(project, n, seed=2)
    mean = sum(e.pert_mean - e.likely for e in estimates)
    var = sum(exact_var(e) for e in estimates) + len(estimates) * ROUNDING_VAR
    assert abs(result.report.finish_work.mean - mean) <= Z * math.sqrt(var / n)
    assert abs(result.report.finish_work.std / math.sqrt(var) - 1) <= Z * math.sqrt(1 / (2 * n))
    # the finish instants fall in working time: the project calendar's finish of its work
    tl = result.model.passes.net.project_timeline
    zero = tl.work_at(result.report.deterministic_finish)
    for instant, work in zip(
        result.tally.finishes()[:200], result.tally.works()[:200], strict=True
    ):
        assert tl.finish_of(zero + int(work)) == instant


def test_each_iteration_of_a_chain_finishes_after_the_sum_of_its_durations() -> None:
    """Batch 0 of seed 7 redrawn by hand: the same durations, and the finish is their sum."""
    project = chain(CHAIN)
    model = model_of(project)
    seed = np.random.SeedSequence(7, spawn_key=(0,))
    tally = CpmBatches(model).run(seed, 500, False)
    draw = Uncertainty(project, len(model.passes.net.node_task)).draw(
        np.random.default_rng(np.random.SeedSequence(7, spawn_key=(0,))), 500, latin=False
    )
    durations = draw.duration[: len(CHAIN)]
    assert np.array_equal(tally.finishes(), durations.sum(axis=0))
    for row, e in zip(durations, CHAIN, strict=True):
        assert row.min() >= e.optimistic
        assert row.max() <= e.pessimistic
        assert np.array_equal(row, np.rint(row))


def test_sensitivity_of_a_chain_is_each_tasks_share_of_the_spread() -> None:
    """corr(X_i, sum) = sd_i / sd_sum for independent durations."""
    n = 40_000
    result = run(chain(CHAIN), n, seed=3)
    sds = [math.sqrt(exact_var(e) + ROUNDING_VAR) for e in CHAIN]
    total = math.sqrt(sum(s * s for s in sds))
    for k, sd in enumerate(sds):
        rho = sd / total
        sensitivity = result.task(f"t{k}").sensitivity
        assert abs(sensitivity - rho) <= Z * (1 - rho**2) / math.sqrt(n), k


def test_a_task_with_no_estimate_has_no_sensitivity() -> None:
    result = run(
        plan(leaf("a", ThreePoint(60, 120, 600)), leaf("b", duration=90, after=("a",))), 500
    )
    assert result.task("b").sensitivity == 0.0
    assert result.task("b").criticality == 1.0
    assert result.task("a").sensitivity > 0.99


# -- known answers: merge bias --------------------------------------------------------------------


PATH = ThreePoint(480, 720, 1920)  # r = 1/6, skewed right


def two_paths(k: int) -> Project:
    tasks = []
    for side in ("a", "b"):
        for i in range(k):
            tasks.append(leaf(f"{side}{i}", PATH, after=(f"{side}{i - 1}",) if i else ()))
    end = Task("end", "End", "0", milestone=True, dependencies=(
        Dependency(f"a{k - 1}"), Dependency(f"b{k - 1}"),
    ))  # fmt: skip
    return plan(*tasks, end)


def test_two_equal_parallel_paths_finish_at_the_expected_maximum() -> None:
    k, n, m = 6, 40_000, 400_000
    result = run(two_paths(k), n, seed=4)
    finish = result.work + k * PATH.likely  # minutes from the start
    # the reference: the same distribution drawn by numpy's beta, rounded, summed, maximised
    rng = np.random.default_rng(12345)
    paths = np.rint(draw_pert(rng, PATH, (2, k, m))).sum(axis=1)
    reference = paths.max(axis=0)
    se = math.sqrt(finish.var() / n + reference.var() / m)
    assert abs(finish.mean() - reference.mean()) <= Z * se
    # the merge bias: well above the sum of means, at mean + sigma / sqrt(pi) (normal theory)
    mu = k * PATH.pert_mean
    sigma = math.sqrt(k * (exact_var(PATH) + ROUNDING_VAR))
    assert finish.mean() - mu > 0.5 * sigma / math.sqrt(math.pi)
    assert abs(finish.mean() - (mu + sigma / math.sqrt(math.pi))) <= 0.02 * sigma + Z * se
    # percentiles: each simulated P lies between the reference quantiles at p -/+ 4 binomial SE
    ordered = np.sort(reference)
    for p in LEVELS:
        q = p / 100
        spread = Z * math.sqrt(q * (1 - q) / n)
        low = ordered[math.floor((q - spread) * m)]
        high = ordered[math.ceil((q + spread) * m)]
        assert low <= result.report.finish_work.percentiles[p] + k * PATH.likely <= high, p


def test_each_of_two_equal_paths_is_critical_about_half_the_time() -> None:
    k, n = 4, 20_000
    result = run(two_paths(k), n, seed=5)
    a = {result.task(f"a{i}").criticality for i in range(k)}
    b = {result.task(f"b{i}").criticality for i in range(k)}
    assert len(a) == 1, "a path is critical as a whole"
    assert len(b) == 1
    share_a, share_b = a.pop(), b.pop()
    assert abs(share_a - 0.5) <= Z * math.sqrt(0.25 / n)
    # both are critical exactly when the paths tie (rare with minutes)
    assert 1.0 <= share_a + share_b <= 1.0 + 0.01
    assert result.task("end").criticality == 1.0


# -- known answers: risks -----------------------------------------------------------------------


def risky(probability: float, **fields: object) -> Project:
    defaults: dict[str, object] = {
        "schedule": ThreePoint(600, 600, 600),
        "cost": ThreePoint(5000, 5000, 5000),
        "tasks": ("a",),
    }
    defaults.update(fields)
    risk = Risk("r", "Vendor late", probability, **defaults)  # type: ignore[arg-type]
    return plan(leaf("a", duration=1440), leaf("b", duration=60, after=("a",)), risks=(risk,))


@pytest.mark.parametrize("p", [0.05, 0.3, 0.8])
def test_a_risk_occurs_in_about_p_of_the_iterations(p: float) -> None:
    n = 20_000
    result = run(risky(p), n, seed=6)
    (row,) = result.report.risks
    assert abs(row.occurrence - p) <= Z * math.sqrt(p * (1 - p) / n)
    assert row.probability == p
    # exactly the iterations it occurred in are 600 minutes late and 5000 dearer
    work = result.work
    assert set(np.unique(work).tolist()) <= {0.0, 600.0}
    assert np.count_nonzero(work == 600) == round(row.occurrence * n)
    costs = result.tally.costs()
    assert set(np.unique(costs).tolist()) <= {0.0, 5000.0}
    assert np.array_equal(costs == 5000.0, work == 600.0)
    # the finish depends on the risk alone: a sensitivity of one
    assert row.sensitivity == pytest.approx(1.0, abs=1e-9)
    assert row.cost_sensitivity == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_probability_zero_never_happens_and_one_always_does(p: float) -> None:
    result = run(risky(p), 1000, seed=7)
    assert result.report.risks[0].occurrence == p
    assert np.all(result.work == 600 * p)


def test_a_three_point_risk_adds_p_times_its_mean() -> None:
    n, p = 30_000, 0.4
    impact = ThreePoint(120, 480, 2400)
    result = run(risky(p, schedule=impact, cost=None), n, seed=8)
    # a mixture: 0 with 1 - p, the impact with p
    second = exact_var(impact) + impact.pert_mean**2 + ROUNDING_VAR
    var = p * second - (p * impact.pert_mean) ** 2
    assert abs(result.work.mean() - p * impact.pert_mean) <= Z * math.sqrt(var / n)
    late = result.work[result.work > 0]
    assert late.min() >= impact.optimistic
    assert late.max() <= impact.pessimistic
    assert np.all(result.tally.costs() == 0.0), "no cost impact, no cost"


def test_a_risk_delays_each_named_task() -> None:
    """Two named tasks in series are both lengthened; in parallel the finish moves once."""
    risk = Risk("r", "R", 1.0, tasks=("a", "b"), schedule=ThreePoint(60, 60, 60))
    series = plan(leaf("a", duration=100), leaf("b", duration=100, after=("a",)), risks=(risk,))
    parallel = plan(leaf("a", duration=100), leaf("b", duration=100), risks=(risk,))
    assert np.all(run(series, 100).work == 120)
    assert np.all(run(parallel, 100).work == 60)


def test_closed_risks_are_ignored() -> None:
    closed = Risk(
        "gone", "Gone", 1.0, tasks=("a",), schedule=ThreePoint(600, 600, 600),
        cost=ThreePoint(10, 10, 10), status=RiskStatus.CLOSED,
    )  # fmt: skip
    project = replace(risky(0.5), risks=(*risky(0.5).risks, closed))
    result = run(project, 2000, seed=9)
    assert [r.id for r in result.report.risks] == ["r"]
    assert set(np.unique(result.work).tolist()) <= {0.0, 600.0}


def test_labour_cost_follows_the_sampled_durations() -> None:
    """Rate 120 per hour at half units: the cost of an iteration is its duration in minutes."""
    dev = Resource("dev", "Dev", rate=Decimal("120"))
    e = ThreePoint(600, 900, 2400)
    task = leaf("a", e, assignments=(Assignment("dev", 0.5),))
    result = run(plan(task, resources=(dev,)), 20_000, seed=10)
    assert result.report.deterministic_cost == pytest.approx(900.0)
    assert np.allclose(result.tally.costs(), result.work + 900.0)
    var = exact_var(e) + ROUNDING_VAR
    assert abs(result.report.cost.mean - e.pert_mean) <= Z * math.sqrt(var / 20_000)


# -- known answers: milestones and deadlines ------------------------------------------------------


def test_a_milestone_without_deadline_is_on_time_as_often_as_its_planned_date() -> None:
    """After one triangular task, P(on time) = P(X <= likely) = (m - a) / (b - a)."""
    e = ThreePoint(600, 1200, 3000, Distribution.TRIANGULAR)
    ms = Task("ms", "MS", "0", milestone=True, dependencies=(Dependency("a"),))
    n = 20_000
    result = run(plan(leaf("a", e), ms), n, seed=11)
    (target,) = result.report.targets
    assert (target.id, target.kind, target.target) == ("ms", "planned", 1200)
    p = (1200.5 - 600) ** 2 / ((3000 - 600) * (1200 - 600))  # rounding to the minute
    assert abs(target.p_on_time - p) <= Z * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("key", ["deadline", "finish_no_later_than"])
def test_a_deadline_is_met_as_often_as_the_duration_fits(key: str) -> None:
    """A uniform task from 1000 to 3000 minutes with a limit at 1920: P = 920.5 / 2000."""
    e = ThreePoint(1000, 1500, 3000, Distribution.UNIFORM)
    limit = MIDNIGHT + timedelta(minutes=1920)
    n = 20_000
    result = run(plan(leaf("a", e, **{key: limit})), n, seed=12)
    (target,) = result.report.targets
    assert (target.id, target.kind, target.target) == ("a", "deadline", 1920)
    p = (1920.5 - 1000) / 2000
    assert abs(target.p_on_time - p) <= Z * math.sqrt(p * (1 - p) / n)


def test_the_earlier_of_deadline_and_finish_no_later_than_counts() -> None:
    e = ThreePoint(1000, 1500, 3000, Distribution.UNIFORM)
    task = leaf(
        "a",
        e,
        deadline=MIDNIGHT + timedelta(minutes=2500),
        finish_no_later_than=MIDNIGHT + timedelta(minutes=1500),
    )
    ms = Task("ms", "MS", "0", milestone=True, dependencies=(Dependency("a"),),
              deadline=MIDNIGHT + timedelta(minutes=2000))  # fmt: skip
    n = 20_000
    result = run(plan(task, ms), n, seed=13)
    by_id = {t.id: t for t in result.report.targets}
    assert by_id["a"].target == 1500
    assert by_id["ms"].kind == "deadline"
    for tid, limit in (("a", 1500), ("ms", 2000)):
        p = (limit + 0.5 - 1000) / 2000
        assert abs(by_id[tid].p_on_time - p) <= Z * math.sqrt(p * (1 - p) / n)


def test_a_deadline_on_a_summary_is_a_target() -> None:
    e = ThreePoint(1000, 1500, 3000, Distribution.UNIFORM)
    phase = Task(
        "phase", "Phase", "0", children=("a",), deadline=MIDNIGHT + timedelta(minutes=1920)
    )
    project = plan(phase, replace(leaf("a", e), parent="phase"))
    n = 20_000
    result = run(project, n, seed=14)
    by_id = {t.id: t for t in result.report.targets}
    assert "phase" in by_id
    p = (1920.5 - 1000) / 2000
    assert abs(by_id["phase"].p_on_time - p) <= Z * math.sqrt(p * (1 - p) / n)


# -- zero-width estimates reproduce the CPM -------------------------------------------------------


def zero_width(project: Project) -> Project:
    """Every leaf gets an estimate equal to its planned duration, cycling the distributions;
    no risks."""
    kinds = list(Distribution)
    tasks = []
    for j, task in enumerate(project.tasks):
        d = float(task.duration)
        fixed = ThreePoint(d, d, d, kinds[j % len(kinds)])
        is_leaf = not task.is_summary and not task.is_milestone
        tasks.append(replace(task, estimate=fixed) if is_leaf else task)
    return replace(project, tasks=tuple(tasks), risks=(), correlations=())


def example(name: str) -> Project:
    loaded = load_plan(EXAMPLES / f"{name}.yaml")
    assert loaded.project is not None, loaded.diagnostics
    return loaded.project


EXAMPLE_NAMES = ["saas-launch", "erp-upgrade", "datacentre-migration"]


def without_limits(project: Project) -> Project:
    """The plan with the same early dates but no finish limits or must-start dates: the
    simulation's criticality means driving the finish, the floats of the network alone."""
    tasks = []
    for t in project.tasks:
        starts = [x for x in (t.start_no_earlier_than, t.must_start_on) if x is not None]
        tasks.append(
            replace(
                t,
                deadline=None,
                finish_no_later_than=None,
                must_start_on=None,
                start_no_earlier_than=max(starts, default=None),
            )
        )
    return replace(project, tasks=tuple(tasks))


def _assert_reproduces_the_cpm(project: Project, latin: bool) -> None:
    cpm, _ = run_cpm(project)
    network_only, _ = run_cpm(without_limits(project))
    result = run(project, 300, seed=15, latin=latin)
    rep = result.report
    assert rep.deterministic_finish == cpm.finish
    assert np.all(result.tally.finishes() == cpm.finish)
    assert all(v == cpm.finish for v in rep.finish.percentiles.values())
    assert rep.finish.low == rep.finish.high == rep.finish.mean == cpm.finish
    assert rep.finish_work.std == 0.0
    assert all(v == rep.deterministic_cost for v in rep.cost.percentiles.values())
    leaves = [t for t in network_only.tasks if not t.summary]
    assert [t.id for t in rep.tasks] == [t.id for t in leaves]
    for row, scheduled in zip(rep.tasks, leaves, strict=True):
        assert row.criticality == float(scheduled.critical), row.id
        assert row.sensitivity == 0.0
    missed = {
        d.subject
        for d in cpm.diagnostics
        if d.code in ("deadline_missed", "finish_no_later_than_missed")
    }
    assert not any(d.code == "conflicting_constraints" for d in cpm.diagnostics)
    for target in rep.targets:
        expected = 0.0 if f"task:{target.id}" in missed else 1.0
        assert target.p_on_time == expected, target.id
    planned = [t for t in rep.targets if t.kind == "planned"]
    assert all(t.target == cpm.task(t.id).finish for t in planned)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_zero_width_estimates_reproduce_the_cpm_on_the_examples(name: str) -> None:
    _assert_reproduces_the_cpm(zero_width(example(name)), latin=False)


def test_zero_width_estimates_reproduce_the_cpm_with_latin_hypercube() -> None:
    _assert_reproduces_the_cpm(zero_width(example("saas-launch")), latin=True)


def test_zero_width_estimates_reproduce_a_small_plan_with_a_deadline() -> None:
    """Deadlines met and missed both show: p_on_time is 1 or 0 as in the CPM."""
    early = leaf("a", ThreePoint(600, 600, 600), deadline=MIDNIGHT + timedelta(minutes=700))
    late = leaf("b", ThreePoint(900, 900, 900), after=("a",), deadline=MIDNIGHT + timedelta(1))
    parallel = leaf("c", ThreePoint(60, 60, 60))
    project = plan(early, late, parallel)
    _assert_reproduces_the_cpm(project, latin=False)
    by_id = {t.id: t.p_on_time for t in run(project, 50).report.targets}
    assert by_id == {"a": 1.0, "b": 0.0}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_vector_passes_equal_the_cpm_on_the_examples(name: str) -> None:
    """Random durations per iteration: every node's early and late position, the finish and the
    critical flags equal a CPM run of the plan with that iteration's durations."""
    project = example(name)
    _, passes = run_cpm(project)
    assert passes is not None
    net = passes.net
    vp = VectorPasses(net, passes.rules.bounds, len(project.tasks))
    iterations = 4
    rng = np.random.default_rng(16)
    duration = np.zeros((len(net.node_task), iterations), dtype=np.int64)
    leaves = [j for j, t in enumerate(project.tasks) if not t.is_summary and not t.is_milestone]
    for j in leaves:
        duration[j] = rng.integers(1, 3 * project.tasks[j].duration + 2, iterations)
    early = vp.forward(duration)
    late = vp.backward(early)
    critical = vp.critical(early, late)
    for i in range(iterations):
        tasks = list(project.tasks)
        for j in leaves:
            tasks[j] = replace(tasks[j], duration=int(duration[j, i]))
        result, other = run_cpm(replace(project, tasks=tuple(tasks)))
        assert other is not None
        assert early.finish[i] == other.finish == result.finish
        for j in range(len(net.node_task)):
            if net.instant[j]:
                assert (early.position[j, i], late[j, i]) == (other.es[j], other.ls[j])
            else:
                assert (early.position[j, i], late[j, i]) == (other.es_w[j], other.ls_w[j])
        for j, task in enumerate(project.tasks):
            if not task.is_summary:
                assert critical[j, i] == result.tasks[j].critical, task.id


OFFICE = Calendar("office", WeekPattern((*([((540, 720), (780, 1080))] * 5), (), ())))  # type: ignore[arg-type]


def _vector_and_cpm(tasks: tuple[Task, ...]) -> tuple[np.ndarray, np.ndarray, ScheduleResult]:
    project = Project("p", "P", ORIGIN, "office", {"office": OFFICE}, tasks)
    result, passes = run_cpm(project)
    assert passes is not None
    net = passes.net
    vp = VectorPasses(net, passes.rules.bounds, len(tasks))
    early = vp.forward(np.array([[d] for d in net.duration], dtype=np.int64))
    late = vp.backward(early)
    assert early.position[:, 0].tolist() == passes.es_w
    assert late[:, 0].tolist() == passes.ls_w
    return early.position[:, 0], late[:, 0], result


def test_a_start_to_finish_link_after_lunch_in_the_forward_pass() -> None:
    """P starts at 13:00 after lunch; S must finish no earlier than that instant in its own
    working time, and 12:00 is the same working instant (only lunch lies between): S works
    11:00-12:00, as MS Project places it, rather than one minute into the afternoon."""
    early, _, result = _vector_and_cpm(
        (
            Task("x", "X", "1", duration=180),
            Task("p", "P", "2", duration=60, dependencies=(Dependency("x"),)),
            Task("s", "S", "3", duration=60, dependencies=(Dependency("p", DependencyType.SF),)),
        )
    )
    assert result.task("p").start == 780
    assert (result.task("s").start, result.task("s").finish) == (660, 720)
    assert early[2] == 180 - 60, "S ends with working minute 180, the last before lunch"


def test_a_start_to_finish_link_before_lunch_in_the_backward_pass() -> None:
    """S must finish by 12:00 (Y follows it at 13:00); P, which S's finish waits for, may start
    as late as 13:00: S's finish at 12:00 is the same working instant as 13:00."""
    _, late, result = _vector_and_cpm(
        (
            Task("p", "P", "1", duration=60),
            Task("s", "S", "2", duration=180, dependencies=(Dependency("p", DependencyType.SF),)),
            Task("y", "Y", "3", duration=300, dependencies=(Dependency("s"),)),
        )
    )
    assert result.task("s").late_finish == 720
    assert result.task("p").late_start == 780
    assert late[0] == 180


def test_zero_width_leveled_simulation_reproduces_the_leveled_plan() -> None:
    project = zero_width(example("saas-launch"))
    model = model_of(project)
    leveling = LevelingOptions(schedules=5, seed=0)
    runner = LeveledBatches(model, leveling)
    options = SimulationOptions(iterations=6, seed=0, workers=1)
    tally, _ = simulate(runner.model, options, runner.run)
    rep = report(
        runner.model, tally, options, None, baseline_finish=runner.base_finish, leveled=True
    )
    leveled = level_project(project, replace(leveling, one_core=True)).schedule
    assert runner.base_finish == leveled.finish
    assert np.all(tally.finishes() == leveled.finish)
    assert rep.finish_work.std == 0.0
    flags = {t.id: t.critical for t in leveled.tasks}
    assert {t.id: t.criticality for t in rep.tasks} == {t.id: float(flags[t.id]) for t in rep.tasks}
    # a milestone without a deadline is promised on its leveled date, and keeps it
    planned = [t for t in rep.targets if t.kind == "planned"]
    assert planned
    assert all(t.target == leveled.task(t.id).finish for t in planned)
    assert all(t.p_on_time == 1.0 for t in planned)


# -- the model of a plan: estimate-only tasks, zero likely values ---------------------------------


def test_an_estimate_with_a_likely_value_of_zero_is_still_sampled() -> None:
    text = textwrap.dedent(
        """\
        project: {id: z, name: Zero, start: 2027-01-04}
        tasks:
          - id: rework
            name: Rework, probably none, at worst a day
            estimate: {optimistic: 0d, likely: 0d, pessimistic: 1d}
          - {id: ship, name: Ship, duration: 1h, after: [rework]}
        """
    )
    project = load_plan_text(text).project
    assert project is not None
    e = project.tasks[0].estimate
    assert e == ThreePoint(0, 0, 480)
    n = 20_000
    result = run(project, n, seed=17)
    var = exact_var(e) + ROUNDING_VAR
    assert abs(result.report.finish_work.mean - e.pert_mean) <= Z * math.sqrt(var / n)
    assert result.task("rework").sensitivity > 0.99


# -- determinism, batches and cores ---------------------------------------------------------------


def _mixed() -> Project:
    risk = Risk(
        "r", "R", 0.35, tasks=("b",), schedule=ThreePoint(60, 120, 600), cost=ThreePoint(10, 20, 90)
    )
    return plan(
        leaf("a", ThreePoint(100, 200, 900)),
        leaf("b", ThreePoint(50, 300, 400, Distribution.TRIANGULAR), after=("a",)),
        leaf("c", ThreePoint(300, 400, 500, Distribution.LOGNORMAL)),
        leaf("d", ThreePoint(10, 20, 30, Distribution.UNIFORM), after=("c",)),
        risks=(risk,),
        correlations=(Correlation(("a", "c"), 0.5),),
    )  # fmt: skip


def test_same_seed_same_answer_different_seed_different_answer() -> None:
    first = run(_mixed(), 3000, seed=42)
    again = run(_mixed(), 3000, seed=42)
    other = run(_mixed(), 3000, seed=43)
    assert first.report == again.report
    assert np.array_equal(first.tally.finishes(), again.tally.finishes())
    assert not np.array_equal(first.tally.finishes(), other.tally.finishes())


@pytest.mark.parametrize("latin", [False, True])
def test_one_core_and_two_cores_give_the_same_answer(latin: bool) -> None:
    n = 9000  # four batches: two on each core
    one = run(_mixed(), n, seed=3, latin=latin, workers=1)
    model = model_of(_mixed())
    assert len(plan_batches(n, model.batch_size())) == 4
    options = SimulationOptions(iterations=n, seed=3, latin=latin, workers=2)
    tally, precision = simulate(model, options)
    two = report(model, tally, options, precision)
    assert one.report == two
    assert np.array_equal(one.tally.finishes(), tally.finishes())
    assert np.array_equal(one.tally.costs(), tally.costs())


def test_batches_are_seeded_from_the_seed_and_the_batch_number() -> None:
    """The documented contract: batch i draws from SeedSequence(seed, spawn_key=(i,))."""
    model = model_of(_mixed())
    result = run(_mixed(), 9000, seed=5)
    sizes = plan_batches(9000, model.batch_size())
    assert len(sizes) == 4
    runner = CpmBatches(model).run
    parts = [
        runner(np.random.SeedSequence(5, spawn_key=(i,)), n, False) for i, n in enumerate(sizes)
    ]
    assert np.array_equal(np.concatenate([p.finishes() for p in parts]), result.tally.finishes())
    # run_batches keeps the order of the batches whichever process ran them
    forked = run_batches(runner, 5, sizes, 0, False, workers=2)
    assert [len(t.finishes()) for t in forked] == sizes
    for mine, theirs in zip(parts, forked, strict=True):
        assert np.array_equal(mine.finishes(), theirs.finishes())


@pytest.mark.parametrize("iterations", [1, 2, 3, 64, 4095, 4096, 4097, 10_000, 123_457])
def test_batches_split_the_iterations_evenly(iterations: int) -> None:
    size = 4096
    sizes = plan_batches(iterations, size)
    assert sum(sizes) == iterations
    assert max(sizes) - min(sizes) <= 1
    assert max(sizes) <= size
    assert all(s > 0 for s in sizes)
    if iterations >= 2:
        assert len(sizes) % 2 == 0, "an even count of batches for two cores"


def test_a_single_iteration() -> None:
    result = run(_mixed(), 1, seed=0)
    assert result.report.iterations == 1
    assert result.report.finish_work.std == 0.0
    assert all(0.0 <= t.criticality <= 1.0 for t in result.report.tasks)


# -- Latin hypercube, correlations and until-stable in a simulation -------------------------------


def test_latin_hypercube_stratifies_each_batch() -> None:
    """One uniform task: a batch's mean is within half a stratum (plus rounding) of the exact
    mean, which plain sampling misses by far more."""
    e = ThreePoint(1000, 50_000, 101_000, Distribution.UNIFORM)
    project = plan(leaf("a", e))
    latin = run(project, 1000, seed=18, latin=True)
    plain = run(project, 1000, seed=18, latin=False)
    assert latin.report.sampling == "latin_hypercube"
    assert plain.report.sampling == "random"

    def off(result: Run) -> list[float]:
        return [abs(float(w.mean()) + e.likely - 51_000) for w in result.tally.work]

    assert len(latin.tally.work) == 2
    bounds = [e.width / (2 * len(w)) + 0.5 for w in latin.tally.work]
    assert all(x <= b for x, b in zip(off(latin), bounds, strict=True))
    assert not all(x <= b for x, b in zip(off(plain), bounds, strict=True))


def test_correlated_estimates_have_the_target_rank_correlation_and_widen_the_spread() -> None:
    e = ThreePoint(100, 400, 1600)
    independent = plan(leaf("a", e), leaf("b", e, after=("a",)))
    correlated = replace(independent, correlations=(Correlation(("a", "b"), 0.7),))
    model = model_of(correlated)
    draw = model.uncertainty.draw(np.random.default_rng(19), 5000, latin=False)
    ranks = np.argsort(np.argsort(draw.duration[:2], axis=1), axis=1)
    assert abs(np.corrcoef(ranks)[0, 1] - 0.7) <= 0.05
    n = 20_000
    wide = run(correlated, n, seed=20).report.finish_work.std
    narrow = run(independent, n, seed=20).report.finish_work.std
    sd = math.sqrt(exact_var(e) + ROUNDING_VAR)
    assert abs(narrow / (sd * math.sqrt(2)) - 1) <= Z / math.sqrt(n)
    # with rank correlation 0.7 the Pearson correlation is about 0.7 too: sd near sqrt(2 * 1.7)
    assert wide / narrow > math.sqrt(1.6)


def test_until_stable_stops_when_the_p80_settles() -> None:
    result = run(chain(CHAIN), 500, seed=21, until_stable=10_000)
    precision = result.report.precision
    assert precision is not None
    assert precision.stable
    assert precision.change <= 10_000
    assert result.report.iterations == 1000, "two rounds: the first has nothing to compare with"
    low, high = precision.interval
    assert low <= result.report.finish_work.percentiles[80] <= high
    assert result.report.p80_interval is not None


def test_until_stable_reports_an_unsettled_p80_at_the_cap() -> None:
    result = run(chain(CHAIN), 300, seed=22, until_stable=0, max_iterations=900)
    precision = result.report.precision
    assert precision is not None
    assert not precision.stable
    assert result.report.iterations == 900
    assert precision.change > 0


def test_until_stable_interval_covers_the_true_p80() -> None:
    """A uniform task: the true P80 of the work after the plan is known in closed form."""
    e = ThreePoint(0, 5000, 10_000, Distribution.UNIFORM)
    result = run(plan(leaf("a", e)), 2000, seed=23, until_stable=60)
    precision = result.report.precision
    assert precision is not None
    low, high = precision.interval
    true_p80 = 0.8 * 10_000 - 5000
    assert low <= true_p80 <= high
    assert high - low < 0.05 * e.width


# -- PERT totals and reserve (plansmith estimate) -------------------------------------------------


def test_pert_totals_add_means_and_textbook_variances() -> None:
    long = [ThreePoint(600, 900, 2400), ThreePoint(300, 600, 600), ThreePoint(60, 120, 240)]
    short = ThreePoint(10, 20, 30)
    project = plan(
        leaf("a", long[0]),
        leaf("b", long[1], after=("a",)),
        leaf("c", long[2], after=("b",)),
        leaf("x", short),
        leaf("fixed", duration=100, after=("c",)),
    )
    cpm, passes = run_cpm(project)
    assert passes is not None
    totals = pert_totals(project, cpm, passes.net)
    assert totals.task_count == 4
    assert totals.mean_total == pytest.approx(
        sum(e.pert_mean for e in long) + short.pert_mean + 100
    )
    assert totals.std_total == pytest.approx(
        math.sqrt(sum(((e.pessimistic - e.optimistic) / 6) ** 2 for e in [*long, short]))
    )
    assert totals.path_likely == 900 + 600 + 120 + 100
    assert totals.path_mean == pytest.approx(sum(e.pert_mean for e in long) + 100)
    path_std = math.sqrt(sum(((e.pessimistic - e.optimistic) / 6) ** 2 for e in long))
    assert totals.path_std == pytest.approx(path_std)
    assert totals.path_p80 == pytest.approx(totals.path_mean + 0.8416212335729143 * path_std)
    assert totals.path_p90 == pytest.approx(totals.path_mean + 1.2815515655446004 * path_std)


def test_the_pert_path_is_one_chain_when_critical_tasks_run_in_parallel() -> None:
    """Two equal branches after a spec are both critical, but the path is one of them:
    5 + 10 days, not 5 + 10 + 10."""
    day = 480
    branch = ThreePoint(8 * day, 10 * day, 14 * day)
    project = plan(
        leaf("spec", duration=5 * day),
        leaf("x", branch, after=("spec",)),
        leaf("y", branch, after=("spec",)),
    )
    cpm, passes = run_cpm(project)
    assert passes is not None
    assert {t.id for t in cpm.tasks if t.critical} == {"spec", "x", "y"}
    totals = pert_totals(project, cpm, passes.net)
    assert totals.path_likely == 15 * day
    assert totals.path_mean == pytest.approx(5 * day + branch.pert_mean)
    assert totals.path_std == pytest.approx(branch.pert_std)


def test_reserve_is_what_p80_and_p90_need_beyond_the_plan() -> None:
    dev = Resource("dev", "Dev", rate=Decimal("60"))
    project = plan(
        leaf("a", ThreePoint(600, 900, 2400), assignments=(Assignment("dev"),)),
        resources=(dev,),
        risks=(Risk("r", "R", 0.5, cost=ThreePoint(1000, 1000, 1000)),),
    )
    result = run(project, 4000, seed=24)
    res = reserve(result.report)
    work = np.sort(result.work)
    assert res.schedule_p80 == work[math.ceil(0.8 * len(work)) - 1]
    assert res.schedule_p90 == work[math.ceil(0.9 * len(work)) - 1]
    costs = np.sort(result.tally.costs())
    assert res.cost_p80 == pytest.approx(costs[math.ceil(0.8 * len(costs)) - 1] - 900.0)
    # a plan already pessimistic needs no reserve
    safe = plan(leaf("a", ThreePoint(100, 900, 900)))
    assert reserve(run(safe, 500).report).schedule_p90 == 0.0


# -- report shape -------------------------------------------------------------------------------


def test_percentiles_are_observed_values_in_order_and_the_histogram_counts_every_run() -> None:
    n = 1999  # no level falls on an exact order statistic: interpolation would show
    result = run(_mixed(), n, seed=25)
    rep = result.report
    finishes = np.sort(result.tally.finishes())
    costs = np.sort(result.tally.costs())
    values = [rep.finish.percentiles[p] for p in LEVELS]
    assert values == sorted(values)
    for p in LEVELS:  # inverted CDF: the smallest value with at least p % at or below it
        k = math.ceil(p / 100 * n) - 1
        assert rep.finish.percentiles[p] == finishes[k]
        assert rep.cost.percentiles[p] == costs[k]
    hist = rep.finish_histogram
    assert sum(hist.counts) == n
    assert len(hist.edges) == len(hist.counts) + 1
    assert hist.edges[0] == finishes[0]
    assert hist.edges[-1] == finishes[-1]
    assert hist.cumulative[-1] == pytest.approx(1.0)
    assert all(a <= b for a, b in zip(hist.cumulative, hist.cumulative[1:], strict=False))
    assert sum(rep.cost_histogram.counts) == n


def test_the_mean_finish_of_identical_iterations_is_their_finish() -> None:
    office = Calendar("office", WeekPattern((*([((540, 1020),)] * 5), (), ())))  # type: ignore[arg-type]
    weekend = Calendar("weekend", WeekPattern(((), (), (), (), (), ((540, 1020),), ((540, 1020),))))
    project = Project(
        id="p",
        name="P",
        start=ORIGIN,
        calendar="office",
        calendars={"office": office, "weekend": weekend},
        tasks=(
            leaf("build", ThreePoint(480, 480, 480)),
            replace(leaf("release", ThreePoint(60, 60, 60), after=("build",)), calendar="weekend"),
        ),
    )
    result = run(project, 100)
    saturday_ten = 5 * 1440 + 600
    assert np.all(result.tally.finishes() == saturday_ten)
    assert result.report.finish.percentiles[50] == saturday_ten
    assert result.report.finish.low <= result.report.finish.mean <= result.report.finish.high


# -- plan file semantics ------------------------------------------------------------------------


def test_plan_keys_become_estimates_risks_and_correlations() -> None:
    text = textwrap.dedent(
        """\
        project: {id: k, name: Keys, start: 2027-01-04, hours_per_day: 8}
        resources:
          - {id: dev, name: Dev}
          - {id: ops, name: Ops}
        tasks:
          - id: only
            name: Estimate only
            estimate: {optimistic: 1d, likely: 2d, pessimistic: 5d}
          - id: tri
            name: Triangular
            duration: 3d
            distribution: triangular
            estimate: {optimistic: 2d, likely: 3d, pessimistic: 4d}
          - id: half
            name: Effort at half units
            effort: 2d
            estimate: {optimistic: 1d, likely: 2d, pessimistic: 4d}
            assign: [{resource: dev, units: 0.5}]
          - id: pair
            name: Effort shared by two
            effort: 3d
            estimate: {optimistic: 1h, likely: 3d, pessimistic: 5d}
            assign: [dev, ops]
        risks:
          - id: r1
            title: Vendor late
            probability: 30%
            impact: {schedule: 2d, cost: 5000}
            tasks: [only]
            owner: Ann
            response: Second vendor
          - id: r2
            title: Ranges
            probability: 0.25
            impact:
              schedule: {optimistic: 1h, likely: 4h, pessimistic: 2d}
              cost: {optimistic: 100, likely: 250.5, pessimistic: 900}
            tasks: [tri, half]
            status: closed
        correlations:
          - {tasks: [only, tri], coefficient: -0.3}
        """
    )
    loaded = load_plan_text(text)
    assert loaded.diagnostics == []
    project = loaded.project
    assert project is not None
    tasks = {t.id: t for t in project.tasks}
    assert tasks["only"].duration == 960, "an estimate alone is planned at its likely value"
    assert tasks["only"].estimate == ThreePoint(480, 960, 2400, Distribution.PERT)
    assert tasks["tri"].estimate == ThreePoint(960, 1440, 1920, Distribution.TRIANGULAR)
    assert tasks["tri"].duration == 1440
    # effort ranges divided by the assigned units (rounded up to the minute)
    assert tasks["half"].duration == 1920
    assert tasks["half"].estimate == ThreePoint(960, 1920, 3840)
    assert tasks["pair"].duration == 720
    assert tasks["pair"].estimate == ThreePoint(30, 720, 1200)
    r1, r2 = project.risks
    assert r1.probability == pytest.approx(0.3)
    assert r1.schedule == ThreePoint(960, 960, 960)
    assert r1.cost == ThreePoint(5000.0, 5000.0, 5000.0)
    assert (r1.tasks, r1.owner, r1.response, r1.active) == (("only",), "Ann", "Second vendor", True)
    assert r2.schedule == ThreePoint(60, 240, 960)
    assert r2.cost == ThreePoint(100.0, 250.5, 900.0)
    assert not r2.active
    (c,) = project.correlations
    assert (c.tasks, c.coefficient) == (("only", "tri"), -0.3)


def test_a_simulation_of_a_loaded_plan_samples_in_working_minutes() -> None:
    """The effort task at half units doubles its range: its mean moves the finish by that."""
    text = textwrap.dedent(
        """\
        project: {id: k, name: Keys, start: 2027-01-04}
        resources:
          - {id: dev, name: Dev}
        tasks:
          - id: half
            name: Effort at half units
            effort: 2d
            estimate: {optimistic: 1d, likely: 2d, pessimistic: 6d}
            assign: [{resource: dev, units: 0.5}]
        """
    )
    project = load_plan_text(text).project
    assert project is not None
    n = 20_000
    result = run(project, n, seed=26)
    e = ThreePoint(960, 1920, 5760)
    var = exact_var(e) + ROUNDING_VAR
    assert abs(result.report.finish_work.mean - (e.pert_mean - e.likely)) <= Z * math.sqrt(var / n)
