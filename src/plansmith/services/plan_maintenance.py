"""Maintenance windows and planned updates on the plan page's Gantt chart (issue 9): the
occurrences that fall within the plan's span, as compact lists the chart draws as bands.

The calendar feeds (:mod:`plansmith.services.inventory_feed`) send a window as one recurring
event and let the calendar program expand it; the chart has no such program, so the windows
are expanded here, once per plan revision (the result is kept with the cached page view), and
only over the days the chart shows, so a plan of thousands of tasks gets a few dozen bands
rather than years of them. Times are the project's wall-clock times, as the bars' are.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from plansmith.io.inventory_schema import window_occurrences
from plansmith.io.plan_schema import PlanSpec

WINDOW, UPDATE = "window", "update"  # a band's kind, the chart's class for it


def _moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def maintenance_bands(spec: PlanSpec, first: date, last: date) -> list[list[Any]]:
    """Each window occurrence and planned update on days ``first`` .. ``last``, as
    ``[kind, start, end, label]`` with wall-clock ``YYYY-MM-DDTHH:MM`` times, in start order.
    An update inside one of its system's windows takes that window's hours on its day; one
    without (or whose window does not fall on its day) takes the whole day, as in the feeds."""
    bands: list[list[Any]] = []
    default_start = spec.project.start
    for system in spec.systems:
        windows = {window.id: window for window in system.maintenance}
        for window in system.maintenance:
            label = f"{system.name}: {window.name or window.id}"
            for start, end in window_occurrences(window, first, last, default_start):
                bands.append([WINDOW, _moment(start), _moment(end), label])
        for update in system.updates:
            if not first <= update.date <= last:
                continue
            chosen = windows.get(update.window) if update.window else None
            slot = (
                window_occurrences(chosen, update.date, update.date, default_start)
                if chosen is not None
                else []
            )
            if slot:
                start, end = slot[0]
            else:
                start = datetime.combine(update.date, datetime.min.time())
                end = start + timedelta(days=1)
            label = f"{system.name}: update to {update.version}"
            bands.append([UPDATE, _moment(start), _moment(end), label])
    bands.sort(key=lambda band: (band[1], band[2]))
    return bands
