"""The plan file's team sections -> :class:`~plansmith.domain.team.Team`, with document paths.

Nothing is refused here: the schema has checked the shapes, and references are the team
checks' to report (:mod:`plansmith.analytics.team_checks`), so every face says the same.
"""

from __future__ import annotations

from collections.abc import Iterable

from plansmith.domain.diagnostics import DocPath
from plansmith.domain.team import (
    Certification,
    Deliverable,
    RaciCell,
    Requirement,
    Role,
    SignOff,
    SkillHeld,
    Team,
    Training,
)
from plansmith.io.plan_schema import PlanSpec, ResourceSpec, TaskSpec
from plansmith.io.team_schema import TeamRulesSpec


def team(spec: PlanSpec, resources: Iterable[tuple[ResourceSpec, DocPath]]) -> Team:
    """``resources`` are every resource the plan knows (its own and its pool's) with paths."""
    rules = spec.team_rules or TeamRulesSpec()
    return Team(
        roles=tuple(
            Role(r.id, r.name or r.id, tuple(r.members), ("roles", i))
            for i, r in enumerate(spec.roles)
        ),
        deliverables=tuple(
            Deliverable(
                d.id,
                d.name,
                tuple(d.acceptance),
                d.owner,
                d.milestone,
                d.status,
                tuple(SignOff(s.by, s.date, s.decision == "accepted", s.note) for s in d.signoffs),
                ("deliverables", i),
            )
            for i, d in enumerate(spec.deliverables)
        ),
        raci=tuple(
            RaciCell(item, party, letters, ("raci", item, party))
            for item, row in spec.raci.items()
            for party, letters in row.items()
        ),
        skills=tuple(_skills(resources)),
        requirements=tuple(_requirements(spec.tasks, ("tasks",))),
        certifications=tuple(
            Certification(c.resource, c.name, c.issued, c.expires, ("certifications", i))
            for i, c in enumerate(spec.certifications)
        ),
        training=tuple(
            Training(
                c.resource, c.course, c.start, c.end, c.cost, c.skill, c.level, ("training", i)
            )
            for i, c in enumerate(spec.training)
        ),
        max_accountable=rules.max_accountable,
        certification_notice=rules.certification_notice,
    )


def _skills(resources: Iterable[tuple[ResourceSpec, DocPath]]) -> Iterable[SkillHeld]:
    for res, path in resources:
        if isinstance(res.skills, dict):
            for name, level in res.skills.items():
                yield SkillHeld(res.id, name, level, (*path, "skills", name))
        else:  # names alone, as plans wrote skills before they had levels: level 1
            for k, name in enumerate(res.skills):
                yield SkillHeld(res.id, name, 1, (*path, "skills", k))


def _requirements(tasks: list[TaskSpec], path: DocPath) -> Iterable[Requirement]:
    for i, task in enumerate(tasks):
        here: DocPath = (*path, i)
        for k, need in enumerate(task.requires):
            yield Requirement(task.id, need.skill, need.level, (*here, "requires", k))
        yield from _requirements(task.children or [], (*here, "children"))
