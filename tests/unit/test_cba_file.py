"""Cost-benefit files: every diagnostic the loader emits, with its code, severity and exact
file:line:column, and the model a valid file becomes.

Each case is a small file with one mistake; the expected position is found in the file's text
(the offending token), never hard-coded, and the wording of messages is never asserted.
"""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

from plansmith.analytics.cba import DEFAULT_STEPS, LineKind, Period
from plansmith.domain.diagnostics import Severity, SourceLocation
from plansmith.io.cba_file import load_cba, load_cba_text, parse_rate
from plansmith.io.cba_json import grouped, money, percent_text, periods, ratio
from plansmith.services.cba import analyse_cba_file

HEAD = """\
currency: EUR
discount_rate: 8%
horizon: 5
"""

OPTION = """\
options:
  - id: buy
    name: Buy
    costs:
      - {name: Kit, once: 1000}
"""


def cba(*parts: str) -> str:
    """HEAD followed by each part, dedented separately."""
    return HEAD + "".join(textwrap.dedent(part) for part in parts)


def with_line(line: str) -> str:
    """HEAD and one option whose only cost line is ``line`` (a flow mapping)."""
    return cba(f"options:\n  - id: buy\n    name: Buy\n    costs:\n      - {line}\n")


class Case(NamedTuple):
    code: str
    text: str
    needle: str  # the offending token; the diagnostic must point at its first character
    nth: int = 1
    after: str = ""  # search for needle only after this text
    severity: Severity = Severity.ERROR


def param(case: Case, name: str) -> object:
    return pytest.param(case, id=f"{case.code}-{name}")


def position(text: str, needle: str, nth: int = 1, after: str = "") -> tuple[int, int]:
    offset = text.index(after) + len(after) if after else 0
    for _ in range(nth):
        offset = text.index(needle, offset) + 1
    offset -= 1
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


