"""Earned value and earned schedule (analytics/evm.py) against published worked examples, then
the rules of each piece: earned share by method, actual cost from bookings, the forecasts and
Lipke's earned schedule on the working-day axis.

Published examples (facts carried over, prose not copied):

- FENCE: R. Mulcahy, *PMP Exam Prep*, p. 210, the four-sided fence exercise, as reproduced at
  https://studylib.net/doc/5898152/earned-value-exercise ("Calculation / Answer / Interpretation"
  table). Four sides, one a day, 1,000 each, one after the other; at the end of day 3 side 1 is done
  (spent 1,000), side 2 done (spent 1,200), side 3 half done (spent 600), side 4 not started.
  Published: PV 3,000; EV 2,500; AC 2,800; BAC 4,000; CV -300; CPI .893; SV -500; SPI .833;
  EAC 4,479; ETC 1,679; VAC -479. The book divides by CPI rounded to .893 first
  (4,000 / .893 = 4,479.28); exactly, EAC = 4,000 x 2,800 / 2,500 = 4,480.00.
- LINEAR: Project Smart forum, "How do you calculate the last 2 lines?",
  https://www.projectsmart.co.uk/forums/viewtopic.php?t=1573: budget 10M over 10 months spent
  equally each month; after 2 months 5% done and 1M spent. Published: PV 2M, EV 0.5M, CV -0.5M,
  SV -1.5M, CPI 0.5, SPI 0.25, EAC 20M, ETC 19M, and a finish forecast of 2 + 38 = 40 months,
  which is IEAC(t) = PD / SPI(t) = 10 / 0.25 with ES = 0.5 month.
- WEEK18: HKSM, "Earned Schedule (ES)", https://hksmnow.com/definitions/project-management/
  earned_schedule_es.php: at week 20 (AT = 20) EV equals the PV planned for week 18, so ES = 18,
  SV(t) = -2 weeks, SPI(t) = 0.90; its exam question: AT = 24, ES = 21 -> SV(t) = -3 weeks.
- LIPKE: W. Lipke, "Earned Schedule Concept" (the figure of "Schedule is Different", The
  Measurable News, March 2003), https://www.scribd.com/doc/47929652/Earned-Schedule-Concept:
  a plan Jan..Nov, status at the end of July (AT = 7), EV between the cumulative PV of May and
  June, so ES = 5 + (EV - PV(May)) / (PV(Jun) - PV(May)). The paper gives no figures; the monthly
  amounts below are ours, worked by hand.
- TCPI: "Earned Value Analysis (EVA) concepts and formulas",
  https://marketingskull.com/earned-value-analysis-eva-concepts-and-formulas/: BAC 3,000,
  EV 1,560, AC 1,800 -> work remaining 1,440, funds remaining 1,200, TCPI(BAC) = 1.2.

No stored copy of the PMI Practice Standard's or Lipke's own numeric tables could be found; see
the report that came with these tests.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from plansmith.analytics.evm import (
    Figures,
    Schedule,
    earned_schedule,
    earned_share,
    earned_value,
    forecast,
)
from plansmith.domain.model import Project, Task
from plansmith.domain.money import EvMethod, Progress, Step
from plansmith.io.plan_file import load_plan_text
from plansmith.services.money import evm_plan_file, save_plan_baseline

D = Decimal
CENT = D("0.01")


def cents(value: Decimal | None) -> Decimal:
    assert value is not None
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def near(value: Decimal | None, expected: str, places: int = 10) -> bool:
    assert value is not None
    return abs(value - D(expected)) < D(10) ** -places


def periods(n: int, first: date = date(2025, 1, 1)) -> list[date]:
    """``n`` consecutive days standing for the example's periods (day k = the end of period k)."""
    return [first + timedelta(days=k) for k in range(n)]


def curve(increments: list[int | str], first: date = date(2025, 1, 1)) -> dict[date, Decimal]:
    """Planned value per period, keyed by the period's day."""
    return {first + timedelta(days=k): D(str(a)) for k, a in enumerate(increments)}


# =================================================================================================
# Published examples
# =================================================================================================


