"""Golden project for money and progress: a customer portal in two phases, its budget, a saved
baseline, then progress and bookings at two status dates. Every expected figure is worked out by
hand below; the engines must agree to the cent (money) and exactly (working days).

THE PLAN (calendar std: Mon-Fri 08:00-12:00 + 13:00-17:00, 8 h a day; start Mon 2025-03-03)

  ana  100.00/h, 120.00/h from Mon 2025-03-17, overtime 150.00/h
  ben   80.00/h

  design (phase)
    req      5d, ana                        Mon 03-03 .. Fri 03-07
    arch     3d, ben, after req; fixed 600 at its end (services)
                                            Mon 03-10 .. Wed 03-12
    signoff  milestone after arch           Wed 03-12 17:00
  build (phase)
    code     effort 10d, ana + ben (5d)     Thu 03-13 .. Wed 03-19
    test     4d, ben at 50%; fixed 2000 prorated (hardware)
                                            Thu 03-20 .. Tue 03-25
    deploy   2d, ana; fixed 1200 at its start (software)
                                            Wed 03-26 .. Thu 03-27
    launch   milestone after deploy         Thu 03-27 17:00
  expenses: IDE licences 900 on Thu 03-20 for code (software);
            kick-off travel 300 on Tue 04-01, no task (training)

PLANNED COST BY DAY (labour = hours x rate of the day x units)

  req     5 x 8h x 100                                  = 800/day         -> 4000
  arch    3 x 8h x 80 = 640/day; + 600 on Wed 03-12     -> 1920 + 600     -> 2520
  code    Thu 13, Fri 14: ana 8h x 100 + ben 8h x 80    = 1440/day
          Mon 17, Tue 18, Wed 19: ana 8h x 120 + ben 640 = 1600/day
          + licence 900 on Thu 03-20                    -> 2880 + 4800 + 900 = 8580
  test    ben 0.5 x 8h x 80 = 320/day + 2000/4 = 500/day -> 4 x 820        -> 3280
  deploy  ana 8h x 120 = 960/day; + 1200 on Wed 03-26   -> 1920 + 1200    -> 3120
  project travel 300 on 04-01
  tasks 21500 (design 6520 = 4000 + 2520; build 14980 = 8580 + 3280 + 3120); plan 21800

CUMULATIVE BASELINE PV BY WORKING DAY k (the earned-schedule axis; PD = 19)

  k  day    +PV    cum        k  day    +PV    cum
  1  03-03   800    800      11  03-17  1600  11000
  2  03-04   800   1600      12  03-18  1600  12600
  3  03-05   800   2400      13  03-19  1600  14200
  4  03-06   800   3200      14  03-20  1720  15920   (test 820 + licence 900)
  5  03-07   800   4000      15  03-21   820  16740
  6  03-10   640   4640      16  03-24   820  17560
  7  03-11   640   5280      17  03-25   820  18380
  8  03-12  1240   6520      18  03-26  2160  20540   (deploy 960 + 1200)
  9  03-13  1440   7960      19  03-27   960  21500
 10  03-14  1440   9400
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from plansmith.analytics.budget import BudgetRow
from plansmith.domain.money import Category
from plansmith.io.baselines import load_status_history
from plansmith.io.money_json import budget_to_json, compare_to_json, evm_to_json
from plansmith.scheduling.calendars import CalendarBook
from plansmith.services.money import (
    budget_plan_file,
    compare_plan_baselines,
    evm_plan_file,
    save_plan_baseline,
)

D = Decimal


def cents(value: Decimal | None) -> Decimal:
    assert value is not None
    return value.quantize(D("0.01"), rounding=ROUND_HALF_EVEN)


def near(value: Decimal | None, expected: str) -> bool:
    assert value is not None
    return abs(value - D(expected)) < D("1e-9")


def plan_text(
    status: str = "",
    req: str = "",
    arch: str = "",
    signoff: str = "",
    code: str = "",
    test: str = "",
    deploy: str = "",
    actuals: str = "",
) -> str:
    def extra(lines: str) -> str:
        return textwrap.indent(textwrap.dedent(lines), " " * 8) if lines else ""

    return textwrap.dedent(
        """\
            project:
              id: portal
              name: Customer portal
              start: 2025-03-03
              calendar: std
              currency: EUR
            {status}
            calendars:
              std:
                workdays: [mon, tue, wed, thu, fri]
                hours: ["08:00-12:00", "13:00-17:00"]

            resources:
              - id: ana
                rate: 100
                rates: [{{from: 2025-03-17, rate: 120}}]
                overtime_rate: 150
              - id: ben
                rate: 80

            tasks:
              - id: design
                name: Design
                children:
                  - id: req
                    name: Requirements
                    duration: 5d
                    assign: [ana]
            {req}      - id: arch
                    name: Architecture
                    duration: 3d
                    after: [req]
                    assign: [ben]
                    cost: {{amount: 600, accrue: end}}
            {arch}      - id: signoff
                    name: Design signed off
                    milestone: true
                    after: [arch]
            {signoff}  - id: build
                name: Build
                children:
                  - id: code
                    name: Code
                    effort: 10d
                    after: [signoff]
                    assign: [ana, ben]
            {code}      - id: test
                    name: Test
                    duration: 4d
                    after: [code]
                    assign: [{{resource: ben, units: 50%}}]
                    cost: {{amount: 2000, accrue: prorated, category: hardware}}
            {test}      - id: deploy
                    name: Deploy
                    duration: 2d
                    after: [test]
                    assign: [ana]
                    cost: {{amount: 1200, accrue: start, category: software}}
            {deploy}      - id: launch
                    name: Launch
                    milestone: true
                    after: [deploy]

            expenses:
              - {{name: IDE licences, amount: 900, date: 2025-03-20, task: code,
                 category: software}}
              - {{name: Kick-off travel, amount: 300, date: 2025-04-01, category: training}}

            budget:
              - {{amount: 6000, category: labour, phase: design}}
              - {{amount: 10000, category: labour, phase: build}}
              - {{amount: 3000, category: hardware}}
              - {{amount: 2000, category: software, phase: build}}
              - {{amount: 1000, category: services}}
              - {{amount: 1500, category: management_reserve}}
              - {{amount: 500, category: contingency}}
            """
    ).format(
        status=f"  status_date: {status}\n" if status else "",
        req=extra(req),
        arch=extra(arch),
        signoff=extra(signoff),
        code=extra(code),
        test=extra(test),
        deploy=extra(deploy),
    ) + (f"\nactuals:\n{textwrap.indent(textwrap.dedent(actuals), '  ')}" if actuals else "")


# Status date 1: Fri 2025-03-14 (AT = 10 working days).
#   req finished as planned; arch took a day longer (finished Thu 03-13) and earns by 0/100;
#   the sign-off came Thu 03-13; code started a day late, Fri 03-14, and is 20% done.
REQ = "actual_start: 2025-03-03\nactual_finish: 2025-03-07\n"
ARCH = "actual_start: 2025-03-10\nactual_finish: 2025-03-13\nev_method: 0/100\n"
SIGNOFF = "actual_finish: 2025-03-13\n"
ACTUALS_1 = """\
- {task: req, date: 2025-03-04, resource: ana, hours: 16}
- {task: req, date: 2025-03-06, resource: ana, hours: 16}
- {task: req, date: 2025-03-07, resource: ana, hours: 8}
- {task: req, date: 2025-03-07, resource: ana, hours: 4, overtime: true}
- {task: arch, date: 2025-03-11, resource: ben, hours: 16}
- {task: arch, date: 2025-03-13, resource: ben, hours: 16}
- {task: arch, date: 2025-03-13, cost: 650}
- {task: code, date: 2025-03-14, resource: ana, hours: 8}
- {task: code, date: 2025-03-14, resource: ben, hours: 8}
"""
# Status date 2: Fri 2025-03-21 (AT = 15). code finished Thu 03-20; test started Fri 03-21
# (50/50); deploy has not started but its first of two weighted steps is done (weights 1 and 3).
ACTUALS_2 = (
    ACTUALS_1
    + """\
