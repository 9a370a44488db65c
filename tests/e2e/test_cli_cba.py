"""``plansmith cba`` run in its own process: the fixed JSON shape, tables, files, exit statuses and
one line per problem.

The command is registered on a Typer app of its own here (``plansmith.cli.cba.register``), the
same call ``plansmith.cli.main`` makes, so these tests do not depend on the main app's wiring.
Figures in the JSON are checked against numpy-financial on the JSON's own cash flows.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy_financial as npf
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cba" / "storage.yaml"
APP = """\
import sys
import typer
from plansmith.cli import cba
app = typer.Typer(pretty_exceptions_enable=False)
cba.register(app)
@app.callback()
def main() -> None:
    pass
app(args=sys.argv[1:], prog_name="plansmith")
"""
PROBLEM = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[a-z_]+)\]: \S.*$"
)
MONEY = re.compile(r"^-?\d+\.\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TOP_KEYS = [
    "title",
    "currency",
    "discount_rate",
    "rate_per_period",
    "period",
    "periods_per_year",
    "horizon",
    "start",
    "baseline",
    "options",
    "comparison",
    "recommendation",
    "sensitivity",
    "diagnostics",
]
METRIC_KEYS = [
    "npv",
    "irr",
    "irr_per_period",
    "irr_status",
    "irr_note",
    "irr_candidates",
    "mirr",
    "payback_periods",
    "payback_date",
    "discounted_payback_periods",
    "discounted_payback_date",
]
OPTION_KEYS = [
    "id",
    "name",
    "notes",
    "tco",
    "tco_present_value",
    "tco_by_category",
    "inflows",
    "inflows_present_value",
    "roi",
    "roi_discounted",
    *METRIC_KEYS,
    "versus_baseline",
    "lines",
    "cash_flows",
]
LINE_KEYS = ["key", "kind", "name", "category", "total", "present_value", "amounts"]
FLOW_KEYS = [
    "period",
    "date",
    "costs",
    "inflows",
    "net",
    "discount_factor",
    "present_value",
    "cumulative",
    "cumulative_present_value",
]
COMPARISON_KEYS = [
    "rank",
    "id",
    "name",
    "npv",
    "npv_gap",
    "tco",
    "tco_present_value",
    "irr",
    "roi",
    "payback_periods",
    "discounted_payback_periods",
]
RECOMMENDATION_KEYS = [
    "option",
    "npv",
    "runner_up",
    "margin",
    "tied",
    "all_negative",
    "robust",
    "switches",
    "reason",
]
DRIVER_KEYS = ["id", "kind", "label", "option", "base", "values", "npv", "best"]
BAR_KEYS = ["driver", "label", "low", "high", "swing"]

MONTHLY = """\
title: Monitoring SaaS instead of self-hosted
currency: EUR
discount_rate: 6%
horizon: 24
period: month
start: 2027-03-31
options:
  - id: saas
    name: Monitoring SaaS
    costs:
      - {name: Onboarding, once: 6000}
      - {name: Subscription, per_period: 1500, growth: 5%}
    savings:
      - {name: Retired monitoring servers, per_period: 1900}
      - {name: Less on-call toil, per_period: 400, from: 4}
