"""Dates in the JSON schedule: formatted per day and by arithmetic, as strftime would."""

from __future__ import annotations

from datetime import datetime

import pytest

from plansmith.io.schedule_json import TIME_FORMAT, _formatter
from plansmith.scheduling.result import ScheduleResult, ScheduleStatus


@pytest.mark.parametrize(
    "origin",
    [datetime(2027, 1, 4), datetime(2028, 2, 28, 13, 30), datetime(1999, 12, 31, 23, 59)],
)
def test_formatted_instants_match_strftime(origin: datetime) -> None:
    result = ScheduleResult(ScheduleStatus.SCHEDULED, origin, (), (), ())
    at = _formatter(result)
    for minutes in [*range(-3000, 3000, 7), 1440 * 366 * 4 + 1, -1440 * 800 - 59, 0, 0]:
        assert at(minutes) == result.at(minutes).strftime(TIME_FORMAT), minutes
