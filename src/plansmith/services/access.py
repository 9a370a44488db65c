"""Who may do what on a project: roles, the actions they allow, and the checks services make.

A user's role on a project is a :class:`~plansmith.storage.tables.Membership`; administrators
are owners of every project. The rules live in one table, :data:`ALLOWED`, so the API, the web
pages and the documentation cannot drift apart on them.

Two choices are deliberate:

- A project the caller has no role on is reported as *not found*, never as forbidden, so one
  customer cannot learn even the ids of another's projects. Forbidden is only for a project the
  caller can see but may not change in this way.
- A member updates progress and books time only on their own tasks: those assigned to a
  resource whose ``email`` is the member's address (:func:`owns_task`). Plans name people as
  resources, not as accounts, so the address is what ties the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from plansmith.errors import Forbidden, NotFound
from plansmith.storage.tables import Assignment, Membership, Project, Resource, Task, User


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    MEMBER = "member"
    VIEWER = "viewer"
    STAKEHOLDER = "stakeholder"


class Action(StrEnum):
    READ_REPORTS = "read_reports"  # dashboards, EVM, budget and status reports
    READ_PLAN = "read_plan"  # tasks, resources, assignments, risks: the plan itself
    UPDATE_PROGRESS = "update_progress"  # percent complete, actual dates, time bookings
    EDIT_PLAN = "edit_plan"  # create, change and delete tasks, links, risks, baselines
    # agendas, minutes and attendance of meetings, the decision log and action items (the team
    # writes down what its meetings said; arranging meetings and making tasks is EDIT_PLAN's)
    RECORD_MEETINGS = "record_meetings"
    MANAGE_MEMBERS = "manage_members"  # grant and revoke roles on the project
    DELETE_PROJECT = "delete_project"


ALLOWED: Mapping[Role, frozenset[Action]] = MappingProxyType(
    {
        Role.OWNER: frozenset(Action),
        Role.MANAGER: frozenset(
            {
                Action.READ_REPORTS,
                Action.READ_PLAN,
                Action.UPDATE_PROGRESS,
                Action.EDIT_PLAN,
                Action.RECORD_MEETINGS,
                Action.MANAGE_MEMBERS,
            }
        ),
        Role.MEMBER: frozenset(
            {
                Action.READ_REPORTS,
                Action.READ_PLAN,
                Action.UPDATE_PROGRESS,
                Action.RECORD_MEETINGS,
            }
        ),
        Role.VIEWER: frozenset({Action.READ_REPORTS, Action.READ_PLAN}),
        Role.STAKEHOLDER: frozenset({Action.READ_REPORTS}),
    }
)

# Actions a member may take only on tasks of their own (see owns_task).
OWN_TASKS_ONLY: frozenset[Action] = frozenset({Action.UPDATE_PROGRESS})


def role_on(session: Session, user: User, project_id: int) -> Role | None:
    """``user``'s role on the project, None when they have none (or are deactivated)."""
    if not user.active:
        return None
    if user.is_admin:
        return Role.OWNER
    stored = session.scalar(
        select(Membership.role).where(
            Membership.project_id == project_id, Membership.user_id == user.id
        )
    )
    if stored is None:
        return None
    try:
        return Role(stored)
    except ValueError:
        return None  # a role this version does not know grants nothing: fail closed


def _project_exists(session: Session, project_id: int) -> bool:
    return session.scalar(select(Project.id).where(Project.id == project_id)) is not None


NO_SUCH_PROJECT = "no such project here"


def _no_such_project(project_id: int) -> NotFound:
    # One message for "does not exist" and "not yours" everywhere (see portfolios.project_named),
    # so the two cannot be told apart, not even by a row id in the text.
    return NotFound(NO_SUCH_PROJECT, code="not_found")


def require(
    session: Session, user: User, project_id: int, action: Action, *, exists: bool = False
) -> Role:
    """``user``'s role on the project if it allows ``action``.

    Raises :class:`NotFound` when the project does not exist or the user has no role on it,
    and :class:`Forbidden` when the role does not allow the action. ``exists=True`` skips the
    look-up when the caller has just read the project's row.
    """
    if not exists and not _project_exists(session, project_id):
        raise _no_such_project(project_id)
    return check_role(role_on(session, user, project_id), project_id, action)


