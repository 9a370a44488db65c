"""Invariants of the team checks: the RACI rules do not depend on the order the matrix is
written in, and nobody lacks a skill when every assigned person holds it at the level asked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from plansmith.analytics.team_checks import raci_diagnostics, skill_gaps
from plansmith.domain.model import Assignment, Project, Resource, Task
from plansmith.domain.team import Deliverable, RaciCell, Requirement, SkillHeld, Team

PEOPLE = ("ann", "ben", "cat")
ITEMS = ("t1", "t2", "d1")
cells = st.lists(
    st.tuples(
        st.sampled_from(ITEMS), st.sampled_from(PEOPLE), st.sampled_from(["R", "A", "AR", "C", "I"])
    ),
    unique_by=lambda c: (c[0], c[1]),
    max_size=9,
)


def _project(team: Team, assign: tuple[str, ...] = PEOPLE) -> Project:
    tasks = tuple(
        Task(k, k, str(i + 1), duration=60, assignments=tuple(Assignment(p) for p in assign))
        for i, k in enumerate(ITEMS[:2])
    )
    return Project(
        "p",
        "P",
        date(2027, 1, 4),
        "standard",
        {},
        tasks,
        tuple(Resource(p, p) for p in PEOPLE),
        team=team,
    )


def _key(found: list) -> list:  # type: ignore[type-arg]
    return sorted((d.code, d.subject, d.message) for d in found)


@given(cells, st.randoms(), st.integers(1, 3))
def test_raci_checks_do_not_depend_on_order(written: list, rng, limit: int) -> None:  # type: ignore[no-untyped-def,type-arg]
    team = Team(
        deliverables=(Deliverable("d1", "D"),),
        raci=tuple(RaciCell(i, p, letters, ("raci", i, p)) for i, p, letters in written),
        max_accountable=limit,
    )
    shuffled = list(team.raci)
    rng.shuffle(shuffled)
    first = raci_diagnostics(_project(team))
    second = raci_diagnostics(_project(replace(team, raci=tuple(shuffled))))
    assert _key(first) == _key(second)


needs = st.lists(
    st.tuples(st.sampled_from(ITEMS[:2]), st.sampled_from(["go", "sql", "k8s"]), st.integers(1, 5)),
    max_size=6,
)


@given(needs, st.sampled_from(PEOPLE))
def test_no_gap_when_an_assigned_person_holds_every_skill(wanted: list, who: str) -> None:  # type: ignore[type-arg]
    held = tuple(SkillHeld(who, skill, 5) for _, skill, _ in wanted)
    team = Team(skills=held, requirements=tuple(Requirement(t, s, lv) for t, s, lv in wanted))
    assert skill_gaps(_project(team, (who,))) == []
    assert len(skill_gaps(_project(replace(team, skills=()), (who,)))) == len(wanted)
