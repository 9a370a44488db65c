"""MS Project's working exceptions and work weeks come across as working days and work weeks.

``mspditimephasedsegments.xml`` (from MPXJ's test data, see tests/data/mspdi/README.md) has
working Saturdays, written the MS Project 2003 way (WeekDay entries with DayType 0): one on a
derived resource calendar, one over a weekend on a task calendar. Before they were read, two of
its tasks finished a working day late; now every date MS Project wrote is reproduced. None of the
real files has a work week, so the work-week test writes a small file by hand.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from plansmith.io.mspdi.fidelity import Fate
from plansmith.io.plan_file import load_plan_text
from plansmith.io.plan_writer import plan_yaml
from plansmith.services.mspdi import read_mspdi_plan, read_mspdi_upload

DATA = Path(__file__).resolve().parents[2] / "data" / "mspdi"


def test_working_exceptions_reproduce_every_date_ms_project_wrote() -> None:
    result = read_mspdi_plan(DATA / "mspditimephasedsegments.xml")
    assert result.ok, result.diagnostics
    assert result.dates.compared == 20
    assert result.dates.differences == ()
    spec = result.plan.spec if result.plan else None
    assert spec is not None
    worked = {
        cid: [(w.days().first, w.days().last) for w in c.working_days]
        for cid, c in spec.calendars.items()
        if c.working_days
    }
    assert worked == {
        "resource-two": [(date(2011, 2, 12), date(2011, 2, 12))],
        "task-eight": [(date(2011, 2, 12), date(2011, 2, 13))],
    }
    mapped = {
        (f.name, f.detail) for f in result.imported.fidelity.entries() if f.fate is Fate.MAPPED
    }
    assert ("Exceptions", "working time on given dates, as the calendar's working days") in mapped
    dropped = {f.detail for f in result.imported.fidelity.entries() if f.fate is Fate.DROPPED}
    assert not any("working" in d for d in dropped)


def test_recurring_working_exceptions_expanded_by_ms_project_are_read() -> None:
    result = read_mspdi_plan(DATA / "calendar-recurring-exceptions-project2007-mspdi.xml")
    spec = result.plan.spec if result.plan else None
    assert spec is not None
    [calendar] = spec.calendars.values()
    assert [(w.date, w.hours) for w in calendar.working_days] == [
        (date(2010, 1, 2), [(540, 780), (840, 1020)]),  # the first Saturday of each month
        (date(2010, 2, 6), [(540, 780), (840, 1020)]),
        (date(2010, 3, 6), [(540, 780), (840, 1020)]),
    ]


# Written by hand (no real file has one): a base calendar with a "summer hours" work week that
# gives only the days it changes, and a working exception on a Saturday.
WORK_WEEK = b"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
<Name>Work weeks</Name><StartDate>2027-05-31T08:00:00</StartDate><CalendarUID>1</CalendarUID>
<MinutesPerDay>480</MinutesPerDay><MinutesPerWeek>2400</MinutesPerWeek>
<Calendars><Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
<BaseCalendarUID>-1</BaseCalendarUID>
<WeekDays>
<WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
%(weekdays)s
<WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
</WeekDays>
<Exceptions><Exception><EnteredByOccurrences>0</EnteredByOccurrences>
<TimePeriod><FromDate>2027-06-05T00:00:00</FromDate><ToDate>2027-06-05T23:59:00</ToDate></TimePeriod>
<Occurrences>1</Occurrences><Name>Release</Name><Type>1</Type><DayWorking>1</DayWorking>
<WorkingTimes><WorkingTime><FromTime>09:00:00</FromTime><ToTime>13:00:00</ToTime></WorkingTime>
</WorkingTimes></Exception></Exceptions>
<WorkWeeks><WorkWeek>
<TimePeriod><FromDate>2027-06-01T00:00:00</FromDate><ToDate>2027-08-31T23:59:00</ToDate></TimePeriod>
<Name>Summer hours</Name>
<WeekDays><WeekDay><DayType>6</DayType><DayWorking>1</DayWorking>
<WorkingTimes><WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
</WorkingTimes></WeekDay></WeekDays>
</WorkWeek></WorkWeeks>
</Calendar></Calendars>
<Tasks/><Resources/><Assignments/>
</Project>
""" % {
    b"weekdays": b"".join(
        b"<WeekDay><DayType>%d</DayType><DayWorking>1</DayWorking><WorkingTimes>"
        b"<WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>"
        b"<WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>"
        b"</WorkingTimes></WeekDay>" % k
        for k in range(2, 7)
    )
}


def test_a_work_week_becomes_a_work_week_with_the_days_it_does_not_give_filled_in() -> None:
    result = read_mspdi_upload(io.BytesIO(WORK_WEEK), "work-weeks.xml")
    assert result.plan is not None
    spec = result.plan.spec
    assert spec is not None
    [calendar] = spec.calendars.values()
    [summer] = calendar.work_weeks
    office = ((480, 720), (780, 1020))
    assert (summer.name, summer.first, summer.last) == (
        "Summer hours",
        date(2027, 6, 1),
        date(2027, 8, 31),
    )
    assert summer.day_ranges() == (office, office, office, office, ((480, 720),), (), ())
    [release] = calendar.working_days
    assert (release.date, release.name, release.hours) == (
        date(2027, 6, 5),
        "Release",
        [(540, 780)],
    )
    fates = {(f.name, f.fate) for f in result.imported.fidelity.entries()}
    assert ("WorkWeeks", Fate.MAPPED) in fates
    assert ("WorkWeeks", Fate.DROPPED) not in fates
    # and the plan it makes is a valid plan file
    assert load_plan_text(plan_yaml(result.imported.document or {}), "again.yaml").ok
