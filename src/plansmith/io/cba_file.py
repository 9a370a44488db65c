"""Cost-benefit files: YAML text -> checked :class:`~plansmith.analytics.cba.Analysis`.

The same three stages as plan files (:mod:`plansmith.io.plan_file`), each adding diagnostics with
a document path that :class:`~plansmith.io.yaml_source.YamlSource` turns into file:line:column:
YAML syntax, structure (Pydantic, the ``*Spec`` classes below), then the values that need more
than one key to judge -- rates, a line's form against its keys, periods against the horizon, ids
and the baseline. Rates are parsed here rather than by Pydantic so that a bad one gets its own
stable code, ``invalid_rate``. A problem in the user's file is never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainValidator,
    Strict,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from plansmith.analytics.cba import DEFAULT_STEPS, Analysis, Line, LineKind, Option, Period
from plansmith.analytics.cba_sensitivity import MAX_HORIZON
from plansmith.domain.diagnostics import Diagnostic, DocPath, error, has_errors, warning
from plansmith.io.schema_errors import pydantic_diagnostics
from plansmith.io.schema_types import Amount, Currency, Day, Id, Spec, lowercase
from plansmith.io.yaml_source import YamlSource, read_text


def _rate_text(value: Any) -> Any:
    """Rates stay as written ("8%", 0.08) until :func:`parse_rate` reads them with a location."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PydanticCustomError(
            "invalid_type", "'{value}' is not a rate: write 8% or 0.08", {"value": str(value)}
        )
    return value


RateText = Annotated[str | int | float, PlainValidator(_rate_text)]
# Strict: YAML's true is not period 1, nor 2.0 a whole number of periods.
PeriodIndex = Annotated[int, Strict(), Field(ge=0, le=MAX_HORIZON)]


class LineSpec(Spec):
    """A cost, benefit or saving: ``once`` (at period ``at``, default 0) or ``per_period`` (in
    periods ``from`` .. ``to``, default 1 .. horizon, escalating by ``growth`` a year)."""

    name: str
    once: Amount | None = None
    per_period: Amount | None = None
    at: PeriodIndex | None = None
    first: PeriodIndex | None = Field(None, alias="from")
    to: PeriodIndex | None = None
    growth: RateText | None = None
    category: Annotated[str, BeforeValidator(lowercase)] = ""
    notes: str = ""


class OptionSpec(Spec):
    id: Id
    name: str
    notes: str = ""
    costs: list[LineSpec] = Field(default_factory=list)
    benefits: list[LineSpec] = Field(default_factory=list)
    savings: list[LineSpec] = Field(default_factory=list)
    residual: Amount | None = None


class SensitivitySpec(Spec):
    steps: list[RateText] = Field(default_factory=list)


class CbaSpec(Spec):
    title: str = ""
    currency: Currency
    discount_rate: RateText
    horizon: Annotated[int, Strict(), Field(ge=1, le=MAX_HORIZON)]
    period: Annotated[Literal["year", "quarter", "month"], BeforeValidator(lowercase)] = "year"
    start: Day | None = None
    baseline: Id | None = None
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)
    options: list[OptionSpec]


_KINDS = (("costs", LineKind.COST), ("benefits", LineKind.BENEFIT), ("savings", LineKind.SAVING))


def parse_rate(value: object) -> Decimal:
    """A rate as a fraction: "8%" and 0.08 are both 0.08. A bare number of 1 or more is refused
    (``discount_rate: 8`` would be 800%): write it with a percent sign if it is meant.

    Raises ValueError with a message for people.
    """
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text.removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError(f"'{value}' is not a rate: write 8% or 0.08") from None
    if not rate.is_finite():
        raise ValueError(f"'{value}' is not a rate: write 8% or 0.08")
    if percent:
        rate /= 100
    elif abs(rate) >= 1:
        raise ValueError(
            f"'{value}' would be {rate * 100:f}%: write {value}% if that is meant, or 0.08 for 8%"
        )
    if rate <= -1:
        raise ValueError(f"'{value}' is -100% or less: a rate must be above -100%")
    return rate


@dataclass
class LoadedCba:
    """A cost-benefit file as far as it could be read: ``analysis`` is None on errors."""

    source: YamlSource
    analysis: Analysis | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.analysis is not None and not has_errors(self.diagnostics)


def load_cba(path: str | Path) -> LoadedCba:
    """Read and check a cost-benefit file; never raises for a problem in the user's file."""
    text = read_text(path, "cba_not_found", "cost-benefit file")
    if isinstance(text, Diagnostic):
        source = YamlSource(str(path), "")
        return LoadedCba(source, None, [source.place(text)])
    return load_cba_text(text, str(path))


def load_cba_text(text: str, filename: str = "<cba>") -> LoadedCba:
    source = YamlSource(filename, text)
    data, diagnostics = source.load()
    if data is None and not diagnostics:
        diagnostics.append(error("invalid_type", "the file is empty; start with 'currency:'"))
    elif data is not None and not isinstance(data, dict):
        diagnostics.append(error("invalid_type", "a cost-benefit file is a mapping of keys"))
    if has_errors(diagnostics):
        return LoadedCba(source, None, [source.place(d) for d in diagnostics])
    try:
        spec = CbaSpec.model_validate(data)
    except ValidationError as exc:
        diagnostics.extend(pydantic_diagnostics(exc))
        return LoadedCba(source, None, [source.place(d) for d in diagnostics])
    builder = _AnalysisBuilder(spec)
    analysis = builder.build()
    diagnostics.extend(builder.diagnostics)
    return LoadedCba(source, analysis, [source.place(d) for d in diagnostics])