CASES = [
    # reading the file
    param(
        Case("yaml_syntax", cba(OPTION, "title: A: B\n"), ": B", after="title"), "colon-in-value"
    ),
    param(Case("yaml_syntax", "currency: EUR\n\thorizon: 5\n", "\t"), "tab"),
    param(Case("duplicate_key", cba("horizon: 6\n", OPTION), "horizon", 2), "top-level"),
    # structure
    param(Case("invalid_type", "- currency: EUR\n", "- currency"), "top-level-list"),
    param(Case("invalid_type", cba("options: buy\n"), "buy"), "options-not-a-list"),
    param(
        Case("invalid_type", cba(OPTION).replace("8%", "[8]"), "[8]"),
        "rate-not-a-scalar",
    ),
    param(
        Case("invalid_type", cba(OPTION).replace("horizon: 5", "horizon: true"), "true"),
        "horizon-bool",
    ),
    param(Case("invalid_type", with_line("{name: Kit, once: 5, at: 1.5}"), "1.5"), "at-fraction"),
    param(Case("missing_key", "discount_rate: 8%\nhorizon: 5\n" + OPTION, "discount_rate"), "top"),
    param(
        Case("missing_key", cba("options:\n  - id: buy\n    costs: []\n"), "id: buy"),
        "option-name",
    ),
    param(Case("missing_key", with_line("{once: 5}"), "{once"), "line-name"),
    param(Case("unknown_key", cba(OPTION, "horizn: 6\n"), "horizn"), "top-level"),
    param(Case("unknown_key", with_line("{name: Kit, once: 5, when: 2}"), "when"), "line"),
    param(Case("invalid_value", cba(OPTION).replace("horizon: 5", "horizon: 0"), "0"), "horizon"),
    param(Case("invalid_value", with_line("{name: Kit, once: -5}"), "-5"), "negative-amount"),
    param(Case("invalid_value", with_line('{name: Kit, once: "12 EUR"}'), '"12'), "amount"),
    param(Case("invalid_value", with_line("{name: Kit, once: 5, at: -1}"), "-1"), "period"),
    param(Case("invalid_value", cba(OPTION, "period: week\n"), "week"), "period-unit"),
    param(Case("invalid_value", cba(OPTION).replace("id: buy", "id: b u y"), "b u y"), "id"),
    param(Case("invalid_currency", cba(OPTION).replace("EUR", "euro"), "euro"), "currency"),
    param(Case("invalid_date", cba(OPTION, "start: 2027-02-30\n"), "2027-02-30"), "start"),
    # values
    param(Case("invalid_rate", cba(OPTION).replace("8%", "eight"), "eight"), "unreadable"),
    param(Case("invalid_rate", cba(OPTION).replace("8%", "8"), "8", after="rate: "), "bare-8"),
    param(Case("invalid_rate", cba(OPTION).replace("8%", "-100%"), "-100%"), "minus-100"),
    param(
        Case(
            "invalid_rate",
            with_line("{name: Fee, per_period: 5, growth: lots}"),
            "lots",
        ),
        "growth",
    ),
    param(
        Case("invalid_rate", cba(OPTION, "sensitivity: {steps: [-10%, x]}\n"), "x]"),
        "step",
    ),
    param(Case("line_form_missing", with_line("{name: Kit, at: 2}"), "{name"), "no-amount"),
    param(
        Case("line_form_conflict", with_line("{name: Kit, once: 5, per_period: 5}"), "5}"),
        "both-amounts",
    ),
    param(
        Case("line_form_conflict", with_line("{name: Kit, once: 5, growth: 3%}"), "3%"),
        "growth-on-one-off",
    ),
    param(
        Case("line_form_conflict", with_line("{name: Kit, once: 5, from: 2}"), "2}"),
        "from-on-one-off",
    ),
    param(
        Case("line_form_conflict", with_line("{name: Fee, per_period: 5, at: 2}"), "2}"),
        "at-on-recurring",
    ),
    param(
        Case("invalid_period_range", with_line("{name: Fee, per_period: 5, from: 3, to: 2}"), "2}"),
        "reversed",
    ),
    param(
        Case(
            "outside_horizon",
            with_line("{name: Kit, once: 5, at: 9}"),
            "9",
            severity=Severity.WARNING,
        ),
        "one-off",
    ),
    param(
        Case(
            "outside_horizon",
            with_line("{name: Fee, per_period: 5, from: 6}"),
            "6",
            severity=Severity.WARNING,
        ),
        "recurring",
    ),
    param(
        Case("duplicate_id", cba(OPTION + "  - {id: buy, name: Again}\n"), "buy", 2),
        "option",
    ),
    param(Case("unknown_option", cba(OPTION, "baseline: keep\n"), "keep"), "baseline"),
    param(Case("no_options", cba("options: []\n"), "[]"), "empty"),
]