def check_role(role: Role | None, project_id: int, action: Action) -> Role:
    """:func:`require`'s decision on a role the caller has just read with :func:`role_on`."""
    if role is None:
        raise _no_such_project(project_id)
    if action not in ALLOWED[role]:
        raise Forbidden(
            f"a {role.value} of this project may not {action.value.replace('_', ' ')}",
            code="forbidden",
        )
    return role


def require_on_task(session: Session, user: User, task_id: int, action: Action) -> Role:
    """:func:`require` for the task's project, plus the own-tasks rule: a member may update
    progress only on a task assigned to them."""
    project_id = session.scalar(select(Task.project_id).where(Task.id == task_id))
    if project_id is None:
        raise NotFound(f"there is no task {task_id}", code="not_found")
    try:
        role = require(session, user, project_id, action)
    except NotFound:
        raise NotFound(f"there is no task {task_id}", code="not_found") from None
    if role is Role.MEMBER and action in OWN_TASKS_ONLY and not owns_task(session, user, task_id):
        raise Forbidden(
            "a member may update progress only on tasks assigned to them", code="forbidden"
        )
    return role


def visible_project_ids(user: User) -> Select[int]:
    """The ids of the projects ``user`` has any role on (every project for administrators),
    as a subquery for filtering lists: ``where(Project.id.in_(visible_project_ids(user)))``."""
    if not user.active:
        return select(Project.id).where(false())
    if user.is_admin:
        return select(Project.id)
    return select(Membership.project_id).where(Membership.user_id == user.id)


def owns_task(session: Session, user: User, task_id: int) -> bool:
    """True when the task is assigned to a resource whose ``email`` is ``user``'s address
    (compared case-insensitively, as addresses are in practice)."""
    specs = session.scalars(
        select(Resource.spec)
        .join(Assignment, Assignment.resource_id == Resource.id)
        .where(Assignment.task_id == task_id)
    )
    mine = user.email.strip().lower()
    return any(
        isinstance(spec.get("email"), str) and spec["email"].strip().lower() == mine
        for spec in specs
    )


# Memberships ---------------------------------------------------------------------------------


def _check_actor(
    session: Session, by: User, project_id: int, target: Role | None, new: Role | None
) -> None:
    """Only an owner may make someone an owner or change an owner's role, so a manager cannot
    promote themselves to the one role that may delete the project."""
    actor = require(session, by, project_id, Action.MANAGE_MEMBERS)
    if actor is not Role.OWNER and Role.OWNER in (target, new):
        raise Forbidden("only an owner may grant or change the owner role", code="forbidden")


def grant(
    session: Session, project_id: int, user_id: int, role: Role, *, by: User | None = None
) -> Membership:
    """Give ``user_id`` ``role`` on the project, replacing the role they had.

    With ``by``, the change is made on that user's behalf and checked: they need
    ``manage_members``, and only an owner may grant or take away the owner role.
    """
    role = Role(role)
    if not _project_exists(session, project_id):
        raise _no_such_project(project_id)
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project_id, Membership.user_id == user_id)
    )
    if by is not None:
        current = _known_role(membership.role) if membership is not None else None
        _check_actor(session, by, project_id, current, role)
    if membership is not None:
        membership.role = role.value
        return membership
    if session.get(User, user_id) is None:
        raise NotFound(f"there is no user {user_id}", code="not_found")
    membership = Membership(project_id=project_id, user_id=user_id, role=role.value)
    session.add(membership)
    session.flush()
    return membership


def revoke(session: Session, project_id: int, user_id: int, *, by: User | None = None) -> None:
    """Take away ``user_id``'s role on the project; no role to take is no error. ``by`` is
    checked as for :func:`grant`."""
    if by is not None and not _project_exists(session, project_id):
        raise _no_such_project(project_id)
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project_id, Membership.user_id == user_id)
    )
    if by is not None:
        current = _known_role(membership.role) if membership is not None else None
        _check_actor(session, by, project_id, current, None)
    if membership is not None:
        session.delete(membership)
        session.flush()


def _known_role(stored: str) -> Role | None:
    try:
        return Role(stored)
    except ValueError:
        return None
