"""Every check of a plan beyond its schedule: the risk register, correlations, and money.

The faces run these whatever the command, so ``plansmith check`` and ``schedule`` report a risk
that names an unknown task as surely as ``simulate`` does.
"""

from __future__ import annotations

from plansmith.analytics.costs import cost_diagnostics
from plansmith.analytics.uncertainty import correlation_diagnostics, uncertainty_diagnostics
from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project


def plan_diagnostics(project: Project) -> list[Diagnostic]:
    problems = uncertainty_diagnostics(project)
    if not any(d.is_error for d in problems):
        problems += correlation_diagnostics(project)
    return problems + cost_diagnostics(project)
