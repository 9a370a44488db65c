"""Invariants of earned value, earned schedule and planned cost.

- The identities of the PMI Practice Standard between the figures and the forecasts, for random
  money (CV = EV - AC, SV = EV - PV, SPI = EV / PV, CPI = EV / AC, EAC = BAC / CPI, ETC = EAC - AC,
  VAC = BAC - EAC, TCPI to BAC and to EAC; and TCPI to the typical EAC is the CPI itself).
- Earned schedule on a random cumulative PV curve: 0 <= ES <= PD, ES grows with EV, and on a
  strictly increasing curve ES = AT exactly when EV is the PV planned at the status date (then
  SPI(t) = 1 and SV(t) = 0).
- Earned share between 0 and 1 for every method, never falling as progress grows.
- Planned cost of a random small plan on the default calendar adds up to rate x units x working
  hours of each task + fixed costs + expenses however the days split; an effort-driven task's
  labour is rate x effort.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plansmith.analytics.costs import planned_costs
from plansmith.analytics.evm import Figures, earned_schedule, earned_share, forecast
from plansmith.domain.model import Task
from plansmith.domain.money import Category, EvMethod, Progress, Step
from plansmith.io.plan_file import load_plan_text
from plansmith.scheduling.cpm import schedule_project

D = Decimal
TINY = D("1e-18")
FEWER = settings(max_examples=max(10, settings.default.max_examples // 3))

money = st.integers(0, 10**9).map(lambda cents: D(cents) / 100)
ONE = D(1)


def close(a: Decimal | None, b: Decimal | None, scale: Decimal = ONE) -> bool:
    assert a is not None
    assert b is not None
    return abs(a - b) <= TINY * max(D(1), abs(scale), abs(a), abs(b))


@st.composite
def figures(draw: st.DrawFn) -> Figures:
    return Figures(draw(money), draw(money), draw(money), draw(money))


# =================================================================================================
# Identities of the figures and forecasts
# =================================================================================================


@given(figures())
def test_variances_and_indices(f: Figures) -> None:
    assert f.cv == f.ev - f.ac
    assert f.sv == f.ev - f.pv
    assert (f.spi is None) == (f.pv == 0)
    assert (f.cpi is None) == (f.ac == 0)
    if f.pv:
        assert close(f.spi * f.pv, f.ev)  # type: ignore[operator]
    if f.ac:
        assert close(f.cpi * f.ac, f.ev)  # type: ignore[operator]


@given(figures(), money)
def test_forecast_identities(f: Figures, remaining: Decimal) -> None:
    fc = forecast(f, remaining)
    assert fc.eac_atypical == f.ac + (f.bac - f.ev)
    assert fc.eac_bottom_up == f.ac + remaining
    if f.ev and f.ac:
        # EAC = BAC / CPI = BAC x AC / EV
        assert close(fc.eac_typical, f.bac * f.ac / f.ev, f.bac * f.ac)
        assert fc.etc == fc.eac_typical - f.ac  # type: ignore[operator]
        assert fc.vac == f.bac - fc.eac_typical  # type: ignore[operator]
    else:
        assert (fc.eac_typical, fc.etc, fc.vac) == (None, None, None)
    if f.ev and f.ac and f.pv:
        # AC + (BAC - EV) / (CPI x SPI) = AC + (BAC - EV) x AC x PV / EV^2
        expected = f.ac + (f.bac - f.ev) * f.ac * f.pv / (f.ev * f.ev)
        assert close(fc.eac_cpi_spi, expected, abs(f.bac - f.ev) * f.ac * f.pv)
    else:
        assert fc.eac_cpi_spi is None
    if f.bac != f.ac:
        assert close(fc.tcpi_bac, (f.bac - f.ev) / (f.bac - f.ac))
    else:
        assert fc.tcpi_bac is None


@given(figures())
def test_tcpi_to_the_typical_eac_is_the_cpi(f: Figures) -> None:
    # (BAC - EV) / (BAC / CPI - AC) = (BAC - EV) x EV / ((BAC - EV) x AC) = EV / AC.
    assume(f.ev and f.ac and f.bac != f.ev)
    fc = forecast(f, D(0))
    assert fc.tcpi_eac is not None
    assert abs(fc.tcpi_eac - f.cpi) <= D("1e-15") * max(D(1), f.cpi)  # type: ignore[operator]


@given(st.lists(figures(), min_size=1, max_size=6))
def test_figures_add_up_field_by_field(parts: list[Figures]) -> None:
    total = Figures(D(0), D(0), D(0), D(0))
    for part in parts:
        total += part
    assert total.ev == sum(p.ev for p in parts)
    assert total.cv == sum(p.cv for p in parts)
    assert total.sv == sum(p.sv for p in parts)


# =================================================================================================
# Earned schedule
# =================================================================================================

FIRST = date(2025, 1, 6)


@st.composite
def pv_curves(draw: st.DrawFn, strictly: bool = True) -> tuple[dict[date, Decimal], list[date]]:
    """Planned value per working period (consecutive days standing for periods)."""
    n = draw(st.integers(1, 40))
    low = 1 if strictly else 0
    increments = draw(st.lists(st.integers(low, 10**7), min_size=n, max_size=n))
    assume(sum(increments) > 0)
    days = [FIRST + timedelta(days=k) for k in range(n)]
    return {d: D(a) / 100 for d, a in zip(days, increments, strict=True)}, days


def _cumulative(pv: dict[date, Decimal], days: list[date]) -> list[Decimal]:
    out = [D(0)]
    for d in days:
        out.append(out[-1] + pv[d])
    return out


@given(pv_curves(strictly=False), st.data())
def test_earned_schedule_lies_between_zero_and_the_planned_duration(curve, data) -> None:
    pv, days = curve
    bac = sum(pv.values())
    ev = data.draw(st.integers(0, int(bac * 100)).map(lambda c: D(c) / 100))
    at = data.draw(st.integers(0, len(days) - 1))
    s = earned_schedule(pv, ev, days[at], days, days[-1])
    assert 0 <= s.es <= s.pd == len(days)
    assert s.at == at + 1
    assert s.sv_t == s.es - s.at
    assert s.spi_t is not None
    assert close(s.spi_t * s.at, s.es)


@given(pv_curves(strictly=False), st.data())
def test_earned_schedule_grows_with_earned_value(curve, data) -> None:
    pv, days = curve
    bac = int(sum(pv.values()) * 100)
    a, b = sorted(data.draw(st.lists(st.integers(0, bac), min_size=2, max_size=2)))
    status = days[-1]
    low = earned_schedule(pv, D(a) / 100, status, days, days[-1]).es
    high = earned_schedule(pv, D(b) / 100, status, days, days[-1]).es
    assert low <= high


@given(pv_curves(), st.data())
def test_earned_schedule_is_actual_time_exactly_when_on_plan(curve, data) -> None:
    pv, days = curve
    cumulative = _cumulative(pv, days)
    at = data.draw(st.integers(1, len(days)))
    status = days[at - 1]
    on_plan = earned_schedule(pv, cumulative[at], status, days, days[-1])
    assert on_plan.es == on_plan.at == at
    assert (on_plan.sv_t, on_plan.spi_t) == (0, 1)
    assert on_plan.ieac_t == on_plan.pd
    # Any other earned value gives another earned schedule.
    ev = data.draw(st.integers(0, int(cumulative[-1] * 100)).map(lambda c: D(c) / 100))
    s = earned_schedule(pv, ev, status, days, days[-1])
    assert (s.es == at) == (ev == cumulative[at])


@given(pv_curves(), st.data())
def test_earned_schedule_at_each_planned_point(curve, data) -> None:
    # EV equal to the PV planned for period k earns exactly k periods, whatever the status.
    pv, days = curve
    cumulative = _cumulative(pv, days)
    k = data.draw(st.integers(0, len(days)))
    status = days[data.draw(st.integers(0, len(days) - 1))]
    assert earned_schedule(pv, cumulative[k], status, days, days[-1]).es == k


# =================================================================================================
# Earned share
# =================================================================================================

STATUS = date(2025, 3, 5)
BEFORE = datetime(2025, 3, 3, 9)
AFTER = datetime(2025, 3, 10, 9)

methods = st.sampled_from(list(EvMethod))
fractions = st.integers(0, 10_000).map(lambda n: D(n) / 10_000)


@st.composite
def progress_tasks(draw: st.DrawFn) -> tuple[Task, Decimal]:
    """A task with everything but its percent complete, and a percent complete."""
    method = draw(methods)
    start = draw(st.sampled_from([None, BEFORE, AFTER]))
    finish = None
    if start is not None:
        finish = draw(st.sampled_from([None, start + timedelta(hours=5), AFTER]))
    steps = tuple(
        Step(f"s{k}", D(draw(st.integers(1, 9))), draw(st.booleans()))
        for k in range(draw(st.integers(0, 4)))
    )
    remaining = draw(st.none() | st.integers(0, 10_000))
    task = Task(
        "t",
        "T",
        "1",
        duration=draw(st.integers(0, 5000)),
        actual_start=start,
        actual_finish=finish,
        progress=Progress(None, remaining, method, steps),
    )
    return task, draw(fractions)


def _with(task: Task, complete: Decimal | None, steps: tuple[Step, ...] | None = None) -> Task:
    p = task.progress
    progress = Progress(complete, p.remaining, p.method, p.steps if steps is None else steps)
    return Task(
        task.id,
        task.name,
        task.wbs,
        duration=task.duration,
        actual_start=task.actual_start,
        actual_finish=task.actual_finish,
        progress=progress,
    )


@given(progress_tasks(), st.booleans())
def test_earned_share_is_a_share(case: tuple[Task, Decimal], with_figure: bool) -> None:
    task, complete = case
    share = earned_share(_with(task, complete if with_figure else None), STATUS)
    assert 0 <= share <= 1


@given(progress_tasks(), fractions)
def test_earned_share_never_falls_as_progress_grows(
    case: tuple[Task, Decimal], other: Decimal
) -> None:
    task, complete = case
    low, high = sorted((complete, other))
    assert earned_share(_with(task, low), STATUS) <= earned_share(_with(task, high), STATUS)
    # Reporting a figure never earns less than reporting none (and 100% earns everything,
    # except under weighted milestones, which earn by their steps).
    assert earned_share(_with(task, D(1)), STATUS) >= earned_share(_with(task, None), STATUS)
    if task.actual_start == AFTER:  # read at a status date before the work began
        assert earned_share(_with(task, high), STATUS) == 0
    elif task.progress.method is not EvMethod.WEIGHTED_MILESTONES or not task.progress.steps:
        assert earned_share(_with(task, D(1)), STATUS) == 1


@given(
    st.lists(st.tuples(st.integers(1, 9), st.booleans(), st.booleans()), min_size=1, max_size=5),
    st.sampled_from([None, BEFORE, AFTER]),
    st.none() | fractions,
)
def test_more_steps_done_earn_more(
    steps: list[tuple[int, bool, bool]], start: datetime | None, complete: Decimal | None
) -> None:
    # Weighted milestones earn by their steps alone: sum of done weights / sum of weights.
    def share(done: list[bool]) -> Decimal:
        t = Task(
            "t",
            "T",
            "1",
            duration=480,
            actual_start=start,
            progress=Progress(
                complete,
                None,
                EvMethod.WEIGHTED_MILESTONES,
                tuple(
                    Step(f"s{k}", D(w), d)
                    for k, ((w, _, _), d) in enumerate(zip(steps, done, strict=True))
                ),
            ),
        )
        return earned_share(t, STATUS)

    some = [d for _, d, _ in steps]
    more = [d or e for _, d, e in steps]
    assert share(some) <= share(more)
    if start == AFTER:  # nothing is earned before the work began, whatever the steps say
        assert share(more) == 0
        return
    assert close(share(some) * sum(w for w, _, _ in steps), D(sum(w for w, d, _ in steps if d)))
    assert share([True] * len(steps)) == 1


# =================================================================================================
# Planned cost of random small plans
# =================================================================================================

UNITS = {"25%": D("0.25"), "50%": D("0.5"), "100%": D(1), "200%": D(2)}


@st.composite
def plans(draw: st.DrawFn) -> tuple[str, dict[str, Decimal], Decimal]:
    """Plan text, each resource's rate, and the fixed costs + expenses it carries."""
    n_res = draw(st.integers(1, 3))
    rates = {f"r{k}": D(draw(st.integers(0, 50_000))) / 100 for k in range(n_res)}
    lines = ["project: {id: p, name: P, start: 2025-03-03}", "holidays: [{date: 2025-03-12}]"]
    lines.append("resources:")
    lines += [f"  - {{id: {r}, rate: {rate}}}" for r, rate in rates.items()]
    lines.append("tasks:")
    other = D(0)
    n_tasks = draw(st.integers(1, 5))
    for k in range(n_tasks):
        fields = [f"id: t{k}", f"name: T{k}"]
        assigned = draw(st.lists(st.sampled_from(sorted(rates)), max_size=2, unique=True))
        if assigned:
            units = [draw(st.sampled_from(sorted(UNITS))) for _ in assigned]
            fields.append(
                "assign: ["
                + ", ".join(
                    f"{{resource: {r}, units: '{u}'}}" for r, u in zip(assigned, units, strict=True)
                )
                + "]"
            )
        if assigned and draw(st.booleans()):
            fields.append(f"effort: {draw(st.integers(1, 60))}h")
        else:
            fields.append(f"duration: {draw(st.integers(0, 600))}m")
        if k and draw(st.booleans()):
            fields.append(f"after: [t{draw(st.integers(0, k - 1))}]")
        if draw(st.booleans()):
            offset = draw(st.integers(0, 10 * 24 * 60))
            at = datetime(2025, 3, 3) + timedelta(minutes=offset)
            fields.append(f"start_no_earlier_than: '{at:%Y-%m-%dT%H:%M}'")
        if draw(st.booleans()):
            amount = D(draw(st.integers(1, 10**6))) / 100
            accrue = draw(st.sampled_from(["start", "end", "prorated"]))
            fields.append(f"cost: {{amount: {amount}, accrue: {accrue}}}")
            other += amount
        lines.append("  - {" + ", ".join(fields) + "}")
    expenses = draw(st.lists(st.integers(1, 10**6), max_size=3))
    if expenses:
        lines.append("expenses:")
        for j, cents in enumerate(expenses):
            task = f", task: t{draw(st.integers(0, n_tasks - 1))}" if draw(st.booleans()) else ""
            lines.append(
                f"  - {{name: e{j}, amount: {D(cents) / 100}, date: 2025-03-{10 + j}{task}}}"
            )
            other += D(cents) / 100
    return "\n".join(lines) + "\n", rates, other


