"""Money and progress in a plan: rates, fixed costs, expenses, budget lines, actuals, progress.

Money is :class:`~decimal.Decimal` in the project's currency, exact as written; engines compute
with full precision and only the faces round (half-even, to the cent). Hours and minutes of
bookings are exact too: a booking of 1.5 h at 90.00 an hour costs exactly 135.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from plansmith.domain.diagnostics import DocPath


class Category(StrEnum):
    LABOUR = "labour"
    HARDWARE = "hardware"
    SOFTWARE = "software"
    SERVICES = "services"
    TRAINING = "training"
    CONTINGENCY = "contingency"
    MANAGEMENT_RESERVE = "management_reserve"


class Accrual(StrEnum):
    """When a fixed cost is incurred over its task."""

    START = "start"
    END = "end"
    PRORATED = "prorated"  # evenly over the task's working time, like labour


class EvMethod(StrEnum):
    """How a task earns its budget (earned value)."""

    PERCENT_COMPLETE = "percent_complete"
    ZERO_HUNDRED = "0/100"
    FIFTY_FIFTY = "50/50"
    WEIGHTED_MILESTONES = "weighted_milestones"


@dataclass(frozen=True, slots=True)
class RateChange:
    """From ``start`` (inclusive) the resource costs ``rate`` an hour."""

    start: date
    rate: Decimal


@dataclass(frozen=True, slots=True)
class FixedCost:
    amount: Decimal
    accrual: Accrual = Accrual.PRORATED
    category: Category = Category.SERVICES


@dataclass(frozen=True, slots=True)
class Step:
    """A weighted milestone inside a task: when ``done``, it has earned ``weight`` of its share."""

    name: str
    weight: Decimal
    done: bool = False


@dataclass(frozen=True, slots=True)
class Expense:
    """A dated cost outside labour and task fixed costs (a licence, a shipment, travel)."""

    name: str
    amount: Decimal
    day: date
    task: str | None = None
    category: Category = Category.SERVICES
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """Money set aside for a phase (a top-level summary task, or the whole project) and category."""

    amount: Decimal
    category: Category
    phase: str | None = None
    name: str = ""
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Booking:
    """Time or money actually spent on a task: ``hours`` of ``resource`` on ``day`` (costed at
    its rate that day, or its overtime rate) or a plain ``cost``."""

    task: str
    day: date
    resource: str | None = None
    hours: Decimal | None = None
    cost: Decimal | None = None
    overtime: bool = False
    origin: DocPath = ()


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a task stands: ``complete`` is a fraction 0..1; ``remaining`` working minutes, when
    the TPM gave them instead of (or besides) a percentage."""

    complete: Decimal | None = None
    remaining: int | None = None
    method: EvMethod = EvMethod.PERCENT_COMPLETE
    steps: tuple[Step, ...] = ()


NO_PROGRESS = Progress()  # frozen: one shared value for every task without progress