def build_analysis(spec: CbaSpec) -> tuple[Analysis | None, list[Diagnostic]]:
    """A checked spec as an analysis, for files that hold cost-benefit options among other
    things (technology evaluations); diagnostics carry paths relative to ``spec``."""
    builder = _AnalysisBuilder(spec)
    return builder.build(), builder.diagnostics


class _AnalysisBuilder:
    def __init__(self, spec: CbaSpec) -> None:
        self.spec = spec
        self.diagnostics: list[Diagnostic] = []

    def build(self) -> Analysis | None:
        spec = self.spec
        rate = self._rate(spec.discount_rate, ("discount_rate",))
        steps = tuple(
            sorted(
                {
                    step
                    for k, text in enumerate(spec.sensitivity.steps)
                    if (step := self._rate(text, ("sensitivity", "steps", k))) is not None
                }
            )
        )
        options = self._options()
        if spec.baseline is not None and spec.baseline not in {o.id for o in options}:
            self._error(
                "unknown_option",
                f"baseline '{spec.baseline}' is not the id of an option",
                ("baseline",),
            )
        if has_errors(self.diagnostics) or rate is None:
            return None
        return Analysis(
            currency=spec.currency,
            discount_rate=rate,
            horizon=spec.horizon,
            period=Period(spec.period),
            options=tuple(options),
            title=spec.title,
            start=spec.start,
            baseline=spec.baseline,
            steps=steps or DEFAULT_STEPS,
        )

    def _options(self) -> list[Option]:
        if not self.spec.options:
            self._error("no_options", "there are no options to compare", ("options",))
        options: list[Option] = []
        seen: set[str] = set()
        for i, spec in enumerate(self.spec.options):
            path: DocPath = ("options", i)
            if spec.id in seen:
                self._error("duplicate_id", f"option id '{spec.id}' is used twice", (*path, "id"))
                continue
            seen.add(spec.id)
            lines = [
                line
                for key, kind in _KINDS
                for k, item in enumerate(getattr(spec, key))
                if (line := self._line(item, kind, f"{key}/{k}", (*path, key, k))) is not None
            ]
            if spec.residual is not None:
                lines.append(
                    Line(
                        LineKind.RESIDUAL,
                        "Residual value",
                        spec.residual,
                        at_end=True,
                        key="residual",
                        origin=(*path, "residual"),
                    )
                )
            options.append(Option(spec.id, spec.name, tuple(lines), spec.notes, path))
        return options

    def _line(self, spec: LineSpec, kind: LineKind, key: str, path: DocPath) -> Line | None:
        horizon = self.spec.horizon
        if spec.once is None and spec.per_period is None:
            self._error(
                "line_form_missing",
                f"line '{spec.name}' needs an amount: 'once' or 'per_period'",
                path,
            )
            return None
        if spec.once is not None:
            extra = [name for name in ("per_period", "from", "to", "growth") if _given(spec, name)]
            if extra:
                self._error(
                    "line_form_conflict",
                    f"line '{spec.name}' is one-off ('once'), so it cannot have '{extra[0]}'",
                    (*path, extra[0]),
                )
                return None
            at = spec.at or 0
            if at > horizon:
                self._outside(spec.name, f"period {at}", (*path, "at"))
            return Line(
                kind,
                spec.name,
                spec.once,
                False,
                at,
                None,
                category=spec.category,
                key=key,
                origin=path,
            )
        assert spec.per_period is not None
        if spec.at is not None:
            self._error(
                "line_form_conflict",
                f"line '{spec.name}' is recurring ('per_period'): give 'from' and 'to', not 'at'",
                (*path, "at"),
            )
            return None
        first = 1 if spec.first is None else spec.first
        if spec.to is not None and spec.to < first:
            self._error(
                "invalid_period_range",
                f"line '{spec.name}' ends (to: {spec.to}) before it starts (from: {first})",
                (*path, "to"),
            )
            return None
        if first > horizon:
            self._outside(spec.name, f"period {first} onwards", (*path, "from"))
        growth = Decimal(0)
        if spec.growth is not None:
            parsed = self._rate(spec.growth, (*path, "growth"))
            growth = parsed if parsed is not None else growth
        return Line(
            kind,
            spec.name,
            spec.per_period,
            True,
            first,
            spec.to,
            growth,
            spec.category,
            key=key,
            origin=path,
        )

    def _outside(self, name: str, when: str, path: DocPath) -> None:
        self.diagnostics.append(
            warning(
                "outside_horizon",
                f"line '{name}' falls in {when}, after the horizon of {self.spec.horizon} "
                f"{self.spec.period}s: it counts for nothing (unless a longer horizon is tested)",
                None,
                path,
            )
        )

    def _rate(self, value: object, path: DocPath) -> Decimal | None:
        try:
            return parse_rate(value)
        except ValueError as exc:
            self._error("invalid_rate", str(exc), path)
            return None

    def _error(self, code: str, message: str, path: DocPath) -> None:
        self.diagnostics.append(error(code, message, None, path))


def _given(spec: LineSpec, name: str) -> bool:
    """Whether the key was written in the file (``from`` is the field ``first``)."""
    return ("first" if name == "from" else name) in spec.model_fields_set