def test_fence_figures_and_forecasts() -> None:
    f = Figures(bac=D(4000), pv=D(3000), ev=D(2500), ac=D(2800))
    assert (f.cv, f.sv) == (D(-300), D(-500))
    assert f.cpi is not None
    assert f.spi is not None
    assert (round(f.cpi, 3), round(f.spi, 3)) == (D("0.893"), D("0.833"))
    fc = forecast(f, remaining_cost=D(0))
    # Exactly: EAC = BAC / CPI = 4000 / (2500 / 2800) = 4480.00; ETC = 4480 - 2800 = 1680.00;
    # VAC = 4000 - 4480 = -480.00.
    assert (cents(fc.eac_typical), cents(fc.etc), cents(fc.vac)) == (
        D("4480.00"),
        D("1680.00"),
        D("-480.00"),
    )
    # The book's 4,479 / 1,679 / -479 come from dividing by CPI rounded to .893 first.
    published_eac = (f.bac / round(f.cpi, 3)).quantize(D(1))
    assert (published_eac, published_eac - f.ac, f.bac - published_eac) == (
        D(4479),
        D(1679),
        D(-479),
    )
    # Not in the exercise but by the Practice Standard's formulas:
    # EAC = AC + BAC - EV = 2800 + 1500 = 4300; TCPI(BAC) = (4000 - 2500) / (4000 - 2800) = 1.25;
    # EAC(CPI x SPI) = 2800 + 1500 / (0.892857 x 0.833333) = 2800 + 1500 x 2800 x 3000 / 2500^2
    # = 2800 + 2016 = 4816.00.
    assert fc.eac_atypical == D(4300)
    assert fc.tcpi_bac == D("1.25")
    assert cents(fc.eac_cpi_spi) == D("4816.00")


FENCE_PLAN = """\
project: {{id: fence, name: Fence, start: 2025-03-03{status}}}
tasks:
  - {{id: side1, name: Side 1, duration: 1d, cost: 1000{s1}}}
  - {{id: side2, name: Side 2, duration: 1d, after: [side1], cost: 1000{s2}}}
  - {{id: side3, name: Side 3, duration: 1d, after: [side2], cost: 1000{s3}}}
  - {{id: side4, name: Side 4, duration: 1d, after: [side3], cost: 1000}}
{actuals}"""


def test_fence_end_to_end_through_a_plan_file(tmp_path: Path) -> None:
    """The same exercise as a plan: a baseline, then progress and bookings at the end of day 3
    (Wed 2025-03-05); each side's 1,000 is a fixed cost spread over its one day."""
    path = tmp_path / "fence.yaml"
    path.write_text(FENCE_PLAN.format(status="", s1="", s2="", s3="", actuals=""))
    assert save_plan_baseline(path, "plan").ok
    path.write_text(
        FENCE_PLAN.format(
            status=", status_date: 2025-03-05",
            s1=", actual_start: 2025-03-03, actual_finish: 2025-03-03",
            s2=", actual_start: 2025-03-04, actual_finish: 2025-03-04",
            s3=", actual_start: 2025-03-05, progress: 50",
            actuals=textwrap.dedent(
                """\
                actuals:
                  - {task: side1, date: 2025-03-03, cost: 1000}
                  - {task: side2, date: 2025-03-04, cost: 1200}
                  - {task: side3, date: 2025-03-05, cost: 600}
                """
            ),
        )
    )
    outcome = evm_plan_file(path, baseline="plan")
    assert outcome.ok, outcome.diagnostics
    report = outcome.result
    f = report.project
    assert (f.bac, f.pv, f.ev, f.ac) == (D(4000), D(3000), D(2500), D(2800))
    assert (cents(report.forecast.eac_typical), cents(report.forecast.etc)) == (
        D("4480.00"),
        D("1680.00"),
    )
    # Bottom-up: side 3 has 0.5d left after Wed (Thu 09:00-12:00 + 13:00-14:00); its 1,000 is
    # re-spread over its 1.5d: Wed 8h/12h = 666.67, Thu 4h/12h = 333.33. Side 4 then runs
    # Thu 14:00 .. Fri 14:00 (1,000). Remaining after Wed = 333.33 + 1000 = 1333.33;
    # EAC = 2800 + 1333.33 = 4133.33.
    assert cents(report.forecast.eac_bottom_up) == D("4133.33")
    # Earned schedule, days as periods: cumulative PV 1000, 2000, 3000, 4000; EV 2500 ->
    # ES = 2 + (2500 - 2000) / (3000 - 2000) = 2.5 days; AT = 3; SV(t) = -0.5;
    # SPI(t) = 2.5 / 3 = 0.8333...; PD = 4; IEAC(t) = 4 / (2.5 / 3) = 4.8 days.
    s = report.schedule
    assert (s.es, s.at, s.pd, s.sv_t) == (D("2.5"), 3, 4, D("-0.5"))
    assert near(s.spi_t, "0.8333333333")
    assert near(s.ieac_t, "4.8")
    assert [(t.id, t.complete, t.ac_source) for t in report.tasks] == [
        ("side1", D(1), "bookings"),
        ("side2", D(1), "bookings"),
        ("side3", D("0.5"), "bookings"),
        ("side4", D(0), "none"),
    ]


