"""Proposals and technology evaluations: their documents, as a file and as stored on a server.

One schema serves both faces: ``plansmith evaluate`` reads a YAML file of ``proposals`` and
``evaluations`` (with the ``scoring`` model proposals are scored against), and the server keeps
each proposal and evaluation as the same document. An evaluation is a cost-benefit analysis
(:mod:`plansmith.io.cba_file`'s keys: currency, discount rate, horizon, options with cost and
benefit lines) plus the decision matrix (criteria, weights, each option's scores and notes) and
a recommendation; its options' figures come from the same engine as ``plansmith cba``.

A proposal's estimated cost and yearly benefit are an analysis too, of one option over its
``years``, so its NPV and payback are worked out the same way as an evaluation's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from plansmith.analytics.cba import Analysis, Line, LineKind, Option, Period
from plansmith.analytics.scoring import (
    Criterion,
    DecisionMatrix,
    Scale,
    check_criteria,
    check_scores,
    decision_matrix,
    weighted_score,
)
from plansmith.domain.diagnostics import Diagnostic, DocPath, error
from plansmith.io.cba_file import CbaSpec, OptionSpec, RateText, build_analysis, parse_rate
from plansmith.io.inventory_schema import SystemSpec
from plansmith.io.schema_types import Amount, Currency, Day, Id, Spec, lowercase

Score = Annotated[Decimal, Field(allow_inf_nan=False)]
StageName = Annotated[
    Literal["draft", "under_review", "approved", "rejected"], BeforeValidator(lowercase)
]


class CriterionSpec(Spec):
    id: Id
    name: str = ""
    weight: Annotated[Decimal, Field(ge=0, le=1000, allow_inf_nan=False)]
    lower_is_better: bool = False
    notes: str = ""


class ScaleSpec(Spec):
    low: Score = Decimal(1)
    high: Score = Decimal(5)

    @model_validator(mode="after")
    def _ordered(self) -> ScaleSpec:
        if self.high <= self.low:
            raise PydanticCustomError("invalid_value", "the scale's high must be above its low")
        return self

    def scale(self) -> Scale:
        return Scale(self.low, self.high)


class ScoringSpec(Spec):
    """The portfolio's scoring model: what a proposal is scored on, and how much each counts."""

    criteria: list[CriterionSpec]
    scale: ScaleSpec = Field(default_factory=ScaleSpec)


DEFAULT_SCORING = ScoringSpec.model_validate(
    {
        "criteria": [
            {"id": "strategic_fit", "name": "Strategic fit", "weight": 30},
            {"id": "value", "name": "Business value", "weight": 25},
            {"id": "urgency", "name": "Urgency", "weight": 15},
            {"id": "cost", "name": "Cost", "weight": 15, "lower_is_better": True},
            {"id": "risk", "name": "Delivery risk", "weight": 15, "lower_is_better": True},
        ]
    }
)


class ProposalSpec(Spec):
    id: Id
    title: str = Field(min_length=1, max_length=300)
    problem: str = ""
    objectives: list[str] = Field(default_factory=list)
    sponsor: str = ""
    cost: Amount | None = None  # estimated one-off cost
    running_cost: Amount | None = None  # per year
    benefit: Amount | None = None  # estimated benefit per year
    years: Annotated[int, Strict(), Field(ge=1, le=30)] = 3
    start: Day | None = None  # when the project would start
    risks: list[str] = Field(default_factory=list)
    status: StageName = "draft"
    scores: dict[Id, Score] = Field(default_factory=dict)
    notes: str = ""


class EvaluatedOptionSpec(OptionSpec):
    scores: dict[Id, Score] = Field(default_factory=dict)
    system: SystemSpec | None = None  # what "apply" adds to the inventory when this is chosen


class RecommendationSpec(Spec):
    option: Id
    rationale: str = ""
    decided_by: str = ""
    date: Day | None = None


class EvaluationSpec(Spec):
    id: Id
    title: str = ""
    currency: Currency
    discount_rate: RateText
    horizon: Annotated[int, Strict(), Field(ge=1, le=1200)]
    period: Annotated[Literal["year", "quarter", "month"], BeforeValidator(lowercase)] = "year"
    start: Day | None = None
    baseline: Id | None = None
    criteria: list[CriterionSpec] = Field(default_factory=list)
    scale: ScaleSpec = Field(default_factory=ScaleSpec)
    options: list[EvaluatedOptionSpec]
    recommendation: RecommendationSpec | None = None


