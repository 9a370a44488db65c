"""Every check of a plan beyond its schedule: the risk register, correlations, money, team.

The faces run these whatever the command, so ``plansmith check`` and ``schedule`` report a risk
that names an unknown task as surely as ``simulate`` does.
"""

from __future__ import annotations

from datetime import date

from plansmith.analytics.costs import cost_diagnostics
from plansmith.analytics.team_checks import team_diagnostics
from plansmith.analytics.uncertainty import correlation_diagnostics, uncertainty_diagnostics
from plansmith.domain.diagnostics import Diagnostic
from plansmith.domain.model import Project


def plan_diagnostics(project: Project, today: date | None = None) -> list[Diagnostic]:
    """``today`` judges certification expiry: by default the plan's status date, else the
    day of the run (a reminder is about now, not about when the plan was written)."""
    problems = uncertainty_diagnostics(project)
    if not any(d.is_error for d in problems):
        problems += correlation_diagnostics(project)
    as_of = today or project.status_date or date.today()
    return problems + cost_diagnostics(project) + team_diagnostics(project, as_of)