@FEWER
@given(plans())
def test_planned_cost_adds_up(case: tuple[str, dict[str, Decimal], Decimal]) -> None:
    text, rates, other = case
    plan = load_plan_text(text)
    assert plan.ok, (text, plan.diagnostics)
    project = plan.project
    assert project is not None
    schedule = schedule_project(project)
    assert schedule.ok, (text, schedule.diagnostics)
    costs = planned_costs(project, schedule)
    labour = D(0)
    for task in project.tasks:
        for a in task.assignments:
            labour += rates[a.resource] * D(str(a.units)) * D(task.duration) / 60
    assert abs(costs.total - (labour + other)) <= TINY * max(D(1), costs.total), text
    by_task = costs.by("task")
    for task in project.tasks:
        own = sum(
            (rates[a.resource] * D(str(a.units)) * D(task.duration) / 60 for a in task.assignments),
            D(0),
        )
        fixed = task.cost.amount if task.cost else D(0)
        spent = sum((e.amount for e in project.expenses if e.task == task.id), D(0))
        assert abs(by_task.get(task.id, D(0)) - (own + fixed + spent)) <= TINY * max(D(1), own), (
            text
        )
    # Labour never lands on a day nobody works: the holiday carries none.
    assert all(e.day != date(2025, 3, 12) for e in costs.entries if e.category is Category.LABOUR)


