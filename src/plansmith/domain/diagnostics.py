"""Problems in user input are data, not exceptions.

Every layer reports what is wrong with a plan as :class:`Diagnostic` values with a stable snake_case
``code``; tests and tools match on the code, never on the wording, so messages can improve freely.
The catalogue of codes lives in ``docs/plan-format.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A 1-based position in a source file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# A path into a plan document, e.g. ("tasks", 0, "children", 2, "depends", 1, "lag").
DocPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in user input.

    ``subject`` names what the problem is about in the user's terms (``task:db-migrate``). ``path``
    is where in the plan document it was written, when known; engines copy it from the model's
    ``origin`` fields and only the plan loader, which has the source text, turns it into a
    ``location`` (file, line, column).
    """

    code: str
    severity: Severity
    message: str
    subject: str | None = None
    location: SourceLocation | None = None
    path: DocPath = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def at(self, location: SourceLocation | None) -> Diagnostic:
        return replace(self, location=location)


def error(code: str, message: str, subject: str | None = None, path: DocPath = ()) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, subject, None, path)


def warning(code: str, message: str, subject: str | None = None, path: DocPath = ()) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, subject, None, path)


def has_errors(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> bool:
    return any(d.is_error for d in diagnostics)