def test_linear_project_figures_and_forecasts() -> None:
    f = Figures(bac=D(10_000_000), pv=D(2_000_000), ev=D(500_000), ac=D(1_000_000))
    assert (f.cv, f.sv, f.cpi, f.spi) == (D(-500_000), D(-1_500_000), D("0.5"), D("0.25"))
    fc = forecast(f, remaining_cost=D(0))
    assert (fc.eac_typical, fc.etc) == (D(20_000_000), D(19_000_000))
    assert fc.vac == D(-10_000_000)
    # Not published: EAC = AC + BAC - EV = 1M + 9.5M = 10.5M; EAC(CPI x SPI) =
    # 1M + 9.5M / (0.5 x 0.25) = 77M; TCPI(BAC) = 9.5M / 9M = 1.0555...
    assert fc.eac_atypical == D(10_500_000)
    assert fc.eac_cpi_spi == D(77_000_000)
    assert near(fc.tcpi_bac, "1.0555555556")


def test_linear_project_earned_schedule() -> None:
    # 10 months of 1M each; status at the end of month 2; EV 0.5M -> C = 0,
    # ES = 0 + (0.5M - 0) / (1M - 0) = 0.5; SV(t) = -1.5; SPI(t) = 0.25; IEAC(t) = 10 / 0.25 = 40.
    months = periods(10)
    s = earned_schedule(curve([1_000_000] * 10), D(500_000), months[1], months, months[-1])
    assert (s.es, s.at, s.pd) == (D("0.5"), 2, 10)
    assert (s.sv_t, s.spi_t, s.ieac_t) == (D("-1.5"), D("0.25"), D(40))


def test_week_18_of_20() -> None:
    # A 30-week plan earning 100 a week; EV = PV(week 18) = 1800 at week 20.
    weeks = periods(30)
    s = earned_schedule(curve([100] * 30), D(1800), weeks[19], weeks, weeks[-1])
    assert (s.es, s.at, s.sv_t, s.spi_t) == (D(18), 20, D(-2), D("0.9"))
    # The exam question: ES 21 at AT 24.
    assert Schedule(D(21), 24, 30).sv_t == D(-3)