- {task: code, date: 2025-03-18, resource: ana, hours: 16}
- {task: code, date: 2025-03-20, resource: ana, hours: 16}
- {task: code, date: 2025-03-18, resource: ben, hours: 16}
- {task: code, date: 2025-03-20, resource: ben, hours: 16}
- {task: code, date: 2025-03-20, cost: 900}
- {task: test, date: 2025-03-21, resource: ben, hours: 4}
- {task: test, date: 2025-03-24, cost: 999}
"""
)

BASELINE = plan_text()
STATUS_1 = plan_text(
    status="2025-03-14",
    req=REQ,
    arch=ARCH,
    signoff=SIGNOFF,
    code="actual_start: 2025-03-14\nprogress: 20%\n",
    actuals=ACTUALS_1,
)
STATUS_2 = plan_text(
    status="2025-03-21",
    req=REQ,
    arch=ARCH,
    signoff=SIGNOFF,
    code="actual_start: 2025-03-14\nactual_finish: 2025-03-20\n",
    test="actual_start: 2025-03-21\nev_method: 50/50\n",
    deploy=(
        "ev_method: weighted_milestones\n"
        "steps:\n"
        "  - {name: scripts, weight: 1, done: true}\n"
        "  - {name: cutover, weight: 3}\n"
    ),
    actuals=ACTUALS_2,
)


@pytest.fixture
def portal(tmp_path: Path) -> Callable[[str], Path]:
    """The plan file with the baseline 'approved' saved from the plan as first written; call
    it with a later version of the text to rewrite the plan in place."""
    path = tmp_path / "portal.yaml"
    path.write_text(BASELINE, encoding="utf-8")
    saved = save_plan_baseline(path, "approved")
    assert saved.ok, saved.diagnostics

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    return write


# =================================================================================================
# Budget and baseline
# =================================================================================================


def test_budget_by_phase_category_month_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "portal.yaml"
    path.write_text(BASELINE, encoding="utf-8")
    outcome = budget_plan_file(path)
    assert outcome.ok, outcome.diagnostics
    report = outcome.result
    # 4000 + 2520 + 8580 + 3280 + 3120 + 300 = 21800; lines 6000 + 10000 + 3000 + 2000 + 1000
    # + 1500 + 500 = 24000.
    assert (report.total_planned, report.total_budget) == (D(21800), D(24000))
    assert report.by_phase == {"design": D(6520), "build": D(14980), "": D(300)}
    # labour 4000 + 1920 + 7680 + 1280 + 1920 = 16800; services = arch's 600;
    # hardware = test's 2000; software = licence 900 + deploy's 1200; training = travel 300.
    assert report.by_category == {
        "labour": D(16800),
        "services": D(600),
        "hardware": D(2000),
        "software": D(2100),
        "training": D(300),
    }
    # Project-wide lines (no phase) cover their category where no phase line does:
    #   hardware 3000 vs build's 2000; services 1000 vs design's 600; training unbudgeted;
    #   contingency and management reserve have no planned cost (never an overrun).
    # design labour 6000 vs 4000 + 1920 = 5920; build labour 10000 vs 7680 + 1280 + 1920 =
    # 10880; build software 2000 vs 900 + 1200 = 2100.
    assert report.rows == [
        BudgetRow(None, Category.HARDWARE, D(3000), D(2000)),
        BudgetRow(None, Category.SERVICES, D(1000), D(600)),
        BudgetRow(None, Category.TRAINING, None, D(300)),
        BudgetRow(None, Category.CONTINGENCY, D(500), D(0)),
        BudgetRow(None, Category.MANAGEMENT_RESERVE, D(1500), D(0)),
        BudgetRow("build", Category.LABOUR, D(10000), D(10880)),
        BudgetRow("build", Category.SOFTWARE, D(2000), D(2100)),
        BudgetRow("design", Category.LABOUR, D(6000), D(5920)),
    ]
    assert [r.variance for r in report.rows] == [
        D(1000),
        D(400),
        None,
        D(500),
        D(1500),
        D(-880),
        D(-100),
        D(80),
    ]
    assert [(m.month, m.planned, m.cumulative) for m in report.cash_flow] == [
        ("2025-03", D(21500), D(21500)),
        ("2025-04", D(300), D(21800)),
    ]
    assert report.by_phase_month == {
        "design": {"2025-03": D(6520)},
        "build": {"2025-03": D(14980)},
        "": {"2025-04": D(300)},
    }
    doc = budget_to_json(outcome.plan.project, report)
    assert (doc["currency"], doc["total_planned"], doc["total_budget"]) == (
        "EUR",
        "21800.00",
        "24000.00",
    )
    # The rate change shows in code's days: 1440 on Thu/Fri, 1600 from Mon 03-17.
    costed = outcome.extra["costed"]
    assert costed.costs.task_days()["code"] == {
        date(2025, 3, 13): D(1440),
        date(2025, 3, 14): D(1440),
        date(2025, 3, 17): D(1600),
        date(2025, 3, 18): D(1600),
        date(2025, 3, 19): D(1600),
        date(2025, 3, 20): D(900),
    }


def test_baseline_keeps_dates_and_costs(portal: Callable[[str], Path]) -> None:
    path = portal(BASELINE)
    outcome = compare_plan_baselines(path, "approved", None)
    assert outcome.ok, outcome.diagnostics
    approved, current = outcome.result
    assert (approved.start, approved.finish, approved.cost) == (
        "2025-03-03T08:00",
        "2025-03-27T17:00",
        D(21800),
    )
    assert {k: (t.start, t.finish, t.cost) for k, t in approved.tasks.items()} == {
        "design": ("2025-03-03T08:00", "2025-03-12T17:00", D(6520)),
        "req": ("2025-03-03T08:00", "2025-03-07T17:00", D(4000)),
        "arch": ("2025-03-10T08:00", "2025-03-12T17:00", D(2520)),
        "signoff": ("2025-03-12T17:00", "2025-03-12T17:00", D(0)),
        "build": ("2025-03-13T08:00", "2025-03-27T17:00", D(14980)),
        "code": ("2025-03-13T08:00", "2025-03-19T17:00", D(8580)),
        "test": ("2025-03-20T08:00", "2025-03-25T17:00", D(3280)),
        "deploy": ("2025-03-26T08:00", "2025-03-27T17:00", D(3120)),
        "launch": ("2025-03-27T17:00", "2025-03-27T17:00", D(0)),
    }
    # Unchanged plan: no variance at all.
    assert {k: t.cost for k, t in current.tasks.items()} == {
        k: t.cost for k, t in approved.tasks.items()
    }
    # A second save under the same name needs --force.
    again = save_plan_baseline(path, "approved")
    assert not again.ok
    assert [d.code for d in again.diagnostics] == ["baseline_exists"]
    assert save_plan_baseline(path, "approved", force=True).ok


# =================================================================================================
# Status date 1: Fri 2025-03-14
# =================================================================================================
#
# PV (baseline, to the end of 03-14) = req 4000 + arch 2520 + code Thu/Fri 2880 = 9400.
# EV = req 4000 (done) + arch 2520 (0/100, done) + code 20% x 8580 = 1716 -> 8236.
# AC = req: 40h x 100 + 4h overtime x 150 = 4600
#    + arch: 32h x 80 + invoice 650 = 3210
#    + code: ana 8h x 100 + ben 8h x 80 = 1440                          -> 9250.
# BAC = 21500 (task costs; the travel outside any task is not in the PMB).
# SV = 8236 - 9400 = -1164; CV = 8236 - 9250 = -1014;
# SPI = 8236 / 9400 = 0.8761702128; CPI = 8236 / 9250 = 0.8903783784.
# EAC typical  = BAC / CPI = 21500 x 9250 / 8236 = 24147.0374 -> 24147.04
# EAC atypical = AC + BAC - EV = 9250 + 13264 = 22514
# EAC CPI x SPI = AC + (BAC - EV) / (CPI x SPI) = 9250 + 13264 x 9250 x 9400 / 8236^2
#               = 9250 + 17002.4468 = 26252.4468 -> 26252.45
# EAC bottom-up = AC + the rescheduled plan after 03-14:
#   code: 20% done leaves ceil(5d x 0.8) = 4d: Mon 17 .. Thu 20 at 1600 = 6400, licence 900;
#   test Fri 21 .. Wed 26: 4 x 820 = 3280; deploy Thu 27 .. Fri 28: 1920 + 1200 = 3120
#   -> 9250 + 6400 + 900 + 3280 + 3120 = 22950.
# ETC = 24147.0374 - 9250 = 14897.04; VAC = 21500 - 24147.0374 = -2647.04;
# TCPI(BAC) = (21500 - 8236) / (21500 - 9250) = 13264 / 12250 = 1.0827755102;
# TCPI(EAC) = 13264 / 14897.0374 = CPI = 0.8903783784.
# ES: EV 8236 lies between cum(9) = 7960 and cum(10) = 9400: ES = 9 + 276/1440 = 9.1916667;
# AT = 10; SV(t) = -0.8083333; SPI(t) = 0.9191667; IEAC(t) = 19 / 0.9191667 = 20.6708976.
# Phases: design BAC 6520, PV 6520, EV 6520, AC 4600 + 3210 = 7810;
#         build  BAC 14980, PV 2880, EV 1716, AC 1440.


def test_status_date_1(portal: Callable[[str], Path]) -> None:
    outcome = evm_plan_file(portal(STATUS_1), baseline="approved")
    assert outcome.ok, outcome.diagnostics
    assert outcome.diagnostics == ()
    r = outcome.result
    f = r.project
    assert (r.status_date, f.bac, f.pv, f.ev, f.ac) == (
        date(2025, 3, 14),
        D(21500),
        D(9400),
        D(8236),
        D(9250),
    )
    assert (f.sv, f.cv) == (D(-1164), D(-1014))
    assert near(f.spi, "0.876170212766")
    assert near(f.cpi, "0.890378378378")
    fc = r.forecast
    assert cents(fc.eac_typical) == D("24147.04")
    assert fc.eac_atypical == D(22514)
    assert cents(fc.eac_cpi_spi) == D("26252.45")
    assert fc.eac_bottom_up == D(22950)
    assert (cents(fc.etc), cents(fc.vac)) == (D("14897.04"), D("-2647.04"))
    assert near(fc.tcpi_bac, "1.082775510204")
    assert near(fc.tcpi_eac, "0.890378378378")
    s = r.schedule
    assert (s.at, s.pd) == (10, 19)
    assert near(s.es, "9.191666666667")
    assert near(s.sv_t, "-0.808333333333")
    assert near(s.spi_t, "0.919166666667")
    assert near(s.ieac_t, "20.670897552131")
    assert [(p, (x.bac, x.pv, x.ev, x.ac)) for p, x in r.phases] == [
        ("design", (D(6520), D(6520), D(6520), D(7810))),
        ("build", (D(14980), D(2880), D(1716), D(1440))),
    ]
    assert [
        (t.id, t.method.value, t.complete, t.ac_source, t.figures.ev, t.figures.ac) for t in r.tasks
    ] == [
        ("req", "percent_complete", D(1), "bookings", D(4000), D(4600)),
        ("arch", "0/100", D(1), "bookings", D(2520), D(3210)),
        ("signoff", "percent_complete", D(1), "progress", D(0), D(0)),
        ("code", "percent_complete", D("0.2"), "bookings", D(1716), D(1440)),
        ("test", "percent_complete", D(0), "none", D(0), D(0)),
        ("deploy", "percent_complete", D(0), "none", D(0), D(0)),
        ("launch", "percent_complete", D(0), "none", D(0), D(0)),
    ]


def test_status_date_1_json(portal: Callable[[str], Path]) -> None:
    outcome = evm_plan_file(portal(STATUS_1), baseline="approved")
    doc = evm_to_json(outcome.plan.project, outcome.result, "approved", [])
    assert {k: doc[k] for k in ("bac", "pv", "ev", "ac", "sv", "cv", "spi", "cpi")} == {
        "bac": "21500.00",
        "pv": "9400.00",
        "ev": "8236.00",
        "ac": "9250.00",
        "sv": "-1164.00",
        "cv": "-1014.00",
        "spi": 0.8762,
        "cpi": 0.8904,
    }
    assert doc["eac"] == {
        "typical": "24147.04",
        "atypical": "22514.00",
        "cpi_spi": "26252.45",
        "bottom_up": "22950.00",
    }
    assert (doc["etc"], doc["vac"], doc["tcpi_bac"], doc["tcpi_eac"]) == (
        "14897.04",
        "-2647.04",
        1.0828,
        0.8904,
    )
    assert (doc["es_days"], doc["at_days"], doc["sv_t_days"], doc["spi_t"], doc["ieac_t"]) == (
        9.19,
        10,
        -0.81,
        0.9192,
        20.67,
    )
    assert [(p["id"], p["name"], p["spi"], p["cpi"]) for p in doc["phases"]] == [
        ("design", "Design", 1.0, 0.8348),  # 6520 / 7810
        ("build", "Build", 0.5958, 1.1917),  # 1716 / 2880, 1716 / 1440
    ]


def test_status_date_1_against_the_current_plan(portal: Callable[[str], Path]) -> None:
    # Without a baseline, PV comes from the rescheduled plan itself: arch now runs
    # Mon 03-10 .. Thu 03-13 (4 x 640 = 2560, + 600 on Thu) = 3160; code starts Fri 03-14
    # (1440) and runs Mon 17 .. Thu 20 (4 x 1600) + licence 900 = 8740.
    # BAC = 4000 + 3160 + 8740 + 3280 + 3120 = 22300; PV to 03-14 = 4000 + 3160 + 1440 = 8600;
    # EV = 4000 + 3160 + 20% x 8740 (1748) = 8908.
    # ES: cum(10) = 8600 (Fri 03-14), cum(11) = 10200: 10 + 308/1600 = 10.1925; PD = 20.
    outcome = evm_plan_file(portal(STATUS_1))
    assert outcome.ok
    f, s = outcome.result.project, outcome.result.schedule
    assert (f.bac, f.pv, f.ev, f.ac) == (D(22300), D(8600), D(8908), D(9250))
    assert (s.es, s.at, s.pd) == (D("10.1925"), 10, 20)
    assert outcome.extra["baseline"] is None


# =================================================================================================
# Status date 2: Fri 2025-03-21
# =================================================================================================
#
# PV (baseline, to the end of 03-21) = 4000 + 2520 + 8580 + test Thu/Fri 2 x 820 = 16740.
# EV = 4000 + 2520 + code 8580 (done) + test 50/50 started: 1640 + deploy 1/(1+3) x 3120 = 780
#    = 17520.
# AC = 9250 (to 03-14) + code: ana 32h x 120 = 3840, ben 32h x 80 = 2560, licence 900
#    + test: ben 4h x 80 = 320 (the 999 of Mon 03-24 is after the status date)
#    + deploy: no bookings, costed from progress: AC = EV = 780
#    = 9250 + 7300 + 320 + 780 = 17650.
# SV = 780; CV = -130; SPI = 17520 / 16740 = 1.0465949821; CPI = 17520 / 17650 = 0.9926345609.
# EAC typical = 21500 x 17650 / 17520 = 21659.5320 -> 21659.53
# EAC atypical = 17650 + 3980 = 21630
# EAC CPI x SPI = 17650 + 3980 x 17650 x 16740 / 17520^2 = 17650 + 3831.0254 = 21481.03
# EAC bottom-up: test started Fri with no figure keeps its planned work, 4d - 1d done = 3d:
#   Mon 24 .. Wed 26 at 820 = 2460; deploy Thu 27 .. Fri 28 = 3120 -> 17650 + 5580 = 23230.
# ETC = 4009.53; VAC = -159.53; TCPI(BAC) = 3980 / 3850 = 1.0337662338; TCPI(EAC) = CPI.
# ES: EV 17520 between cum(15) = 16740 and cum(16) = 17560: 15 + 780/820 = 15.9512195;
# AT = 15; SV(t) = 0.9512195; SPI(t) = 1.0634146; IEAC(t) = 19 / 1.0634146 = 17.8669725.
# Phases: design as at status date 1; build BAC 14980, PV 8580 + 1640 = 10220,
#         EV 8580 + 1640 + 780 = 11000, AC 8740 + 320 + 780 = 9840.


def test_status_date_2(portal: Callable[[str], Path]) -> None:
    outcome = evm_plan_file(portal(STATUS_2), baseline="approved")
    assert outcome.ok, outcome.diagnostics
    r = outcome.result
    f = r.project
    assert (f.bac, f.pv, f.ev, f.ac) == (D(21500), D(16740), D(17520), D(17650))
    assert (f.sv, f.cv) == (D(780), D(-130))
    assert near(f.spi, "1.046594982079")
    assert near(f.cpi, "0.992634560907")
    fc = r.forecast
    assert cents(fc.eac_typical) == D("21659.53")
    assert fc.eac_atypical == D(21630)
    assert cents(fc.eac_cpi_spi) == D("21481.03")
    assert fc.eac_bottom_up == D(23230)
    assert (cents(fc.etc), cents(fc.vac)) == (D("4009.53"), D("-159.53"))
    assert near(fc.tcpi_bac, "1.033766233766")
    assert near(fc.tcpi_eac, "0.992634560907")
    s = r.schedule
    assert (s.at, s.pd) == (15, 19)
    assert near(s.es, "15.951219512195")
    assert near(s.sv_t, "0.951219512195")
    assert near(s.spi_t, "1.063414634146")
    assert near(s.ieac_t, "17.866972477064")
    assert [(p, (x.bac, x.pv, x.ev, x.ac)) for p, x in r.phases] == [
        ("design", (D(6520), D(6520), D(6520), D(7810))),
        ("build", (D(14980), D(10220), D(11000), D(9840))),
    ]
    tasks = {t.id: t for t in r.tasks}
    assert (tasks["test"].complete, tasks["test"].figures.pv) == (D("0.5"), D(1640))
    assert (tasks["deploy"].complete, tasks["deploy"].ac_source) == (D("0.25"), "progress")
    assert tasks["code"].figures.ac == D(8740)


def test_series_over_both_status_dates(portal: Callable[[str], Path]) -> None:
    first = evm_plan_file(portal(STATUS_1), baseline="approved", record=True)
    path = portal(STATUS_2)
    second = evm_plan_file(path, baseline="approved", record=True)
    assert first.ok
    assert second.ok
    history = load_status_history(path)
    assert [(h["status_date"], h["pv"], h["ev"], h["ac"], h["es_days"]) for h in history] == [
        ("2025-03-14", "9400.00", "8236.00", "9250.00", 9.19),
        ("2025-03-21", "16740.00", "17520.00", "17650.00", 15.95),
    ]
    doc = evm_to_json(second.plan.project, second.result, "approved", history)
    assert [h["status_date"] for h in doc["series"]] == ["2025-03-14", "2025-03-21"]
    # Re-recording the same status date replaces its snapshot.
    evm_plan_file(path, baseline="approved", record=True)
    assert len(load_status_history(path)) == 2


def test_status_date_option_reads_the_same_plan_at_an_earlier_day(
    portal: Callable[[str], Path],
) -> None:
    # The status-2 plan read at Wed 03-19: PV = cum(13) = 4000 + 2520 + code to Wed
    # (1440 + 1440 + 3 x 1600 = 7680) = 14200 (AT 13);
    # AC = bookings to 03-19 = 9250 + code Tue 03-18 (16h x 120 + 16h x 80 = 3200) = 12450
    # + deploy's progress-costed 780 (a weighted step counts whatever the date) = 13230.
    outcome = evm_plan_file(portal(STATUS_2), status_date=date(2025, 3, 19), baseline="approved")
    assert outcome.ok
    f = outcome.result.project
    assert (f.pv, f.ac, outcome.result.schedule.at) == (D(14200), D(13230), 13)


# =================================================================================================
# Baseline against the plan at status date 2
# =================================================================================================
#
# Current (rescheduled) plan: arch 4d Mon 03-10 .. Thu 03-13: 4 x 640 + 600 = 3160 (+640);
# signoff at the end of Thu 03-13; code Fri 03-14 .. Thu 03-20: 1440 + 4 x 1600 + 900 = 8740
# (+160); test Fri 03-21 .. Wed 03-26 (3280); deploy Thu 03-27 .. Fri 03-28 (3120); design
# 7160 (+640), build 15140 (+160); whole plan 21800 + 800 = 22600. Everything from code on is
# one working day later.


def test_compare_baseline_with_the_plan(portal: Callable[[str], Path]) -> None:
    outcome = compare_plan_baselines(portal(STATUS_2), None, None)  # latest vs current
    assert outcome.ok, outcome.diagnostics
    approved, current = outcome.result
    assert (approved.name, current.name) == ("approved", "current")
    project = outcome.extra["costed"].project
    timeline = CalendarBook(project).project_timeline()
    origin = project.origin_datetime

    def work(text: str) -> int:
        instant = datetime.strptime(text, "%Y-%m-%dT%H:%M")
        return timeline.work_at(int((instant - origin).total_seconds() // 60))

    doc = compare_to_json(project, approved, current, 480.0, work)
    assert (doc["finish"], doc["finish_variance_days"]) == (
        ["2025-03-27T17:00", "2025-03-28T17:00"],
        1.0,
    )
    assert (doc["cost"], doc["cost_variance"]) == (["21800.00", "22600.00"], "800.00")
    rows = {
        t["id"]: (t["start_variance_days"], t["finish_variance_days"], t["cost_variance"])
        for t in doc["tasks"]
    }
    assert rows == {
        "design": (0.0, 1.0, "640.00"),
        "req": (0.0, 0.0, "0.00"),
        "arch": (0.0, 1.0, "640.00"),
        "signoff": (1.0, 1.0, "0.00"),
        "build": (1.0, 1.0, "160.00"),
        "code": (1.0, 1.0, "160.00"),
        "test": (1.0, 1.0, "0.00"),
        "deploy": (1.0, 1.0, "0.00"),
        "launch": (1.0, 1.0, "0.00"),
    }
    assert (doc["added"], doc["removed"]) == ([], [])
    assert current.tasks["code"].finish == "2025-03-20T17:00"


def test_compare_shows_added_and_removed_tasks(portal: Callable[[str], Path]) -> None:
    text = BASELINE.replace("      - id: launch\n", "      - id: golive\n")
    outcome = compare_plan_baselines(portal(text), "approved", None)
    assert outcome.ok
    approved, current = outcome.result
    assert set(current.tasks) - set(approved.tasks) == {"golive"}
    assert set(approved.tasks) - set(current.tasks) == {"launch"}
