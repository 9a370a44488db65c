"""MS Project's saved baselines (Baseline, Baseline1..10) as Plansmith baselines.

A baseline here keeps, per task, the planned start, finish and cost, and the cost per day that
planned value needs. MSPDI gives the first three per task; the days are spread from the cost
evenly over the weekdays between start and finish (MS Project's own baseline timephased data is
rarely written), which the fidelity report says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from plansmith.io.baselines import Baseline, BaselineTask

_TIME = "%Y-%m-%dT%H:%M"
_MAX_DAYS = 3_700  # a ten-year task is the most a baseline spreads cost over, day by day


@dataclass(frozen=True)
class SavedDates:
    """One task's entry in one MSPDI baseline."""

    start: datetime
    finish: datetime
    cost: Decimal


def saved_dates(start: datetime | None, finish: datetime | None, cost: str) -> SavedDates | None:
    if start is None or finish is None:
        return None
    try:
        amount = Decimal(cost or "0")
    except InvalidOperation:
        amount = Decimal(0)
    return SavedDates(start, max(start, finish), amount)


def baseline_name(number: str) -> str:
    """MS Project's "Baseline" and "Baseline 1".."Baseline 10", as ids."""
    return "baseline" if number in ("", "0") else f"baseline{number}"


def plan_baselines(
    saved: dict[str, dict[str, SavedDates]],
    names: dict[str, str],
    leaves: set[str],
    stamp: str,
) -> list[Baseline]:
    """``saved`` maps an MSPDI baseline number to its tasks' entries (by task id)."""
    baselines = []
    for number in sorted(saved, key=lambda n: int(n) if n.isdigit() else 0):
        tasks = {
            task_id: BaselineTask(
                names.get(task_id, task_id),
                entry.start.strftime(_TIME),
                entry.finish.strftime(_TIME),
                entry.cost,
                _spread(entry) if task_id in leaves else {},
            )
            for task_id, entry in saved[number].items()
        }
        if not tasks:
            continue
        entries = saved[number].values()
        baselines.append(
            Baseline(
                baseline_name(number),
                stamp,
                min(e.start for e in entries).strftime(_TIME),
                max(e.finish for e in entries).strftime(_TIME),
                tasks,
                sum((saved[number][t].cost for t in tasks if t in leaves), Decimal(0)),
            )
        )
    return baselines


def _spread(entry: SavedDates) -> dict[date, Decimal]:
    if entry.cost == 0:
        return {}
    first, last = entry.start.date(), entry.finish.date()
    if entry.finish.time() == datetime.min.time() and last > first:
        last -= timedelta(days=1)  # a finish at midnight ends the day before
    span = min((last - first).days, _MAX_DAYS)
    days = [first + timedelta(days=k) for k in range(span + 1)]
    weekdays = [d for d in days if d.weekday() < 5] or days
    share = entry.cost / len(weekdays)
    spread = {d: share.quantize(Decimal("0.0001")) for d in weekdays}
    spread[weekdays[-1]] += entry.cost - sum(spread.values(), Decimal(0))  # exact total
    return spread


def numbered_baselines(baselines: Sequence[Baseline]) -> tuple[dict[int, Baseline], list[Baseline]]:
    """MS Project's baseline numbers (0 to 10): ours named "baseline" or "baselineN" keep
    theirs, the others take the free numbers in the order they were saved."""
    numbered: dict[int, Baseline] = {}
    rest = []
    for baseline in baselines:
        match = re.fullmatch(r"baseline(10|[1-9])?", baseline.name)
        number = int(match.group(1) or 0) if match else None
        if number is not None and number not in numbered:
            numbered[number] = baseline
        else:
            rest.append(baseline)
    free = [n for n in range(11) if n not in numbered]
    for number, baseline in zip(free, rest, strict=False):
        numbered[number] = baseline
    return dict(sorted(numbered.items())), rest[len(free) :]