@pytest.mark.parametrize("case", CASES)
def test_diagnostic(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "cba.yaml"
    path.write_text(case.text, encoding="utf-8")
    outcome = analyse_cba_file(path)
    assert [d.code for d in outcome.diagnostics] == [case.code]
    diagnostic = outcome.diagnostics[0]
    assert diagnostic.severity is case.severity
    line, column = position(case.text, case.needle, case.nth, case.after)
    assert diagnostic.location == SourceLocation(str(path), line, column)
    # errors stop the analysis, warnings never do
    assert outcome.ok is (case.severity is Severity.WARNING)
    assert (outcome.result is not None) is (case.severity is Severity.WARNING)


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    outcome = analyse_cba_file(path)
    assert [d.code for d in outcome.diagnostics] == ["cba_not_found"]
    assert outcome.diagnostics[0].location == SourceLocation(str(path), 1, 1)
    assert [d.code for d in load_cba(tmp_path).diagnostics] == ["cba_not_found"]  # a directory


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(cba(OPTION).replace("Kit", "Kit \xe9").encode("latin-1"))
    assert [d.code for d in load_cba(path).diagnostics] == ["invalid_encoding"]


def test_an_empty_file() -> None:
    assert [d.code for d in load_cba_text("").diagnostics] == ["invalid_type"]


def test_a_bad_sensitivity_step_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "cba.yaml"
    path.write_text(cba(OPTION), encoding="utf-8")
    outcome = analyse_cba_file(path, steps="-10%,ten")
    assert [(d.code, d.subject) for d in outcome.diagnostics] == [("invalid_rate", "--steps")]
    assert outcome.result is None
    good = analyse_cba_file(path, steps="15%, -15%,0.3")
    assert good.result is not None
    assert good.result.analysis.steps == (Decimal("-0.15"), Decimal("0.15"), Decimal("0.3"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("8%", "0.08"), (" 12.5 % ", "0.125"), ("0.08", "0.08"), (0.08, "0.08"), (0, "0")],
)
def test_rates_as_written(text: object, expected: str) -> None:
    assert parse_rate(text) == Decimal(expected)


def test_a_valid_file_becomes_the_model() -> None:
    text = cba(
        """\
        title: Storage
        period: Quarter
        start: 2027-01-01
        baseline: keep
        sensitivity: {steps: [20%, -0.2, 10%]}
        options:
          - id: keep
            name: Keep
          - id: buy
            name: Buy
            notes: New kit
            costs:
              - {name: Kit, once: 1000.10, category: Hardware}
              - {name: Upgrade, once: 50, at: 3}
              - {name: Support, per_period: 20, from: 0, to: 3, growth: 3%}
            benefits:
              - {name: Speed, per_period: 100}
            savings:
              - {name: Racks, per_period: 5.5, growth: 0.02}
            residual: 70
        """
    )
    loaded = load_cba_text(text, "cba.yaml")
    assert loaded.diagnostics == []
    analysis = loaded.analysis
    assert analysis is not None
    assert (analysis.currency, analysis.discount_rate, analysis.horizon) == (
        "EUR",
        Decimal("0.08"),
        5,
    )
    assert (analysis.period, analysis.start, analysis.baseline) == (
        Period.QUARTER,
        date(2027, 1, 1),
        "keep",
    )
    assert analysis.steps == (Decimal("-0.2"), Decimal("0.1"), Decimal("0.2"))
    keep, buy = analysis.options
    assert (keep.id, keep.lines) == ("keep", ())
    kinds = [(line.key, line.kind, line.recurring, line.first, line.last) for line in buy.lines]
    assert kinds == [
        ("costs/0", LineKind.COST, False, 0, None),
        ("costs/1", LineKind.COST, False, 3, None),
        ("costs/2", LineKind.COST, True, 0, 3),
        ("benefits/0", LineKind.BENEFIT, True, 1, None),
        ("savings/0", LineKind.SAVING, True, 1, None),
        ("residual", LineKind.RESIDUAL, False, 0, None),
    ]
    assert buy.lines[0].amount == Decimal("1000.10")  # the written digits, no float noise
    assert buy.lines[0].category == "hardware"
    assert buy.lines[2].growth == Decimal("0.03")
    assert buy.lines[4].amount == Decimal("5.5")
    assert buy.lines[4].growth == Decimal("0.02")
    assert buy.lines[5].at_end
    assert buy.lines[5].amount == Decimal(70)


def test_defaults() -> None:
    analysis = load_cba_text(cba(OPTION)).analysis
    assert analysis is not None
    assert (analysis.period, analysis.start, analysis.baseline, analysis.title) == (
        Period.YEAR,
        None,
        None,
        "",
    )
    assert analysis.steps == DEFAULT_STEPS


def test_the_bundled_example_is_clean() -> None:
    root = Path(__file__).resolve().parents[2]
    outcome = analyse_cba_file(root / "examples" / "cba" / "storage.yaml")
    assert outcome.diagnostics == ()
    assert outcome.ok


@pytest.mark.parametrize(
    ("exact", "shown"),
    [
        ("2.675", "2.68"),  # half-even: to the even cent
        ("2.665", "2.66"),
        ("2.6650000001", "2.67"),  # past the half: up
        ("-2.675", "-2.68"),
        ("-0.004", "0.00"),  # never "-0.00"
        ("1234567.891", "1234567.89"),
        ("7", "7.00"),
    ],
)
def test_money_is_rounded_half_even_to_the_cent(exact: str, shown: str) -> None:
    assert money(Decimal(exact)) == shown


def test_display_forms() -> None:
    assert grouped(Decimal("-1234567.885")) == "-1,234,567.88"
    assert ratio(Decimal("0.123456785")) == 0.12345678  # half-even at 8 places
    assert ratio(None) is None
    assert periods(Decimal("2.44445")) == 2.4444
    assert percent_text(Decimal("0.0643403")) == "6.43%"
    assert percent_text(Decimal("-0.2"), signed=True) == "-20%"
    assert percent_text(Decimal("0.125"), signed=True) == "+12.5%"
