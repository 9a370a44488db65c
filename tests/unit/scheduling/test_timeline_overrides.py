"""Timelines of calendars with work weeks and working days (dated overrides), worked by hand.

Origin Monday 2027-03-01 00:00; the office works Mon-Fri 08:00-12:00 and 13:00-17:00 (480
minutes a day). Instants are minutes from the origin: day d at hh:mm is d * 1440 + hh * 60 + mm.
"""

from __future__ import annotations

from datetime import date

from plansmith.domain.calendar import Calendar, WeekPattern, intersect, overrides_of
from plansmith.io.plan_file import load_plan_text
from plansmith.scheduling.calendars import CalendarBook
from plansmith.scheduling.timeline import Timeline, WorkingTime

ORIGIN = date(2027, 3, 1)
OFFICE_DAY = ((8 * 60, 12 * 60), (13 * 60, 17 * 60))
OFFICE = WeekPattern((OFFICE_DAY,) * 5 + ((), ()))  # type: ignore[arg-type]


def at(day: int, hour: int, minute: int = 0) -> int:
    return day * 1440 + hour * 60 + minute


def release_calendar() -> Calendar:
    """Saturday 03-06 09:00-13:00 worked; Friday 03-12 08:00-12:00 only (a work week's short
    Friday); Thursday 03-11 a holiday."""
    days = {date(2027, 3, 6): ((540, 780),), date(2027, 3, 12): ((480, 720),)}
    holidays = frozenset({date(2027, 3, 11)})
    return Calendar("office", OFFICE, holidays, "office", overrides_of(OFFICE, days, holidays))


def test_a_working_saturday_and_a_short_friday() -> None:
    tl = Timeline(release_calendar(), ORIGIN)
    # Mon-Fri 03-01..03-05: 5 x 480 = 2400 minutes by Friday 17:00
    assert tl.work_at(at(4, 17)) == 2400
    assert tl.finish_of(2400) == at(4, 17)  # the earliest instant: Friday evening
    assert tl.start_of(2400) == at(5, 9)  # the latest: Saturday 09:00, not Monday
    assert tl.work_at(at(5, 13)) == 2640  # 4 hours on Saturday
    assert tl.finish_of(2640) == at(5, 13)
    assert tl.start_of(2640) == at(7, 8)  # Sunday off, Monday 03-08 08:00
    # Mon-Wed 03-08..03-10 full (3 x 480), Thu 03-11 holiday, Fri 03-12 08-12 only
    assert tl.work_at(at(9, 17)) == 2640 + 3 * 480
    assert tl.start_of(4080) == at(11, 8)  # the holiday skipped
    assert tl.finish_of(4320) == at(11, 12)  # the short Friday ends at noon
    assert tl.start_of(4320) == at(14, 8)  # the next Monday
    assert tl.work_at(at(11, 15)) == 4320  # no work on that Friday afternoon


def test_a_removed_day_beats_a_working_day() -> None:
    calendar = release_calendar().without([date(2027, 3, 6)])  # a vacation on the Saturday
    tl = Timeline(calendar, ORIGIN)
    assert tl.work_at(at(5, 13)) == tl.work_at(at(4, 17)) == 2400
    assert tl.start_of(2400) == at(7, 8)
    assert calendar.overrides == ((date(2027, 3, 12), ((480, 720),)),)  # canonical form


def test_overrides_far_from_the_origin_are_compiled_when_the_timeline_grows() -> None:
    sunday = date(2036, 1, 6)  # beyond the initial six years
    days = {sunday: ((0, 1440),)}
    calendar = Calendar("c", OFFICE, frozenset(), "c", overrides_of(OFFICE, days))
    tl = Timeline(calendar, ORIGIN)
    d = (sunday - ORIGIN).days
    assert tl.work_at(at(d + 1, 0)) - tl.work_at(at(d, 0)) == 1440
    assert tl.start_of(tl.work_at(at(d - 2, 17))) == at(d, 0)  # Friday 17:00 -> Sunday 00:00


def test_the_same_overrides_share_a_key_and_others_do_not() -> None:
    one = WorkingTime.of(release_calendar(), ORIGIN)
    other = WorkingTime.of(
        Calendar("x", OFFICE, release_calendar().holidays, "x", release_calendar().overrides),
        ORIGIN,
    )
    plain = WorkingTime.of(Calendar("p", OFFICE, release_calendar().holidays, "p"), ORIGIN)
    assert one.key == other.key
    assert one.key != plain.key
    assert plain.overrides is None  # the fast path
    assert one.to_calendar(ORIGIN).overrides == release_calendar().overrides


PLAN = """\
project: {id: p, name: P, start: 2027-03-01, calendar: office}
calendars:
  office:
    workdays: [mon, tue, wed, thu, fri]
    hours: ["08:00-12:00", "13:00-17:00"]
    working_days:
      - {date: 2027-03-06, hours: ["09:00-13:00"]}
  short:
    workdays: [mon, tue, wed, thu, fri]
    hours: ["08:00-12:00", "13:00-17:00"]
    work_weeks:
      - from: 2027-03-01
        to: 2027-03-07
        week:
          mon: ["08:00-12:00", "13:00-17:00"]
          tue: ["08:00-12:00", "13:00-17:00"]
          wed: ["08:00-12:00", "13:00-17:00"]
          thu: ["08:00-12:00", "13:00-17:00"]
          fri: ["08:00-12:00"]
          sat: ["10:00-12:00"]
resources:
  - {id: ann, calendar: office}
  - {id: bob, calendar: short, vacations: [2027-03-03]}
tasks:
  - {id: t, name: T, duration: 1d, assign: [ann, bob]}
"""


def test_two_resources_with_different_overrides_intersect_day_by_day() -> None:
    plan = load_plan_text(PLAN, "plan.yaml")
    assert plan.project is not None, plan.diagnostics
    book = CalendarBook(plan.project)
    tl = book.task_timeline(plan.project.tasks[0])
    assert tl is not None
    # Mon, Tue 8 h each; Wed 03-03 Bob's vacation; Thu 8 h; Fri: office 8 h, Bob's work week
    # 08-12 -> 4 h; Sat: Ann 09-13, Bob 10-12 -> 10:00-12:00 (2 h); Sun nothing
    assert tl.work_at(at(4, 8)) == 3 * 480
    assert tl.finish_of(3 * 480 + 240) == at(4, 12)
    assert tl.start_of(3 * 480 + 240) == at(5, 10)
    assert tl.finish_of(3 * 480 + 360) == at(5, 12)
    assert tl.start_of(3 * 480 + 360) == at(7, 8)
    # the domain intersection says the same, date by date
    ann, bob = plan.project.calendars["office"], plan.project.calendars["short"]
    both = intersect([ann, bob.without([date(2027, 3, 3)])], "both")
    assert both.ranges_on(date(2027, 3, 6)) == ((600, 720),)
    assert both.ranges_on(date(2027, 3, 5)) == ((480, 720),)
    assert both.ranges_on(date(2027, 3, 3)) == ()
    assert both.ranges_on(date(2027, 3, 13)) == ()  # after the work week: the weeks' weekend
    assert tl.calendar.overrides == both.without([date(2027, 3, 3)]).overrides
