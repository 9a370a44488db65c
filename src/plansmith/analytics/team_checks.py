"""Checks of the team sections: the RACI rules, references, certifications, and skill gaps.

Pure functions of the project (and the day they are judged on, for expiry), so the plan file,
the API and the web app report the same problems with the same codes. Every rule is about a
set of cells, never their order: writing the matrix another way round finds the same problems.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from plansmith.domain.diagnostics import Diagnostic, DocPath, error, warning
from plansmith.domain.model import Project, ResourceKind
from plansmith.domain.team import RaciCell, Requirement, Team, Training


@dataclass(frozen=True, slots=True)
class SkillGap:
    """A skill a task needs that nobody assigned to it holds at the level needed.

    ``best`` is the highest level among the assigned people (0: none of them has the skill);
    ``training`` the planned courses that teach it to one of them at the level needed.
    """

    requirement: Requirement
    assigned: tuple[str, ...]
    best: int
    training: tuple[Training, ...] = ()


def team_diagnostics(project: Project, today: date) -> list[Diagnostic]:
    team = project.team
    return [
        *_references(project),
        *raci_diagnostics(project),
        *_deliverables(team),
        *certification_diagnostics(team, today),
        *(_gap_diagnostic(gap) for gap in skill_gaps(project)),
    ]


def _references(project: Project) -> list[Diagnostic]:
    team = project.team
    resources = {r.id for r in project.resources}
    tasks = {t.id for t in project.tasks}
    out: list[Diagnostic] = []
    refs: list[tuple[str | None, DocPath]] = [
        (d.owner, (*d.origin, "owner")) for d in team.deliverables
    ]
    refs += [(m, (*r.origin, "members", k)) for r in team.roles for k, m in enumerate(r.members)]
    refs += [(c.resource, (*c.origin, "resource")) for c in team.certifications]
    refs += [(c.resource, (*c.origin, "resource")) for c in team.training]
    for key, path in refs:
        if key is not None and key not in resources:
            out.append(error("unknown_resource", f"no resource '{key}' in this plan", None, path))
    for d in team.deliverables:
        if d.milestone is not None and d.milestone not in tasks:
            path = (*d.origin, "milestone")
            out.append(error("unknown_task", f"no task '{d.milestone}' in this plan", None, path))
    seen: set[str] = set()
    for thing, path in [(d.id, d.origin) for d in team.deliverables] + [
        (r.id, r.origin) for r in team.roles
    ]:
        if thing in seen or (thing in resources and path[0] == "roles"):
            out.append(error("duplicate_id", f"id '{thing}' is used twice", thing, (*path, "id")))
        seen.add(thing)
    return out


def raci_diagnostics(project: Project) -> list[Diagnostic]:
    """Exactly one A and at least one R per item, known items and parties, nobody with more
    A's than the team rules allow. Every deliverable is an item, in the matrix or not."""
    team = project.team
    deliverables = {d.id: d for d in team.deliverables}
    items = {t.id for t in project.tasks} | set(deliverables)
    parties = {r.id for r in project.resources} | {r.id for r in team.roles}
    out: list[Diagnostic] = []
    rows: dict[str, list[RaciCell]] = defaultdict(list)
    for cell in team.raci:
        rows[cell.item].append(cell)
        if cell.party not in parties:
            out.append(
                error(
                    "raci_unknown_party",
                    f"'{cell.party}' is neither a resource nor a role of this plan",
                    f"raci:{cell.item}",
                    cell.origin,
                )
            )
    for item in sorted(rows.keys() - items):
        out.append(
            error(
                "raci_unknown_item",
                f"'{item}' in the RACI matrix is neither a deliverable nor a task",
                f"raci:{item}",
                ("raci", item),
            )
        )
    for item in sorted((rows.keys() & items) | deliverables.keys()):
        cells = rows.get(item, [])
        path = ("raci", item) if cells else deliverables[item].origin
        accountable = sorted(c.party for c in cells if "A" in c.letters)
        if not accountable:
            out.append(
                warning(
                    "raci_no_accountable",
                    f"nobody is accountable (A) for '{item}'",
                    f"raci:{item}",
                    path,
                )
            )
        elif len(accountable) > 1:
            out.append(
                warning(
                    "raci_many_accountable",
                    f"'{item}' has {len(accountable)} accountable (A): {', '.join(accountable)}; "
                    "exactly one answers for it",
                    f"raci:{item}",
                    path,
                )
            )
        if not any("R" in c.letters for c in cells):
            out.append(
                warning(
                    "raci_no_responsible",
                    f"nobody is responsible (R) for doing '{item}'",
                    f"raci:{item}",
                    path,
                )
            )
    held: dict[str, list[RaciCell]] = defaultdict(list)
    for cell in team.raci:
        if "A" in cell.letters and cell.item in items:
            held[cell.party].append(cell)
    for party in sorted(held):
        if len(held[party]) > team.max_accountable:
            first = min(held[party], key=lambda c: c.item)
            out.append(
                warning(
                    "raci_overloaded_accountable",
                    f"'{party}' is accountable for {len(held[party])} items, more than "
                    f"{team.max_accountable} (team_rules: max_accountable)",
                    f"party:{party}",
                    first.origin,
                )
            )
    return out


