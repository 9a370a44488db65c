"""A brute-force model of working time, minute by minute, independent of the engine's timeline.

Slow and obviously right: each calendar is a list of booleans, one per minute from ``LO`` to
``HI`` (minutes from the project origin).
"""

from __future__ import annotations

from datetime import date, timedelta

from plansmith.domain.calendar import Calendar

LO = -20 * 1440
HI = 420 * 1440


class MinuteCalendar:
    def __init__(self, calendar: Calendar, origin: date) -> None:
        self.working = [False] * (HI - LO)
        for k in range(LO // 1440, HI // 1440):
            day = origin + timedelta(days=k)
            if day in calendar.holidays:
                continue
            for start, end in calendar.week.days[day.weekday()]:
                a, b = k * 1440 + start - LO, k * 1440 + end - LO
                self.working[a:b] = [True] * (b - a)

    def works(self, minute: int) -> bool:
        """Whether the minute [minute, minute+1) is working time."""
        return self.working[minute - LO]

    def work_between(self, a: int, b: int) -> int:
        return sum(self.working[a - LO : b - LO])

    def reaches(self, finish: int, bound: int) -> bool:
        """Whether a task finishing at ``finish`` on this calendar meets a link's ``bound`` on
        its finish: at or after it, or before it with none of this calendar's working time in
        between (a finish at 12:00 meets a bound at 13:00 across lunch)."""
        return finish >= bound or self.work_between(finish, bound) == 0

    def first_working_at_or_after(self, t: int) -> int:
        while not self.works(t):
            t += 1
        return t

    def finish_after(self, start: int, minutes: int) -> int:
        """The instant the ``minutes``-th working minute from ``start`` ends."""
        t = start
        done = 0
        while done < minutes:
            if self.works(t):
                done += 1
            t += 1
        return t

    def shift(self, t: int, lag: int) -> int:
        """Lag semantics: the instant nearest ``t`` at which ``lag`` working minutes separate it
        from ``t`` (the earliest such instant for any sign)."""
        if lag == 0:
            return t
        if lag > 0:
            return self.finish_after(t, lag)
        u = t
        done = 0
        while done < -lag:
            u -= 1
            if self.works(u):
                done += 1
        while not self.works(u - 1):  # earliest instant with the same working time before t
            u -= 1
        return u
