"""Roles and permission checks on SQLite and PostgreSQL: the role matrix, not-found for other
people's projects, forbidden for a missing right, memberships, and members' own tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plansmith.errors import Forbidden, NotFound
from plansmith.services.access import (
    ALLOWED,
    Action,
    Role,
    grant,
    owns_task,
    require,
    require_on_task,
    revoke,
    role_on,
    visible_project_ids,
)
from plansmith.services.accounts import create_user
from plansmith.storage.database import Database
from plansmith.storage.tables import Assignment, Membership, Project, Resource, Task, User

NOW = datetime(2025, 3, 1, tzinfo=UTC)

# Written out in full rather than derived, so a change to ALLOWED has to change this too.
R, P, U, E, C, M, D = (
    "read_reports",
    "read_plan",
    "update_progress",
    "edit_plan",
    "record_meetings",
    "manage_members",
    "delete_project",
)
EXPECTED: dict[str, set[str]] = {
    "owner": {R, P, U, E, C, M, D},
    "manager": {R, P, U, E, C, M},
    "member": {R, P, U, C},
    "viewer": {R, P},
    "stakeholder": {R},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_the_role_matrix(role: Role, action: Action) -> None:
    assert (action in ALLOWED[role]) == (action.value in EXPECTED[role.value])


def test_the_roles_and_actions_are_these() -> None:
    assert [r.value for r in Role] == list(EXPECTED)
    assert {a.value for a in Action} == EXPECTED["owner"]


@dataclass
class World:
    alpha: int
    beta: int
    admin: User
    ana: User
    bob: User


def make_project(session: Session, key: str) -> int:
    row = Project(
        key=key, name=key.title(), start=date(2025, 3, 3), spec={}, created_at=NOW, updated_at=NOW
    )
    session.add(row)
    session.flush()
    return row.id


@pytest.fixture
def world(database: Database) -> World:
    with database.transaction() as session:
        return World(
            alpha=make_project(session, "alpha"),
            beta=make_project(session, "beta"),
            admin=create_user(session, "root@example.com", "admin password", is_admin=True),
            ana=create_user(session, "ana@example.com", "ana's password"),
            bob=create_user(session, "bob@example.com", "bob's password"),
        )


@pytest.mark.parametrize("role", list(Role))
def test_require_follows_the_matrix(database: Database, world: World, role: Role) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, role)
    with database.transaction() as session:
        assert role_on(session, world.ana, world.alpha) is role
        for action in Action:
            if action.value in EXPECTED[role.value]:
                assert require(session, world.ana, world.alpha, action) is role
            else:
                with pytest.raises(Forbidden) as caught:
                    require(session, world.ana, world.alpha, action)
                assert caught.value.code == "forbidden"
                assert caught.value.status == 403


def test_another_projects_data_looks_absent(database: Database, world: World) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.OWNER)
    with database.transaction() as session:
        assert role_on(session, world.ana, world.beta) is None
        with pytest.raises(NotFound) as theirs:
            require(session, world.ana, world.beta, Action.READ_REPORTS)
        with pytest.raises(NotFound) as missing:
            require(session, world.ana, 10_000, Action.READ_REPORTS)
    assert theirs.value.code == missing.value.code == "not_found"
    assert theirs.value.status == 404
    # the same words whether the project exists or not, only the id differs
    assert theirs.value.message.replace(str(world.beta), "#") == (
        missing.value.message.replace("10000", "#")
    )


def test_admins_own_every_project_but_not_a_missing_one(database: Database, world: World) -> None:
    with database.transaction() as session:
        assert role_on(session, world.admin, world.beta) is Role.OWNER
        assert require(session, world.admin, world.beta, Action.DELETE_PROJECT) is Role.OWNER
        with pytest.raises(NotFound):
            require(session, world.admin, 10_000, Action.READ_PLAN)


def test_a_deactivated_user_has_no_role(database: Database, world: World) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.OWNER)
        session.get_one(User, world.ana.id).active = False
        session.get_one(User, world.admin.id).active = False
    with database.transaction() as session:
        ana = session.get_one(User, world.ana.id)
        admin = session.get_one(User, world.admin.id)
        assert role_on(session, ana, world.alpha) is None
        assert role_on(session, admin, world.alpha) is None
        assert session.scalars(visible_project_ids(admin)).all() == []


def test_visible_projects(database: Database, world: World) -> None:
    with database.transaction() as session:
        grant(session, world.beta, world.ana.id, Role.STAKEHOLDER)
    with database.transaction() as session:
        assert session.scalars(visible_project_ids(world.ana)).all() == [world.beta]
        assert session.scalars(visible_project_ids(world.bob)).all() == []
        assert sorted(session.scalars(visible_project_ids(world.admin))) == sorted(
            [world.alpha, world.beta]
        )
        listed = session.scalars(
            select(Project.key).where(Project.id.in_(visible_project_ids(world.ana)))
        ).all()
        assert listed == ["beta"]


# Memberships -----------------------------------------------------------------------------------


def test_grant_replaces_the_role_and_revoke_removes_it(database: Database, world: World) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.VIEWER)
        membership = grant(session, world.alpha, world.ana.id, Role.MANAGER)
        assert membership.role == "manager"
        count = select(func.count()).select_from(Membership)
        assert session.scalar(count) == 1
    with database.transaction() as session:
        revoke(session, world.alpha, world.ana.id)
        revoke(session, world.alpha, world.ana.id)  # again: no error
        assert role_on(session, world.ana, world.alpha) is None


def test_grant_to_a_missing_user_or_project_is_not_found(database: Database, world: World) -> None:
    with pytest.raises(NotFound) as no_user, database.transaction() as session:
        grant(session, world.alpha, 10_000, Role.VIEWER)
    with pytest.raises(NotFound) as no_project, database.transaction() as session:
        grant(session, 10_000, world.ana.id, Role.VIEWER)
    assert no_user.value.code == no_project.value.code == "not_found"


def test_a_manager_manages_members_below_owner(database: Database, world: World) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.MANAGER)
        grant(session, world.alpha, world.admin.id, Role.OWNER)
    with database.transaction() as session:
        grant(session, world.alpha, world.bob.id, Role.MEMBER, by=world.ana)
        grant(session, world.alpha, world.bob.id, Role.MANAGER, by=world.ana)
        revoke(session, world.alpha, world.bob.id, by=world.ana)
    for change in (
        lambda s: grant(s, world.alpha, world.ana.id, Role.OWNER, by=world.ana),
        lambda s: grant(s, world.alpha, world.bob.id, Role.OWNER, by=world.ana),
        lambda s: grant(s, world.alpha, world.admin.id, Role.VIEWER, by=world.ana),
        lambda s: revoke(s, world.alpha, world.admin.id, by=world.ana),
    ):
        with pytest.raises(Forbidden) as caught, database.transaction() as session:
            change(session)
        assert caught.value.code == "forbidden"
    with database.transaction() as session:
        assert role_on(session, world.ana, world.alpha) is Role.MANAGER
        grant(session, world.alpha, world.ana.id, Role.OWNER, by=world.admin)
        assert role_on(session, world.ana, world.alpha) is Role.OWNER


def test_only_those_who_manage_members_may_change_them(database: Database, world: World) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.MEMBER)
    with pytest.raises(Forbidden), database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.MANAGER, by=world.ana)
    with pytest.raises(NotFound), database.transaction() as session:
        grant(session, world.alpha, world.bob.id, Role.VIEWER, by=world.bob)
    with pytest.raises(NotFound), database.transaction() as session:
        revoke(session, world.alpha, world.ana.id, by=world.bob)


# Members' own tasks ----------------------------------------------------------------------------


@dataclass
class Tasks:
    ana_s: int
    bob_s: int
    nobody_s: int


@pytest.fixture
def tasks(database: Database, world: World) -> Tasks:
    with database.transaction() as session:
        ana = Resource(key="ana", name="Ana", spec={"email": "Ana@Example.com "})
        bob = Resource(key="bob", name="Bob", spec={"email": "bob@example.com"})
        room = Resource(key="room", name="Room", kind="material", spec={})
        rows = [
            Task(project_id=world.alpha, key=key, name=key, position=i, spec={})
            for i, key in enumerate(["ana-s", "bob-s", "nobody-s"])
        ]
        session.add_all([ana, bob, room, *rows])
        session.flush()
        session.add_all(
            [
                Assignment(project_id=world.alpha, task_id=rows[0].id, resource_id=ana.id),
                Assignment(project_id=world.alpha, task_id=rows[0].id, resource_id=room.id),
                Assignment(project_id=world.alpha, task_id=rows[1].id, resource_id=bob.id),
            ]
        )
        return Tasks(rows[0].id, rows[1].id, rows[2].id)


def test_owns_task_matches_the_resource_address(
    database: Database, world: World, tasks: Tasks
) -> None:
    with database.transaction() as session:
        assert owns_task(session, world.ana, tasks.ana_s)
        assert not owns_task(session, world.ana, tasks.bob_s)
        assert not owns_task(session, world.ana, tasks.nobody_s)
        assert owns_task(session, world.bob, tasks.bob_s)
        assert not owns_task(session, world.admin, tasks.ana_s)
        assert not owns_task(session, world.ana, 10_000)


def test_a_member_updates_progress_only_on_their_own_tasks(
    database: Database, world: World, tasks: Tasks
) -> None:
    with database.transaction() as session:
        grant(session, world.alpha, world.ana.id, Role.MEMBER)
        grant(session, world.alpha, world.bob.id, Role.MANAGER)
    with database.transaction() as session:
        assert require_on_task(session, world.ana, tasks.ana_s, Action.UPDATE_PROGRESS) is (
            Role.MEMBER
        )
        assert require_on_task(session, world.ana, tasks.bob_s, Action.READ_PLAN) is Role.MEMBER
        for task_id, action in (
            (tasks.bob_s, Action.UPDATE_PROGRESS),
            (tasks.ana_s, Action.EDIT_PLAN),
        ):
            with pytest.raises(Forbidden) as caught:
                require_on_task(session, world.ana, task_id, action)
            assert caught.value.code == "forbidden"
        # a manager is not limited to their own tasks
        assert require_on_task(session, world.bob, tasks.ana_s, Action.UPDATE_PROGRESS) is (
            Role.MANAGER
        )


def test_a_task_out_of_reach_is_not_found(database: Database, world: World, tasks: Tasks) -> None:
    with database.transaction() as session:
        for task_id in (tasks.ana_s, 10_000):
            with pytest.raises(NotFound) as caught:
                require_on_task(session, world.ana, task_id, Action.READ_PLAN)
            assert caught.value.code == "not_found"
