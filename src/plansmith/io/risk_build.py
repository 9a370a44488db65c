"""Estimates, correlations and risks from their checked specs, in engine units.

Kept apart from :mod:`plan_file` so the loader of the core plan stays readable; the same duration
parser (the project's hours per day and week) is passed in. References to tasks are checked by
:func:`plansmith.analytics.uncertainty.uncertainty_diagnostics`, beside the engine that uses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

from plansmith.domain.diagnostics import Diagnostic, DocPath, error
from plansmith.domain.risk import (
    Correlation,
    Distribution,
    Risk,
    RiskStatus,
    ThreePoint,
    fixed_cost,
)
from plansmith.io.risk_schema import CorrelationSpec, CostRangeSpec, EstimateSpec, RiskSpec

DurationParser = Callable[[object, DocPath], "int | None"]


def three_point(
    spec: EstimateSpec,
    distribution: str,
    parse: DurationParser,
    path: DocPath,
    diagnostics: list[Diagnostic],
    units: Fraction | None = None,
) -> ThreePoint | None:
    """The range in working minutes of duration; ``units`` turns an effort range into one."""
    values = [
        parse(getattr(spec, key), (*path, key)) for key in ("optimistic", "likely", "pessimistic")
    ]
    if any(v is None for v in values):
        return None
    low, likely, high = (int(v or 0) for v in values)
    if not low <= likely <= high:
        diagnostics.append(
            error(
                "estimate_out_of_order",
                "an estimate needs optimistic <= likely <= pessimistic",
                None,
                path,
            )
        )
        return None
    if units is not None:
        low, likely, high = (math.ceil(Fraction(v) / units) for v in (low, likely, high))
    return ThreePoint(low, likely, high, Distribution(distribution))


def correlations(specs: list[CorrelationSpec]) -> tuple[Correlation, ...]:
    return tuple(
        Correlation(tuple(spec.tasks), spec.coefficient, ("correlations", k))
        for k, spec in enumerate(specs)
    )


def risks(
    specs: list[RiskSpec], parse: DurationParser, diagnostics: list[Diagnostic]
) -> tuple[Risk, ...]:
    out: list[Risk] = []
    for k, spec in enumerate(specs):
        path: DocPath = ("risks", k)
        impact = spec.impact
        schedule: ThreePoint | None = None
        if isinstance(impact.schedule, EstimateSpec):
            schedule = three_point(
                impact.schedule, "pert", parse, (*path, "impact", "schedule"), diagnostics
            )
        elif impact.schedule is not None:
            minutes = parse(impact.schedule, (*path, "impact", "schedule"))
            schedule = None if minutes is None else ThreePoint(minutes, minutes, minutes)
        cost: ThreePoint | None = None
        if isinstance(impact.cost, CostRangeSpec):
            low, likely, high = impact.cost.optimistic, impact.cost.likely, impact.cost.pessimistic
            if low <= likely <= high:
                cost = ThreePoint(float(low), float(likely), float(high))
            else:
                diagnostics.append(
                    error(
                        "estimate_out_of_order",
                        "a cost range needs optimistic <= likely <= pessimistic",
                        f"risk:{spec.id}",
                        (*path, "impact", "cost"),
                    )
                )
        elif impact.cost is not None:
            cost = fixed_cost(impact.cost)
        if impact.schedule is None and impact.cost is None:
            diagnostics.append(
                error(
                    "risk_without_impact",
                    f"risk '{spec.id}' needs an impact: schedule, cost or both",
                    f"risk:{spec.id}",
                    (*path, "impact"),
                )
            )
        if impact.schedule is not None and not spec.tasks:
            diagnostics.append(
                error(
                    "risk_without_tasks",
                    f"risk '{spec.id}' has a schedule impact but names no tasks to delay",
                    f"risk:{spec.id}",
                    (*path, "impact", "schedule"),
                )
            )
        out.append(
            Risk(
                id=spec.id,
                title=spec.title,
                probability=spec.probability,
                tasks=tuple(spec.tasks),
                schedule=schedule,
                cost=cost,
                owner=spec.owner,
                response=spec.response,
                status=RiskStatus(spec.status),
                origin=path,
            )
        )
    return tuple(out)
