"""iCalendar (RFC 5545) files: meeting invitations and calendar feeds, written with the
``icalendar`` library from neutral event records, so that services decide *what* goes into a
calendar and this module only how calendar programs expect it spelled.

What calendar clients rely on, and why each is here:

- ``UID`` is the identity a client keeps: the same meeting, milestone or vacation always gets
  the same one, so a feed fetched again updates events instead of duplicating them.
- ``SEQUENCE`` grows with each change of an invitation (the row's version), so a client takes
  a re-sent invitation as an update of the one it has.
- Times carry their zone (``TZID`` plus the ``VTIMEZONE`` it names), so a meeting at 09:30 in
  Berlin stays at 09:30 there across daylight-saving changes, in any viewer's zone.
- ``RRULE`` carries a series' recurrence as the rule itself; an occurrence with agenda, minutes
  or a new time is the same ``UID`` with a ``RECURRENCE-ID``, which replaces that one instance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.rrule import rrule, rrulestr
from icalendar import Calendar, Event, vCalAddress, vRecur, vText

PRODID = "-//Plansmith//Plansmith meetings and feeds//EN"


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    """One event: timed (zone-aware datetimes) or all-day (dates, ``end`` exclusive)."""

    uid: str
    summary: str
    start: datetime | date
    end: datetime | date
    stamp: datetime
    description: str = ""
    location: str = ""
    rrule: str = ""
    recurrence_id: datetime | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    cancelled: bool = False
    sequence: int = 0
    categories: tuple[str, ...] = ()


def _address(person: Person, *, attendee: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    if attendee:
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
    return address


def _event(item: CalendarEvent) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.stamp)
    event.add("summary", item.summary)
    event.add("dtstart", item.start)
    event.add("dtend", item.end)
    event.add("sequence", item.sequence)
    if item.recurrence_id is not None:
        event.add("recurrence-id", item.recurrence_id)
    if item.rrule:
        event.add("rrule", vRecur.from_ical(item.rrule))
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.categories:
        event.add("categories", list(item.categories))
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    if item.organizer is not None:
        event.add("organizer", _address(item.organizer, attendee=False))
    for person in item.attendees:
        event.add("attendee", _address(person, attendee=True), encode=False)
    return event


def calendar_bytes(
    events: Iterable[CalendarEvent], *, name: str = "", method: str | None = None
) -> bytes:
    """A VCALENDAR of ``events``: an invitation with ``method="REQUEST"``, a feed without."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(_event(item))
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


# Meetings recur by the day at most: a rule that fires every hour or minute is a mistake, and
# expanding one would be a way to make the server do a great deal of work.
FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})


def rrule_problem(text: str, first: datetime) -> str | None:
    """Why ``text`` is no usable recurrence rule from ``first`` (None when it is one): read by
    dateutil as calendar programs would, and by icalendar, which writes it out."""
    try:
        rule = rrulestr(text, dtstart=first)
        frequency = vRecur.from_ical(text).get("FREQ", [""])[0]
    except (ValueError, TypeError, KeyError) as exc:
        return str(exc) or "not an RRULE"
    if frequency not in FREQUENCIES:
        return "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"
    if not isinstance(rule, rrule):
        return "give one RRULE (no RRULE:, RDATE or EXDATE lines)"
    return None


def instances(text: str, first: datetime, after: datetime, before: datetime) -> list[datetime]:
    """The rule's start times from ``after`` up to ``before`` (a one-off meeting when ``text``
    is empty), at most :data:`MAX_INSTANCES` of them."""
    if not text:
        return [first] if after <= first <= before else []
    found: list[datetime] = []
    for moment in rrulestr(text, dtstart=first).xafter(after, inc=True):
        if moment > before or len(found) >= MAX_INSTANCES:
            break
        found.append(moment)
    return found


MAX_INSTANCES = 500