def test_lipke_earned_schedule_concept() -> None:
    # Jan..Nov planned 100, 200, 300, 400, 500, 600, 600, 500, 400, 300, 100 (BAC 4000):
    # cumulative 100, 300, 600, 1000, 1500 (May), 2100 (Jun), 2700, 3200, 3600, 3900, 4000.
    # End of July (AT = 7), EV = 1800: C = 5 (1500 <= 1800 < 2100),
    # ES = 5 + (1800 - 1500) / (2100 - 1500) = 5.5 months; SV(t) = 5.5 - 7 = -1.5;
    # SPI(t) = 5.5 / 7 = 0.785714...; IEAC(t) = 11 / (5.5 / 7) = 14 months.
    months = periods(11)
    pv = curve([100, 200, 300, 400, 500, 600, 600, 500, 400, 300, 100])
    s = earned_schedule(pv, D(1800), months[6], months, months[-1])
    assert (s.es, s.at, s.pd, s.sv_t) == (D("5.5"), 7, 11, D("-1.5"))
    assert near(s.spi_t, "0.7857142857")
    assert near(s.ieac_t, "14")
    # The money view at the same point: PV(Jul) = 2700, SV = 1800 - 2700 = -900,
    # SPI = 1800 / 2700 = 0.6667 -- it says "a third behind", ES says "1.5 months behind".
    f = Figures(D(4000), D(2700), D(1800), D(2000))
    assert f.sv == D(-900)


def test_tcpi_to_bac() -> None:
    fc = forecast(Figures(D(3000), D(2000), D(1560), D(1800)), D(0))
    assert fc.tcpi_bac == D("1.2")


# =================================================================================================
# Earned share by method
# =================================================================================================

MON = datetime(2025, 3, 3)
STATUS = date(2025, 3, 5)


def task(
    *,
    method: EvMethod = EvMethod.PERCENT_COMPLETE,
    complete: str | None = None,
    remaining: int | None = None,
    start: datetime | None = None,
    finish: datetime | None = None,
    steps: tuple[Step, ...] = (),
) -> Task:
    return Task(
        "t",
        "T",
        "1",
        duration=4800,
        actual_start=start,
        actual_finish=finish,
        progress=Progress(None if complete is None else D(complete), remaining, method, steps),
    )


@pytest.mark.parametrize(
    ("kwargs", "share"),
    [
        ({}, "0"),
        ({"start": MON}, "0"),
        ({"start": MON, "complete": "0.4"}, "0.4"),
        ({"start": MON, "complete": "1"}, "1"),
        # remaining 1200 of 4800 minutes: 1 - 1200/4800 = 0.75
        ({"start": MON, "remaining": 1200}, "0.75"),
        ({"start": MON, "remaining": 9999}, "0"),
        ({"start": MON, "complete": "0.4", "remaining": 1200}, "0.4"),
        ({"start": MON, "finish": MON + timedelta(hours=10)}, "1"),
    ],
)
def test_percent_complete(kwargs: dict[str, object], share: str) -> None:
    assert earned_share(task(**kwargs), STATUS) == D(share)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "share"),
    [
        ({}, "0"),
        ({"start": MON, "complete": "0.99"}, "0"),
        ({"start": MON, "complete": "1"}, "1"),
        ({"start": MON, "finish": MON + timedelta(hours=10)}, "1"),
        # finished only after the status date: not yet earned
        ({"start": MON, "finish": datetime(2025, 3, 7, 12)}, "0"),
    ],
)
def test_zero_hundred(kwargs: dict[str, object], share: str) -> None:
    assert earned_share(task(method=EvMethod.ZERO_HUNDRED, **kwargs), STATUS) == D(share)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "share"),
    [
        ({}, "0"),
        ({"start": MON}, "0.5"),
        ({"start": MON, "complete": "0.9"}, "0.5"),
        ({"start": datetime(2025, 3, 6, 9)}, "0"),  # starts after the status date
        ({"start": MON, "finish": MON + timedelta(hours=10)}, "1"),
        ({"start": MON, "complete": "1"}, "1"),
    ],
)
def test_fifty_fifty(kwargs: dict[str, object], share: str) -> None:
    assert earned_share(task(method=EvMethod.FIFTY_FIFTY, **kwargs), STATUS) == D(share)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("done", "share"),
    [
        ((False, False, False), "0"),
        ((True, False, False), "0.2"),  # weights 1, 3, 1 of 5
        ((False, True, False), "0.6"),
        ((True, True, False), "0.8"),
        ((True, True, True), "1"),
    ],
)
def test_weighted_milestones(done: tuple[bool, bool, bool], share: str) -> None:
    steps = tuple(
        Step(name, D(weight), flag)
        for (name, weight), flag in zip((("a", 1), ("b", 3), ("c", 1)), done, strict=True)
    )
    t = task(method=EvMethod.WEIGHTED_MILESTONES, start=MON, steps=steps)
    assert earned_share(t, STATUS) == D(share)


