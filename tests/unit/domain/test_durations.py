"""``parse_duration``: durations and lags as whole working minutes."""

from __future__ import annotations

import pytest

from plansmith.domain.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90min", 90),
        ("45m", 45),
        ("4h", 240),
        ("1d", 480),
        ("3w", 3 * 40 * 60),
        ("0d", 0),
        ("0", 0),
        (" 2h ", 120),
        ("2 h", 120),
        ("+3h", 180),
    ],
)
def test_every_unit(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("2.5d", 1200), ("1.5h", 90), ("0.25w", 600), ("0.5min", 1), ("1.01h", 61)],
)
def test_decimals(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(("value", "minutes"), [(3, 1440), (1.5, 720), ("2", 960), ("0.5", 240)])
def test_bare_numbers_are_days(value: object, minutes: int) -> None:
    assert parse_duration(value) == minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("0.1min", 1),
        ("1.0001h", 61),  # 60.006 minutes -> 61
        ("0.001d", 1),  # 0.48 minutes -> 1
        ("1.5min", 2),
    ],
)
def test_rounds_up_to_the_next_whole_minute(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["0.1h", "0.3h", "0.7h", "1.1d", "2.2d", "0.05w"])
def test_exact_decimals_are_not_pushed_up_by_float_noise(text: str) -> None:
    """0.1h is 6 minutes, not 7, although 0.1 * 60 is 6.000000000000001 in binary."""
    amount = float(text[:-1])
    per = {"h": 60, "d": 480, "w": 2400}[text[-1]]
    assert parse_duration(text) == round(amount * per)


def test_days_and_weeks_follow_the_projects_hours() -> None:
    assert parse_duration("1d", hours_per_day=7.5) == 450
    assert parse_duration("2", hours_per_day=10) == 1200
    assert parse_duration("1w", hours_per_week=37.5) == 2250
    assert parse_duration("1w", hours_per_day=24) == 2400  # weeks never derive from days
    assert parse_duration("3h", hours_per_day=1, hours_per_week=1) == 180


@pytest.mark.parametrize(("text", "minutes"), [("-1d", -480), ("-90min", -90), ("-0.1min", -1)])
def test_negative_only_for_lags(text: str, minutes: int) -> None:
    assert parse_duration(text, allow_negative=True) == minutes
    with pytest.raises(DurationError):
        parse_duration(text)


def test_negative_lags_round_away_from_zero() -> None:
    assert parse_duration("-1.5min", allow_negative=True) == -2


def test_negative_zero_is_zero() -> None:
    assert parse_duration("-0h") == 0


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "d",
        "3x",
        "3 days",
        "3hours",
        "1h30min",
        "1,5d",
        "1e3h",
        "--1d",
        "nan",
        "inf",
        "4 h 5",
        "½d",
        None,
        True,
        False,
        [1],
        {"h": 1},
    ],
)
def test_garbage_is_refused(value: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(value)
    with pytest.raises(DurationError):
        parse_duration(value, allow_negative=True)


def test_duration_error_is_a_value_error_with_a_message() -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "0d"),
        (480, "1d"),
        (960, "2d"),
        (120, "2h"),
        (90, "90min"),
        (600, "10h"),
        (-480, "-1d"),
    ],
)
def test_format_duration(minutes: int, text: str) -> None:
    assert format_duration(minutes) == text
    assert parse_duration(text, allow_negative=True) == minutes


def test_format_duration_fractional_days() -> None:
    assert format_duration(500) == "1.04d"
    assert format_duration(450, hours_per_day=7.5) == "1d"
