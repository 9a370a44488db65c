"""Scoring proposals and evaluating technology options in a file: the use case behind
``plansmith evaluate``, and the JSON shape the API gives a stored proposal or evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from plansmith.analytics.cba import CbaResult, analyse
from plansmith.analytics.scoring import check_criteria
from plansmith.domain.diagnostics import Diagnostic, error, has_errors
from plansmith.io.cba_json import cba_to_json
from plansmith.io.portfolio_file import (
    CheckedEvaluation,
    PortfolioFileSpec,
    ProposalScore,
    check_evaluation,
    criteria,
    file_rate,
    score_proposal,
)
from plansmith.io.schedule_json import diagnostic_to_json
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.yaml_source import YamlSource, read_text

CENT = Decimal("0.01")


@dataclass(frozen=True)
class EvaluationOutcome:
    checked: CheckedEvaluation
    cba: CbaResult | None

    def to_json(self) -> dict[str, Any]:
        return evaluation_json(self.checked, self.cba)


@dataclass(frozen=True)
class PortfolioOutcome:
    proposals: tuple[ProposalScore, ...]
    evaluations: tuple[EvaluationOutcome, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        return {
            "proposals": [proposal_json(p) for p in self.proposals],
            "evaluations": [e.to_json() for e in self.evaluations],
            "diagnostics": [diagnostic_to_json(d) for d in self.diagnostics],
        }


def evaluate_file(path: str | Path) -> PortfolioOutcome:
    """Read, check, score and analyse; problems come back as located diagnostics."""
    text = read_text(path, "portfolio_file_not_found", "proposals or evaluation file")
    if isinstance(text, Diagnostic):
        return PortfolioOutcome((), (), (YamlSource(str(path), "").place(text),))
    return evaluate_text(text, str(path))


def evaluate_text(text: str, filename: str = "<portfolio>") -> PortfolioOutcome:
    source = YamlSource(filename, text)
    data, problems = source.load()
    if data is not None and not isinstance(data, dict):
        problems.append(error("invalid_type", "the file is a mapping of keys"))
    if has_errors(problems):
        return PortfolioOutcome((), (), tuple(source.place(d) for d in problems))
    try:
        spec = PortfolioFileSpec.model_validate(data or {})
    except ValidationError as exc:
        problems += pydantic_diagnostics(exc)
        return PortfolioOutcome((), (), tuple(source.place(d) for d in problems))
    rate, rate_problems = file_rate(spec)
    problems += rate_problems
    problems += check_criteria(criteria(spec.scoring.criteria, ()), ("scoring", "criteria"))
    scored = []
    for k, proposal in enumerate(spec.proposals):
        where = ("proposals", k)
        result = score_proposal(proposal, spec.scoring, spec.currency, rate or Decimal(0), where)
        problems += result.diagnostics
        scored.append(result)
    evaluations = []
    for k, evaluation in enumerate(spec.evaluations):
        checked = check_evaluation(evaluation, ("evaluations", k))
        problems += checked.diagnostics
        evaluations.append(EvaluationOutcome(checked, evaluation_cba(checked)))
    return PortfolioOutcome(
        tuple(scored), tuple(evaluations), tuple(source.place(d) for d in problems)
    )


def evaluation_cba(checked: CheckedEvaluation) -> CbaResult | None:
    """The options' cost-benefit figures, when the evaluation has no errors."""
    if checked.analysis is None or has_errors(checked.diagnostics):
        return None
    return analyse(checked.analysis)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def proposal_json(scored: ProposalScore) -> dict[str, Any]:
    """The proposal's score on its scale, and its NPV and payback (years) when it has estimates."""
    figures: dict[str, Any] = {"npv": None, "payback": None}
    if scored.analysis is not None:
        result = analyse(scored.analysis).options[0]
        figures = {
            "npv": _money(result.npv),
            "payback": _money(result.metrics.payback),
            "tco": _money(result.tco),
        }
    return {
        "id": scored.proposal.id,
        "title": scored.proposal.title,
        "status": scored.proposal.status,
        "score": str(scored.score.quantize(CENT)),
        **figures,
        "diagnostics": [diagnostic_to_json(d) for d in scored.diagnostics],
    }


def evaluation_json(checked: CheckedEvaluation, cba: CbaResult | None) -> dict[str, Any]:
    """The decision matrix, each option's cost-benefit figures and the recommendation."""
    matrix = checked.matrix
    figures = {}
    if cba is not None:
        for result in cba.options:
            figures[result.option.id] = {
                "tco": _money(result.tco),
                "npv": _money(result.npv),
                "payback": _money(result.metrics.payback),
                "discounted_payback": _money(result.metrics.discounted_payback),
            }
    recommendation = checked.spec.recommendation
    return {
        "id": checked.spec.id,
        "title": checked.spec.title,
        "currency": checked.spec.currency,
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "weight": str(c.weight),
                "lower_is_better": not c.higher_is_better,
            }
            for c in matrix.criteria
        ],
        "scale": {"low": str(matrix.scale.low), "high": str(matrix.scale.high)},
        "options": [
            {
                "id": row.option,
                "name": option.name,
                "notes": option.notes,
                "scores": {key: str(value) for key, value in row.scores.items()},
                "score": str(row.score.quantize(CENT)),
                "rank": row.rank,
                **figures.get(row.option, {"tco": None, "npv": None, "payback": None}),
            }
            for row, option in zip(matrix.rows, checked.spec.options, strict=True)
        ],
        "best_score": matrix.best,
        "best_npv": cba.recommendation.option if cba is not None else None,
        "recommendation": (
            recommendation.model_dump(mode="json", exclude_defaults=True)
            if recommendation is not None
            else None
        ),
        "cba": cba_to_json(cba.analysis, cba, ()) if cba is not None else None,
        "diagnostics": [diagnostic_to_json(d) for d in checked.diagnostics],
    }