@pytest.mark.parametrize("method", [EvMethod.PERCENT_COMPLETE, EvMethod.ZERO_HUNDRED])
def test_task_finished_on_the_status_date_has_earned_its_budget(method: EvMethod) -> None:
    plan = load_plan_text(
        "project: {id: p, name: P, start: 2025-03-03, status_date: 2025-03-05}\n"
        "tasks:\n"
        "  - {id: a, name: A, duration: 3d, actual_start: 2025-03-03, actual_finish: 2025-03-05,"
        f" ev_method: '{method.value}'}}\n"
    )
    assert plan.project is not None
    (a,) = plan.project.tasks
    assert earned_share(a, date(2025, 3, 5)) == 1


def test_task_started_after_the_status_date_has_earned_nothing() -> None:
    t = task(start=datetime(2025, 3, 10, 9), complete="0.4")
    assert earned_share(t, STATUS) == 0


# =================================================================================================
# Actual cost, figures and forecasts
# =================================================================================================


def _report(text: str, status: date, planned: dict[str, dict[date, Decimal]] | None = None):
    plan = load_plan_text(textwrap.dedent(text))
    assert plan.ok, plan.diagnostics
    project: Project = plan.project  # type: ignore[assignment]
    days = [date(2025, 3, 3) + timedelta(days=k) for k in range(5)]
    return earned_value(project, planned or {}, status, days, days[-1], D(0))


BOOKINGS = """\
project: {id: p, name: P, start: 2025-03-03}
resources:
  - {id: ana, rate: 100, rates: [{from: 2025-03-05, rate: 120}], overtime_rate: 150}
  - {id: ben, rate: 80}
tasks:
  - {id: a, name: A, duration: 5d, actual_start: 2025-03-03}
  - {id: b, name: B, duration: 5d, actual_start: 2025-03-03, progress: 30}
  - {id: c, name: C, duration: 5d}
actuals:
  - {task: a, date: 2025-03-04, resource: ana, hours: 2}
  - {task: a, date: 2025-03-05, resource: ana, hours: 1.5}
  - {task: a, date: 2025-03-05, resource: ana, hours: 2, overtime: true}
  - {task: a, date: 2025-03-05, resource: ben, hours: 1, overtime: true}
  - {task: a, date: 2025-03-05, cost: 12.34}
  - {task: a, date: 2025-03-06, resource: ana, hours: 8}
  - {task: a, date: 2025-03-06, cost: 1000}
"""


def test_actual_cost_from_bookings_up_to_the_status_date() -> None:
    # Up to Wed 2025-03-05: Tue 2h x 100 = 200; Wed 1.5h x 120 (new rate) = 180;
    # Wed 2h overtime x 150 = 300; ben 1h "overtime" without an overtime rate x 80 = 80;
    # plain cost 12.34. Thu's bookings come after the status date. AC = 772.34.
    planned = {"b": {date(2025, 3, 3): D(500)}}
    report = _report(BOOKINGS, date(2025, 3, 5), planned)
    values = {t.id: t for t in report.tasks}
    assert values["a"].figures.ac == D("772.34")
    assert values["a"].ac_source == "bookings"
    # b: no bookings, 30% of its 500 budget earned -> costed from progress, AC = EV = 150.
    assert (values["b"].figures.ev, values["b"].figures.ac) == (D(150), D(150))
    assert values["b"].ac_source == "progress"
    assert (values["c"].figures.ac, values["c"].ac_source) == (D(0), "none")
    assert report.project.ac == D("922.34")


def test_actual_cost_includes_the_status_date_itself() -> None:
    # On Thu: + 8h x 120 + 1000 = 1960 more than at Wed.
    report = _report(BOOKINGS, date(2025, 3, 6))
    assert {t.id: t.figures.ac for t in report.tasks}["a"] == D("2732.34")


