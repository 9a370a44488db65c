"""Weighted scoring: proposals against the portfolio's scoring model, and technology options in
a decision matrix, by one rule.

A score is the weighted mean of the criteria scores on a fixed scale (1 to 5 by default), so it
reads on the same scale as its inputs whatever the weights add up to: a proposal that scores 4
everywhere scores 4. A criterion where less is better (cost, risk) is turned around on the
scale (1 becomes 5), so a higher total is always better and the score rises with every
criterion's own. A missing score counts as the scale's bottom, so leaving a criterion blank can
never make an option look better; the checks say so (``missing_score``).

Weights are conventionally percentages adding up to 100; another total is only a warning
(``evaluation_weights_not_100``) because the mean does not need it, but a reader of the matrix
does. The checks are pure functions returning :class:`Diagnostic` values with document paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, warning

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Scale:
    low: Decimal = Decimal(1)
    high: Decimal = Decimal(5)

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    name: str
    weight: Decimal
    higher_is_better: bool = True
    origin: DocPath = ()


def weighted_score(
    criteria: Sequence[Criterion], scores: Mapping[str, Decimal], scale: Scale = Scale()
) -> Decimal:
    """The weighted mean of ``scores`` (criterion id -> score on ``scale``), always within the
    scale; scores outside it are clamped (the checks report them) and unknown ids ignored."""
    total_weight = sum((c.weight for c in criteria if c.weight > 0), Decimal(0))
    if total_weight == 0:
        return scale.low
    total = Decimal(0)
    for criterion in criteria:
        if criterion.weight <= 0:
            continue
        raw = scores.get(criterion.id, scale.low if criterion.higher_is_better else scale.high)
        value = min(max(raw, scale.low), scale.high)
        if not criterion.higher_is_better:
            value = scale.low + scale.high - value
        total += criterion.weight * value
    return min(max(total / total_weight, scale.low), scale.high)


@dataclass(frozen=True, slots=True)
class MatrixRow:
    option: str
    scores: Mapping[str, Decimal]
    score: Decimal
    rank: int


@dataclass(frozen=True, slots=True)
class DecisionMatrix:
    criteria: tuple[Criterion, ...]
    scale: Scale
    rows: tuple[MatrixRow, ...]  # in the options' order; ``rank`` 1 is the best

    @property
    def best(self) -> str | None:
        return next((row.option for row in self.rows if row.rank == 1), None)


def decision_matrix(
    criteria: Sequence[Criterion],
    options: Iterable[tuple[str, Mapping[str, Decimal]]],
    scale: Scale = Scale(),
) -> DecisionMatrix:
    """Every option's weighted score and rank (equal scores share a rank)."""
    scored = [
        (option, scores, weighted_score(criteria, scores, scale)) for option, scores in options
    ]
    ordered = sorted({score for _, _, score in scored}, reverse=True)
    rows = tuple(
        MatrixRow(option, dict(scores), score, ordered.index(score) + 1)
        for option, scores, score in scored
    )
    return DecisionMatrix(tuple(criteria), scale, rows)


# Checks -------------------------------------------------------------------------------------


def check_criteria(criteria: Sequence[Criterion], path: DocPath) -> list[Diagnostic]:
    """The model itself: some criteria, ids once each, weights adding up to 100."""
    if not criteria:
        return [error("no_criteria", "there are no criteria to score against", None, path)]
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.id in seen:
            problems.append(
                error(
                    "duplicate_id",
                    f"criterion id '{criterion.id}' is used twice",
                    f"criterion:{criterion.id}",
                    criterion.origin,
                )
            )
        seen.add(criterion.id)
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != HUNDRED:
        problems.append(
            warning(
                "evaluation_weights_not_100",
                f"the weights add up to {total.normalize():f}, not 100: scores are still the "
                "weighted mean, but a reader expects percentages",
                None,
                path,
            )
        )
    return problems


def check_scores(
    criteria: Sequence[Criterion],
    scores: Mapping[str, Decimal],
    scale: Scale,
    path: DocPath,
    subject: str,
) -> list[Diagnostic]:
    """One option's (or proposal's) scores against the model."""
    known = {c.id for c in criteria}
    problems: list[Diagnostic] = []
    for key, value in scores.items():
        if key not in known:
            problems.append(
                error(
                    "unknown_criterion",
                    f"'{key}' is not one of the criteria ({', '.join(sorted(known))})",
                    subject,
                    (*path, key),
                )
            )
        elif not scale.contains(value):
            problems.append(
                error(
                    "score_out_of_range",
                    f"score {value:f} for '{key}' is outside the scale "
                    f"{scale.low:f}-{scale.high:f}",
                    subject,
                    (*path, key),
                )
            )
    missing = [c.id for c in criteria if c.id not in scores]
    if missing:
        problems.append(
            warning(
                "missing_score",
                f"no score for {', '.join(missing)}: counted as the worst on the scale",
                subject,
                path,
            )
        )
    return problems


# The proposal pipeline ----------------------------------------------------------------------


class Stage(StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"


# Approved is final: the project it made carries on from there. A rejected proposal may be
# reworked (back to draft), and a reviewer may send one back to its author.
MOVES: Mapping[Stage, frozenset[Stage]] = {
    Stage.DRAFT: frozenset({Stage.UNDER_REVIEW}),
    Stage.UNDER_REVIEW: frozenset({Stage.DRAFT, Stage.APPROVED, Stage.REJECTED}),
    Stage.REJECTED: frozenset({Stage.DRAFT}),
    Stage.APPROVED: frozenset(),
}


def can_move(current: Stage, target: Stage) -> bool:
    return target in MOVES[current]
