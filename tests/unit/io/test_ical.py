"""iCalendar writing and recurrence rules: what is written reads back with icalendar, with its
zone, rule, attendees and all-day dates; rules a calendar program would not take, or that
recur more often than daily, are refused with the reason; a rule's instances are bounded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from plansmith.io.ical import (
    MAX_INSTANCES,
    CalendarEvent,
    Person,
    calendar_bytes,
    instances,
    rrule_problem,
)

TOKYO = ZoneInfo("Asia/Tokyo")
STAMP = datetime(2027, 1, 1, tzinfo=UTC)
FIRST = datetime(2027, 3, 1, 9, 30)


def test_events_read_back_with_their_zone_rule_and_people() -> None:
    start = FIRST.replace(tzinfo=TOKYO)
    data = calendar_bytes(
        [
            CalendarEvent(
                uid="u1@plansmith",
                summary="Stand-up",
                start=start,
                end=start + timedelta(minutes=15),
                stamp=STAMP,
                rrule="FREQ=DAILY;COUNT=5",
                organizer=Person("lead@example.com", "Lead"),
                attendees=(Person("a@example.com"), Person("b@example.com", "B")),
                sequence=3,
            ),
            CalendarEvent(
                uid="u2@plansmith",
                summary="Vacation",
                start=date(2027, 5, 24),
                end=date(2027, 5, 29),
                stamp=STAMP,
                cancelled=True,
            ),
        ],
        name="Team",
        method="REQUEST",
    )
    calendar = Calendar.from_ical(data)
    assert calendar["METHOD"] == "REQUEST"
    assert str(calendar["X-WR-CALNAME"]) == "Team"
    meeting, vacation = calendar.walk("VEVENT")
    assert meeting["DTSTART"].dt == start
    assert meeting["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert meeting["RRULE"]["COUNT"] == [5]
    assert meeting["SEQUENCE"] == 3
    assert meeting["ORGANIZER"].params["CN"] == "Lead"
    assert [str(a) for a in meeting["ATTENDEE"]] == ["mailto:a@example.com", "mailto:b@example.com"]
    assert (vacation["DTSTART"].dt, vacation["DTEND"].dt) == (date(2027, 5, 24), date(2027, 5, 29))
    assert vacation["STATUS"] == "CANCELLED"
    assert [c["TZID"] for c in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("FREQ=HOURLY", "DAILY, WEEKLY, MONTHLY or YEARLY"),
        ("FREQ=MINUTELY;COUNT=3", "DAILY, WEEKLY, MONTHLY or YEARLY"),
        ("every monday", ""),
        ("FREQ=WEEKLY;BYDAY=XX", ""),
    ],
)
def test_rules_a_calendar_would_not_take_are_refused(rule: str, why: str) -> None:
    problem = rrule_problem(rule, FIRST)
    assert problem is not None
    assert why in problem


def test_a_rules_instances_are_bounded() -> None:
    assert rrule_problem("FREQ=WEEKLY;BYDAY=MO,WE", FIRST) is None
    assert instances("FREQ=WEEKLY;BYDAY=MO,WE", FIRST, FIRST, datetime(2027, 3, 10, 9, 30)) == [
        FIRST,
        datetime(2027, 3, 3, 9, 30),
        datetime(2027, 3, 8, 9, 30),
        datetime(2027, 3, 10, 9, 30),
    ]
    endless = instances("FREQ=DAILY", FIRST, FIRST, datetime(2100, 1, 1))
    assert len(endless) == MAX_INSTANCES
    assert instances("", FIRST, FIRST, FIRST) == [FIRST]  # a one-off meeting
    assert instances("", FIRST, FIRST + timedelta(days=1), datetime(2028, 1, 1)) == []