def test_figures_by_task_phase_and_project() -> None:
    text = """\
    project: {id: p, name: P, start: 2025-03-03}
    tasks:
      - id: x
        name: X
        children:
          - {id: a, name: A, duration: 2d, actual_start: 2025-03-03, progress: 50}
          - {id: b, name: B, duration: 2d}
      - {id: y, name: Y, duration: 1d, actual_start: 2025-03-03, progress: 100}
    actuals: [{task: y, date: 2025-03-03, cost: 90}]
    """
    planned = {
        "a": {date(2025, 3, 3): D(100), date(2025, 3, 4): D(100)},
        "b": {date(2025, 3, 5): D(300)},
        "y": {date(2025, 3, 3): D(80)},
    }
    report = _report(text, date(2025, 3, 4), planned)
    # a: BAC 200, PV 200, EV 100, AC 100 (progress); b: BAC 300, PV 0; y: BAC 80, PV 80,
    # EV 80, AC 90. Phase x = a + b; phase y = y.
    assert dict(report.phases) == {
        "x": Figures(D(500), D(200), D(100), D(100)),
        "y": Figures(D(80), D(80), D(80), D(90)),
    }
    assert report.project == Figures(D(580), D(280), D(180), D(190))
    # Summaries carry no figures of their own.
    assert [t.id for t in report.tasks] == ["a", "b", "y"]


def test_ratios_without_a_denominator_are_none() -> None:
    f = Figures(D(100), D(0), D(0), D(0))
    assert (f.spi, f.cpi) == (None, None)
    fc = forecast(f, D(100))
    assert (fc.eac_typical, fc.eac_cpi_spi, fc.etc, fc.vac, fc.tcpi_eac) == (None,) * 5
    assert fc.eac_atypical == D(100)
    assert fc.eac_bottom_up == D(100)
    assert fc.tcpi_bac == D(1)
    # Everything spent and nothing left: TCPI to BAC has no funds left to divide by.
    assert forecast(Figures(D(100), D(100), D(50), D(100)), D(0)).tcpi_bac is None


def test_figures_add_up() -> None:
    total = Figures(D(1), D(2), D(3), D(4)) + Figures(D(10), D(20), D(30), D(40))
    assert total == Figures(D(11), D(22), D(33), D(44))


# =================================================================================================
# Earned schedule on working days
# =================================================================================================


def test_earned_schedule_counts_working_days_only() -> None:
    # Working days Thu 6, Fri 7, Mon 10, Tue 11 (the weekend is not on the axis); a cost dated
    # Sat 8 belongs to Monday's point. PV: 100, 100, (50 on Sat) + 100, 100 -> cumulative
    # 100, 200, 350, 450. Status Sun 9 -> AT = 2 (Thu, Fri). EV 275 -> C = 2,
    # ES = 2 + (275 - 200) / (350 - 200) = 2.5.
    days = [date(2025, 3, 6), date(2025, 3, 7), date(2025, 3, 10), date(2025, 3, 11)]
    pv = {
        date(2025, 3, 6): D(100),
        date(2025, 3, 7): D(100),
        date(2025, 3, 8): D(50),
        date(2025, 3, 10): D(100),
        date(2025, 3, 11): D(100),
    }
    s = earned_schedule(pv, D(275), date(2025, 3, 9), days, date(2025, 3, 11))
    assert (s.es, s.at, s.pd) == (D("2.5"), 2, 4)


def test_nothing_earned_is_no_schedule_earned() -> None:
    days = periods(4)
    s = earned_schedule(curve([10, 10, 10, 10]), D(0), days[1], days, days[-1])
    assert (s.es, s.at, s.sv_t, s.spi_t) == (D(0), 2, D(-2), D(0))
    assert s.ieac_t is None  # SPI(t) = 0: no forecast