class PortfolioFileSpec(Spec):
    currency: Currency = "USD"
    discount_rate: RateText = "8%"  # for the proposals' NPV
    scoring: ScoringSpec = Field(default_factory=lambda: DEFAULT_SCORING)
    proposals: list[ProposalSpec] = Field(default_factory=list)
    evaluations: list[EvaluationSpec] = Field(default_factory=list)


def criteria(specs: list[CriterionSpec], path: DocPath) -> tuple[Criterion, ...]:
    return tuple(
        Criterion(c.id, c.name or c.id, c.weight, not c.lower_is_better, (*path, k))
        for k, c in enumerate(specs)
    )


@dataclass(frozen=True)
class ProposalScore:
    proposal: ProposalSpec
    score: Decimal
    analysis: Analysis | None  # None without an estimated cost or benefit
    diagnostics: tuple[Diagnostic, ...] = ()


def score_proposal(
    proposal: ProposalSpec,
    scoring: ScoringSpec,
    currency: str,
    rate: Decimal,
    path: DocPath = (),
    scoring_path: DocPath = ("scoring",),
) -> ProposalScore:
    problems: list[Diagnostic] = []
    model = criteria(scoring.criteria, (*scoring_path, "criteria"))
    scale = scoring.scale.scale()
    subject = f"proposal:{proposal.id}"
    problems += check_scores(model, proposal.scores, scale, (*path, "scores"), subject)
    score = weighted_score(model, proposal.scores, scale)
    return ProposalScore(
        proposal, score, proposal_analysis(proposal, currency, rate), tuple(problems)
    )


def proposal_analysis(proposal: ProposalSpec, currency: str, rate: Decimal) -> Analysis | None:
    """The proposal's estimates as a one-option cost-benefit analysis over its years."""
    if proposal.cost is None and proposal.benefit is None:
        return None
    lines = []
    if proposal.cost is not None:
        lines.append(Line(LineKind.COST, "Estimated cost", proposal.cost, key="cost"))
    if proposal.running_cost is not None:
        lines.append(
            Line(LineKind.COST, "Running cost", proposal.running_cost, True, 1, key="running")
        )
    if proposal.benefit is not None:
        lines.append(Line(LineKind.BENEFIT, "Benefit", proposal.benefit, True, 1, key="benefit"))
    option = Option(proposal.id, proposal.title, tuple(lines))
    return Analysis(currency, rate, proposal.years, Period.YEAR, (option,), proposal.title)


@dataclass(frozen=True)
class CheckedEvaluation:
    spec: EvaluationSpec
    matrix: DecisionMatrix
    analysis: Analysis | None  # None when the cost-benefit part has errors
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def check_evaluation(spec: EvaluationSpec, path: DocPath = ()) -> CheckedEvaluation:
    problems: list[Diagnostic] = []
    model = criteria(spec.criteria, (*path, "criteria"))
    problems += check_criteria(model, (*path, "criteria"))
    scale = spec.scale.scale()
    for i, option in enumerate(spec.options):
        where = (*path, "options", i, "scores")
        problems += check_scores(model, option.scores, scale, where, f"option:{option.id}")
    matrix = decision_matrix(model, [(o.id, o.scores) for o in spec.options], scale)
    recommended = spec.recommendation
    if recommended is not None and recommended.option not in {o.id for o in spec.options}:
        problems.append(
            error(
                "unknown_option",
                f"the recommendation names '{recommended.option}', which is not an option",
                None,
                (*path, "recommendation", "option"),
            )
        )
    analysis, cba_problems = build_analysis(cba_spec(spec))
    problems += [replace(d, path=(*path, *d.path)) for d in cba_problems]
    return CheckedEvaluation(spec, matrix, analysis, tuple(problems))


CBA_KEYS = ("title", "currency", "discount_rate", "horizon", "period", "start", "baseline")


def cba_spec(spec: EvaluationSpec) -> CbaSpec:
    """The evaluation's cost-benefit part, as a cost-benefit file would say it."""
    document: dict[str, Any] = spec.model_dump(
        mode="json", by_alias=True, exclude_defaults=True, include=set(CBA_KEYS)
    )
    document["discount_rate"] = spec.discount_rate
    document["options"] = [
        option.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude={"scores", "system"}
        )
        for option in spec.options
    ]
    return CbaSpec.model_validate(document)


def file_rate(spec: PortfolioFileSpec) -> tuple[Decimal | None, list[Diagnostic]]:
    try:
        return parse_rate(spec.discount_rate), []
    except ValueError as exc:
        return None, [error("invalid_rate", str(exc), None, ("discount_rate",))]