def _deliverables(team: Team) -> list[Diagnostic]:
    return [
        warning(
            "deliverable_accepted_unsigned",
            f"deliverable '{d.id}' is accepted, but no stakeholder's sign-off accepts it",
            f"deliverable:{d.id}",
            (*d.origin, "status"),
        )
        for d in team.deliverables
        if d.status == "accepted" and d.signed_off is None
    ]


def certification_diagnostics(team: Team, today: date) -> list[Diagnostic]:
    """The reminders: expired, or expiring within ``certification_notice`` days of ``today``."""
    notice = today + timedelta(days=team.certification_notice)
    out: list[Diagnostic] = []
    for cert in team.certifications:
        if cert.expires is None:
            continue
        subject = f"resource:{cert.resource}"
        path = (*cert.origin, "expires")
        if cert.expires < today:
            message = f"{cert.resource}'s '{cert.name}' expired on {cert.expires}"
            out.append(warning("certification_expired", message, subject, path))
        elif cert.expires <= notice:
            days = (cert.expires - today).days
            message = f"{cert.resource}'s '{cert.name}' expires on {cert.expires}, in {days} days"
            out.append(warning("certification_expiring", message, subject, path))
    return out


def reminder_threshold(expires: date, today: date, days: Sequence[int]) -> int | None:
    """The e-mail reminder due on ``today`` for a certification expiring on ``expires``: the
    nearest threshold reached (of 60, 30 and 7 with 20 days left, the 30-day one), or None
    (no threshold reached yet, or already expired: the warning says so, and mail about a
    long-lapsed certificate helps nobody). Only the nearest one counts, so a certification
    recorded 20 days before it expires gets one e-mail now, not the 60-day one as well."""
    left = (expires - today).days
    reached = [d for d in days if d >= left]
    return min(reached) if reached and left >= 0 else None


def skill_gaps(project: Project) -> list[SkillGap]:
    """Each requirement of a task not yet finished that no assigned person meets."""
    team = project.team
    people = {r.id for r in project.resources if r.kind is ResourceKind.PERSON}
    levels: dict[tuple[str, str], int] = {}
    for held in team.skills:
        key = (held.resource, held.skill.casefold())
        levels[key] = max(levels.get(key, 0), held.level)
    tasks = {t.id: t for t in project.tasks}
    out: list[SkillGap] = []
    for need in team.requirements:
        task = tasks.get(need.task)
        if task is None or task.actual_finish is not None:
            continue
        assigned = tuple(a.resource for a in task.assignments if a.resource in people)
        skill = need.skill.casefold()
        best = max((levels.get((who, skill), 0) for who in assigned), default=0)
        if best < need.level:
            courses = tuple(
                c
                for c in team.training
                if c.resource in assigned
                and c.skill is not None
                and c.skill.casefold() == skill
                and (c.level or 1) >= need.level
            )
            out.append(SkillGap(need, assigned, best, courses))
    return out


def _gap_diagnostic(gap: SkillGap) -> Diagnostic:
    need = gap.requirement
    who = ", ".join(gap.assigned) or "nobody is assigned"
    planned = f"; training planned: {gap.training[0].course}" if gap.training else ""
    return warning(
        "skill_gap",
        f"task '{need.task}' needs {need.skill} at level {need.level}; the best of {who} is "
        f"{gap.best}{planned}",
        f"task:{need.task}",
        need.origin,
    )