def test_everything_earned_late_is_the_planned_duration() -> None:
    # Planned 4 periods, finished at period 6: ES = PD = 4, SV(t) = -2, SPI(t) = 4/6,
    # IEAC(t) = 4 / (4/6) = 6 -- the real duration (where SPI = 1 says nothing).
    days = periods(8)
    s = earned_schedule(curve([10, 10, 10, 10]), D(40), days[5], days, days[3])
    assert (s.es, s.at, s.pd, s.sv_t) == (D(4), 6, 4, D(-2))
    assert near(s.ieac_t, "6")


def test_flat_stretch_of_planned_value_counts_as_earned() -> None:
    # cumulative 100, 100, 100, 200: EV 100 has earned the three periods it equals (C = 3).
    days = periods(4)
    s = earned_schedule(curve([100, 0, 0, 100]), D(150), days[3], days, days[-1])
    assert s.es == D("3.5")


def test_no_status_time_yet() -> None:
    days = periods(3, date(2025, 3, 3))
    s = earned_schedule(curve([1, 1, 1], date(2025, 3, 3)), D(0), date(2025, 3, 2), days, days[-1])
    assert (s.at, s.spi_t, s.ieac_t) == (0, None, None)


# =================================================================================================
# The status date from the command line
# =================================================================================================


def test_status_date_option_reschedules_like_the_plan_status_date(write_plan) -> None:
    body = textwrap.dedent(
        """\
        tasks:
          - {id: a, name: A, duration: 10d, actual_start: 2025-03-03, progress: 20%, cost: 1000}
          - {id: b, name: B, duration: 2d, after: [a], cost: 500}
        """
    )
    in_plan = write_plan(
        "project: {id: p, name: P, start: 2025-03-03, status_date: 2025-03-07}\n" + body,
        "in_plan.yaml",
    )
    by_option = write_plan("project: {id: p, name: P, start: 2025-03-03}\n" + body, "option.yaml")
    a = evm_plan_file(in_plan.path)
    b = evm_plan_file(by_option.path, status_date=date(2025, 3, 7))
    assert a.ok, a.diagnostics
    assert b.ok, b.diagnostics
    # In the plan: a has done 5d by Fri and 8d remain -> 13d; b after it: PD = 15 days and
    # the bottom-up EAC = 200 (AC = EV, from progress) + 8/13 x 1000 + 500 = 1315.38.
    assert cents(a.result.forecast.eac_bottom_up) == D("1315.38")
    assert a.result.schedule.pd == 15
    assert b.result.forecast.eac_bottom_up == a.result.forecast.eac_bottom_up
    assert b.result.schedule.pd == a.result.schedule.pd


# =================================================================================================
# Money that goes missing
# =================================================================================================


def test_booking_on_a_phase_is_counted_or_diagnosed(write_plan) -> None:
    written = write_plan(
        """\
        project: {id: p, name: P, start: 2025-03-03, status_date: 2025-03-05}
        tasks:
          - id: ph
            name: Phase
            children:
              - {id: a, name: A, duration: 2d, cost: 100, actual_start: 2025-03-03, progress: 50}
        actuals:
          - {task: ph, date: 2025-03-04, cost: 70}
          - {task: a, date: 2025-03-04, cost: 30}
        """
    )
    outcome = evm_plan_file(written.path)
    assert outcome.ok
    assert outcome.result.project.ac == D(100) or outcome.diagnostics


def test_bac_from_a_baseline_keeps_a_task_removed_since(write_plan) -> None:
    body = """\
        tasks:
          - {id: a, name: A, duration: 1d, cost: 100}
          - {id: b, name: B, duration: 1d, after: [a], cost: 50}
        """
    written = write_plan("project: {id: p, name: P, start: 2025-03-03}\n" + textwrap.dedent(body))
    assert save_plan_baseline(written.path, "base").ok
    written.path.write_text(
        "project: {id: p, name: P, start: 2025-03-03, status_date: 2025-03-04}\n"
        "tasks:\n  - {id: a, name: A, duration: 1d, cost: 100}\n"
    )
    outcome = evm_plan_file(written.path, baseline="base")
    assert outcome.ok
    # Baseline: a 100 on Mon, b 50 on Tue -> BAC 150, PV at Tue 150.
    assert (outcome.result.project.bac, outcome.result.project.pv) == (D(150), D(150))