"""


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", APP, "cba", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def problems(stderr: str) -> list[re.Match[str]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    matches = [PROBLEM.match(line) for line in lines]
    assert all(matches), stderr
    return [m for m in matches if m is not None]


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    result = run(EXAMPLE, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return as_json(result)


def nets(option: dict[str, Any]) -> list[float]:
    return [float(row["net"]) for row in option["cash_flows"]]


def test_json_shape_is_fixed(example: dict[str, Any]) -> None:
    assert list(example) == TOP_KEYS
    assert example["diagnostics"] == []
    assert (example["currency"], example["period"], example["horizon"]) == ("USD", "year", 5)
    assert (example["discount_rate"], example["periods_per_year"]) == (0.08, 1)
    assert example["start"] == "2027-01-01"
    for option in example["options"]:
        assert list(option) == OPTION_KEYS
        for line in option["lines"]:
            assert list(line) == LINE_KEYS
            assert len(line["amounts"]) == example["horizon"] + 1
        assert [row["period"] for row in option["cash_flows"]] == list(range(6))
        for row in option["cash_flows"]:
            assert list(row) == FLOW_KEYS
            assert DAY.match(row["date"])
            for key in ("costs", "inflows", "net", "present_value", "cumulative"):
                assert MONEY.match(row[key]), (key, row[key])
        for key in ("tco", "tco_present_value", "inflows", "inflows_present_value", "npv"):
            assert MONEY.match(option[key])
        versus = option["versus_baseline"]
        assert (versus is None) is (option["id"] == example["baseline"])
        if versus is not None:
            assert list(versus) == METRIC_KEYS
    for row in example["comparison"]:
        assert list(row) == COMPARISON_KEYS
    assert list(example["recommendation"]) == RECOMMENDATION_KEYS
    sensitivity = example["sensitivity"]
    assert list(sensitivity) == ["steps", "drivers", "tornado"]
    assert sensitivity["steps"] == [-0.2, -0.1, 0.1, 0.2]
    for driver in sensitivity["drivers"]:
        assert list(driver) == DRIVER_KEYS
    for bars in sensitivity["tornado"].values():
        for bar in bars:
            assert list(bar) == BAR_KEYS


def test_figures_agree_with_numpy_financial(example: dict[str, Any]) -> None:
    rate = example["discount_rate"]
    baseline = next(o for o in example["options"] if o["id"] == example["baseline"])
    for option in example["options"]:
        net = nets(option)
        # the JSON's flows are rounded to the cent: their NPV is within cents of the exact one
        assert math.isclose(float(option["npv"]), npf.npv(rate, net), abs_tol=0.05)
        # each figure is rounded on its own: the rounded nets may miss the rounded cumulative
        # by up to a cent per period (the documented rule), never more
        rows = option["cash_flows"]
        total = sum((Decimal(row["net"]) for row in rows), Decimal(0))
        assert abs(Decimal(rows[-1]["cumulative"]) - total) <= Decimal("0.01") * len(rows)
        assert math.isclose(
            float(option["tco"]),
            sum(float(row["costs"]) for row in option["cash_flows"]),
            abs_tol=0.05,
        )
        versus = option["versus_baseline"]
        if versus is not None:
            difference = [a - b for a, b in zip(net, nets(baseline), strict=True)]
            assert versus["irr_status"] == "ok"
            assert math.isclose(versus["irr"], npf.irr(difference), abs_tol=1e-5)
            assert math.isclose(versus["mirr"], npf.mirr(difference, rate, rate), abs_tol=1e-6)
            assert math.isclose(
                float(versus["npv"]), float(option["npv"]) - float(baseline["npv"]), abs_tol=0.01
            )
            # the cumulative difference turns non-negative inside the period paybacks name
            payback = versus["payback_periods"]
            running = [sum(difference[: t + 1]) for t in range(len(difference))]
            assert running[math.floor(payback)] < 0 <= running[math.ceil(payback)]


def test_options_without_a_sign_change_have_no_irr_and_say_why(example: dict[str, Any]) -> None:
    keep = next(o for o in example["options"] if o["id"] == "keep-current")
    assert all(float(row["net"]) <= 0 for row in keep["cash_flows"])
    assert (keep["irr"], keep["irr_status"]) == (None, "no_sign_change")
    assert keep["irr_note"]
    assert keep["payback_periods"] is None  # never paid back: "not within the horizon"
    assert keep["roi"] == -1.0  # no inflows at all


def test_recommendation_and_comparison(example: dict[str, Any]) -> None:
    comparison = example["comparison"]
    npvs = [Decimal(row["npv"]) for row in comparison]
    assert npvs == sorted(npvs, reverse=True)
    assert [row["rank"] for row in comparison] == [1, 2, 3]
    assert Decimal(comparison[1]["npv_gap"]) == npvs[1] - npvs[0]
    rec = example["recommendation"]
    assert rec["option"] == comparison[0]["id"]
    assert rec["runner_up"] == comparison[1]["id"]
    assert Decimal(rec["margin"]) == npvs[0] - npvs[1]
    assert rec["all_negative"] is (npvs[0] < 0)
    # the example is built so that cheaper cloud storage (-20%) would change the answer
    assert rec["robust"] is False
    assert rec["switches"] == [{"driver": "cloud/costs/2", "step": -0.2, "best": "cloud"}]


def test_sensitivity_rows_agree_with_numpy_financial(example: dict[str, Any]) -> None:
    drivers = {d["id"]: d for d in example["sensitivity"]["drivers"]}
    rate = drivers["discount_rate"]
    assert rate["base"] == 0.08
    assert rate["values"] == [0.064, 0.072, 0.088, 0.096]
    for option in example["options"]:
        for k, tested in enumerate(rate["values"]):
            expected = npf.npv(tested, nets(option))
            assert math.isclose(float(rate["npv"][option["id"]][k]), expected, abs_tol=0.05)
    assert drivers["horizon"]["values"] == [4, 4, 6, 6]
    # a line driver moves only its own option
    line = drivers["cloud/costs/2"]
    assert line["option"] == "cloud"
    assert line["kind"] == "cost_line"
    others = [o for o in example["options"] if o["id"] != "cloud"]
    for other in others:
        assert set(line["npv"][other["id"]]) == {other["npv"]}
    for option_id, bars in example["sensitivity"]["tornado"].items():
        swings = [Decimal(bar["swing"]) for bar in bars]
        assert swings == sorted(swings, reverse=True), option_id
        assert "cloud/costs/2" not in [b["driver"] for b in bars] or option_id == "cloud"


def test_table(tmp_path: Path) -> None:
    result = run(EXAMPLE)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for text in (
        "Comparison (best NPV first)",
        "Versus the baseline, keep-current",
        "Cash flows: Buy a new all-flash array (new-array)",
        "Sensitivity of the NPV: cloud",
        "not within 5 years",
        "-295,314.42",
        "has the best NPV",
        "It is not robust",
    ):
        assert text in out, text
    short = run(EXAMPLE, "--no-cash-flows", "--output", tmp_path / "cba.txt")
    assert short.returncode == 0
    assert short.stdout == ""
    written = (tmp_path / "cba.txt").read_text(encoding="utf-8")
    assert "Comparison (best NPV first)" in written
    assert "Cash flows:" not in written


def test_json_to_a_file(tmp_path: Path, example: dict[str, Any]) -> None:
    target = tmp_path / "cba.json"
    result = run(EXAMPLE, "-f", "json", "-o", target)
    assert result.returncode == 0
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8")) == example


def test_steps_from_the_command_line(tmp_path: Path) -> None:
    result = run(EXAMPLE, "-f", "json", "--steps", "-30%,30%")
    assert result.returncode == 0
    doc = as_json(result)
    assert doc["sensitivity"]["steps"] == [-0.3, 0.3]
    assert all(len(d["values"]) == 2 for d in doc["sensitivity"]["drivers"])
    bad = run(EXAMPLE, "--steps", "-30%,much")
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert "error[invalid_rate]: --steps:" in bad.stderr


def test_monthly_periods_with_dates(tmp_path: Path) -> None:
    path = tmp_path / "saas.yaml"
    path.write_text(MONTHLY, encoding="utf-8")
    result = run(path, "-f", "json")
    assert result.returncode == 0, result.stderr
    doc = as_json(result)
    assert doc["periods_per_year"] == 12
    assert math.isclose((1 + doc["rate_per_period"]) ** 12, 1.06, rel_tol=1e-7)
    (saas,) = doc["options"]
    dates = [row["date"] for row in saas["cash_flows"]]
    # month ends kept: 31 March, then 30 April, then 31 May ... February is the 29th in 2028
    assert dates[:3] == ["2027-03-31", "2027-04-30", "2027-05-31"]
    assert dates[11] == "2028-02-29"
    amounts = {line["key"]: line["amounts"] for line in saas["lines"]}
    assert amounts["costs/1"][12] == "1500.00"  # months 1-12 at the first price
    assert amounts["costs/1"][13] == "1575.00"  # then 5% more for the second year
    assert amounts["savings/1"][3:5] == ["0.00", "400.00"]
    # -6000 now, +400 a month in months 1-3 (1900 - 1500), +800 from month 4: the cumulative is
    # -4800 after month 3, -800 after month 8 and 0 after month 9 (prices rise in month 13)
    assert saas["payback_periods"] == 9.0
    assert saas["payback_date"] == dates[9]


def test_errors_are_one_line_each_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = textwrap.dedent(
        """\
        currency: EUR
        discount_rate: 8
        horizon: 5
        options:
          - id: buy
            name: Buy
            costs:
              - {name: Kit, once: 10, at: 9}
              - {name: Fee}
        """
    )
    path.write_text(text, encoding="utf-8")
    result = run(path)
    assert result.returncode == 1
    assert result.stdout == ""
    found = [(m["code"], m["sev"], int(m["line"]), int(m["col"])) for m in problems(result.stderr)]
    # rate: line 2 after "discount_rate: "; at: line 8 after "{name: Kit, once: 10, at: "
    assert found == [
        ("invalid_rate", "error", 2, len("discount_rate: ") + 1),
        ("outside_horizon", "warning", 8, len("      - {name: Kit, once: 10, at: ") + 1),
        ("line_form_missing", "error", 9, len("      - ") + 1),
    ]
    doc = as_json(run(path, "--format", "json"))
    assert list(doc) == ["diagnostics"]
    assert [d["code"] for d in doc["diagnostics"]] == [code for code, *_ in found]
    assert doc["diagnostics"][0]["location"] == {"file": str(path), "line": 2, "column": 16}
    assert text.splitlines()[1][15:] == "8"  # column 16 is the 8


def test_a_warning_still_analyses(tmp_path: Path) -> None:
    path = tmp_path / "late.yaml"
    path.write_text(
        "currency: EUR\ndiscount_rate: 5%\nhorizon: 2\noptions:\n"
        "  - {id: a, name: A, costs: [{name: Late, once: 10, at: 3}]}\n",
        encoding="utf-8",
    )
    result = run(path, "-f", "json")
    assert result.returncode == 0
    assert [m["code"] for m in problems(result.stderr)] == ["outside_horizon"]
    doc = as_json(result)
    assert doc["options"][0]["tco"] == "0.00"
    assert doc["diagnostics"][0]["severity"] == "warning"


def test_a_missing_file_and_an_unwritable_output(tmp_path: Path) -> None:
    missing = run(tmp_path / "nope.yaml")
    assert missing.returncode == 1
    assert [m["code"] for m in problems(missing.stderr)] == ["cba_not_found"]
    target = tmp_path / "no" / "such" / "dir" / ("x" * 80) / "out.json"
    unwritable = run(EXAMPLE, "-f", "json", "-o", target)
    assert unwritable.returncode == 2
    lines = unwritable.stderr.splitlines()
    assert len(lines) == 1
    code = re.match(r"^error\[([a-z_]+)\]: cannot write ", lines[0])
    assert code is not None
    assert code[1] == "output_not_writable"