@FEWER
@given(
    st.integers(1, 80),
    st.integers(0, 30_000),
    st.sampled_from(sorted(UNITS)),
    st.booleans(),
    st.integers(0, 5 * 24 * 60),
)
def test_labour_of_an_effort_driven_task_is_rate_times_effort(
    hours: int, rate_cents: int, units: str, pair: bool, offset: int
) -> None:
    # One resource at `units`, or two at the same rate and `units` each (together 2 x units):
    # the duration is effort / total units, so the labour is rate x effort however it falls.
    rate = D(rate_cents) / 100
    start = datetime(2025, 3, 3) + timedelta(minutes=offset)
    people = ["a", "b"] if pair else ["a"]
    text = textwrap.dedent(
        f"""\
        project: {{id: p, name: P, start: 2025-03-03}}
        resources: [{", ".join(f"{{id: {r}, rate: {rate}}}" for r in people)}]
        tasks:
          - {{id: t, name: T, effort: {hours}h, start_no_earlier_than: '{start:%Y-%m-%dT%H:%M}',
             assign: [{", ".join(f"{{resource: {r}, units: '{units}'}}" for r in people)}]}}
        """
    )
    plan = load_plan_text(text)
    assert plan.ok, plan.diagnostics
    project = plan.project
    assert project is not None
    costs = planned_costs(project, schedule_project(project))
    assert abs(costs.total - rate * hours) <= TINY * max(D(1), rate * hours)
