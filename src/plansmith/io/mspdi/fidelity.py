"""The fidelity report of an MSPDI import or export: what was mapped, approximated or dropped,
field by field, and whether our schedule reproduces the file's own dates.

Nothing is dropped silently: every field of every task, resource, assignment and calendar that
holds more than MS Project's default is either read (mapped or approximated), recomputed by our
engines (slack, costs, early and late dates), or listed here as dropped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

_EXAMPLES = 3


class Fate(StrEnum):
    MAPPED = "mapped"
    APPROXIMATED = "approximated"
    RECOMPUTED = "recomputed"
    DROPPED = "dropped"


@dataclass
class FieldFate:
    section: str  # Project, Calendar, Task, Resource, Assignment
    name: str  # the MSPDI element, or the plan key on export
    fate: Fate
    detail: str
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "field": self.name,
            "fate": self.fate.value,
            "detail": self.detail,
            "count": self.count,
            "examples": list(self.examples),
        }


def _names(text: str) -> set[str]:
    return set(text.split())


# Figures MS Project derives from the plan; our engines compute their own. Costs, work and
# earned value are derived for tasks, resources and assignments alike.
_DERIVED = _names("""
ACWP ActualCost ActualOvertimeCost ActualOvertimeWork ActualWork BCWP BCWS CV Cost CostVariance
OvertimeCost OvertimeWork PercentWorkComplete RegularWork RemainingCost RemainingOvertimeCost
RemainingOvertimeWork RemainingWork SV TimephasedData Work WorkVariance
""")
RECOMPUTED = {
    "Task": {
        *_DERIVED,
        *_names("""
ActualDuration Critical DurationVariance EAC EarlyFinish EarlyStart Finish FinishSlack
FinishVariance FreeSlack ID LateFinish LateStart ManualDuration ManualFinish ManualStart
OutlineNumber OverAllocated PreLeveledFinish PreLeveledStart Resume Start StartSlack
StartVariance Stop Summary TotalSlack VAC WBS
"""),
    },
    "Resource": {
        *_DERIVED,
        *_names("""
ID OverAllocated PeakUnits
"""),
    },
    "Assignment": {
        *_DERIVED,
        *_names("""
ActualFinish ActualStart Finish FinishVariance Milestone Overallocated Resume Start
StartVariance Stop VAC
"""),
    },
}
# Bookkeeping that carries no planning information.
IGNORED = _names(
    """
AccrueAt Active CalculateCostsFromUnits CanLevel CommitmentType Confirmed CostRateTable
CreateDate CreationDate Delay DurationFormat EarnedValueMethod EffortDriven Estimated
ExtendedAttribute ExternalTask FreeformDurationFormat GUID HasFixedRateUnits HideBar
Hyperlink HyperlinkAddress HyperlinkSubAddress IgnoreResourceCalendar IsBudget
IsCostResource IsEnterprise IsGeneric IsInactive IsNull IsPublished IsSubproject
IsSubprojectReadOnly LevelAssignments LevelingCanSplit LevelingDelay LevelingDelayFormat
OutlineLevel OvertimeRateFormat PhoneticAlias Recurring ResponsePending Rollup
StandardRateFormat Type UID UpdateNeeded WorkGroup
"""
)
_EMPTY = {"", "0", "-1", "PT0H0M0S", "0.0", "0.00", "-65535"}


@dataclass
class Fidelity:
    """Collects the fate of every field met while reading (or writing) a file."""

    fates: dict[tuple[str, str, Fate, str], FieldFate] = field(default_factory=dict)

    def note(self, section: str, name: str, fate: Fate, detail: str, subject: str = "") -> None:
        key = (section, name, fate, detail)
        entry = self.fates.get(key)
        if entry is None:
            entry = self.fates[key] = FieldFate(section, name, fate, detail)
        entry.count += 1
        if subject and len(entry.examples) < _EXAMPLES and subject not in entry.examples:
            entry.examples.append(subject)

    def mapped(self, section: str, name: str, detail: str, subject: str = "") -> None:
        self.note(section, name, Fate.MAPPED, detail, subject)

    def approximated(self, section: str, name: str, detail: str, subject: str = "") -> None:
        self.note(section, name, Fate.APPROXIMATED, detail, subject)

    def dropped(self, section: str, name: str, detail: str, subject: str = "") -> None:
        self.note(section, name, Fate.DROPPED, detail, subject)

    def rest(self, section: str, fields: dict[str, str], used: set[str], subject: str) -> None:
        """Account for every field of a record the reader did not use itself."""
        recomputed = RECOMPUTED.get(section, set())
        for name, value in fields.items():
            if name in used or name in IGNORED or value in _EMPTY:
                continue
            if name in recomputed:
                self.note(section, name, Fate.RECOMPUTED, "computed by Plansmith's engines")
            else:
                self.dropped(section, name, "not used by Plansmith", subject)

    def entries(self) -> list[FieldFate]:
        order = {Fate.DROPPED: 0, Fate.APPROXIMATED: 1, Fate.MAPPED: 2, Fate.RECOMPUTED: 3}
        return sorted(
            self.fates.values(), key=lambda f: (order[f.fate], f.section, f.name, f.detail)
        )

    def count(self, fate: Fate) -> int:
        return sum(1 for f in self.fates.values() if f.fate is fate)


@dataclass(frozen=True)
class DateDifference:
    """A task whose start or finish in our schedule differs from the file's."""

    task: str
    name: str
    line: int
    file_start: datetime | None
    file_finish: datetime | None
    our_start: datetime | None
    our_finish: datetime | None

    def to_json(self) -> dict[str, Any]:
        def text(value: datetime | None) -> str | None:
            return value.strftime("%Y-%m-%dT%H:%M") if value else None

        return {
            "task": self.task,
            "name": self.name,
            "line": self.line,
            "file_start": text(self.file_start),
            "file_finish": text(self.file_finish),
            "our_start": text(self.our_start),
            "our_finish": text(self.our_finish),
        }


@dataclass(frozen=True)
class DateCheck:
    """Whether our schedule of the imported plan gives the file's dates, task by task."""

    compared: int
    differences: tuple[DateDifference, ...]
    scheduled: bool = True
    reason: str = ""
    by_day: bool = False  # the file's dates carry no times (an MPX file's, say)

    @property
    def same(self) -> bool:
        return self.scheduled and not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "scheduled": self.scheduled,
            "reason": self.reason,
            "compared": self.compared,
            "resolution": "day" if self.by_day else "minute",
            "same": self.same,
            "differences": [d.to_json() for d in self.differences],
        }


def compare_dates(
    file_tasks: dict[str, tuple[int, str, datetime | None, datetime | None]],
    scheduled: dict[str, tuple[datetime, datetime]],
    resumes: Callable[[str, datetime], datetime] | None = None,
) -> DateCheck:
    """Task by task, the file's start and finish against ours, to the minute; by the day when
    no date in the file has a time of day (formats such as MPX keep days only).

    ``resumes(task, finish)`` gives where the task's calendar next works after a finish of ours:
    a finish at Friday 17:00 and one at Monday 08:00 are the same working instant, and MS
    Project shows the latter when a link into the finish is bound there (rules.LinkRules)."""
    known = [
        (task_id, line, name, start, finish, scheduled[task_id])
        for task_id, (line, name, start, finish) in file_tasks.items()
        if task_id in scheduled and start is not None and finish is not None
    ]
    by_day = bool(known) and all(
        (d.hour, d.minute) == (0, 0) for _, _, _, start, finish, _ in known for d in (start, finish)
    )
    differences = []
    for task_id, line, name, start, finish, ours in known:
        if by_day:
            same = (start.date(), finish.date()) == (ours[0].date(), ours[1].date())
        else:
            same = start == ours[0] and (
                finish == ours[1]
                or (
                    finish > ours[1] and resumes is not None and finish == resumes(task_id, ours[1])
                )
            )
        if not same:
            differences.append(DateDifference(task_id, name, line, start, finish, *ours))
    return DateCheck(len(known), tuple(differences), by_day=by_day)
