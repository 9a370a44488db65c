"""A stored plan's schedule, kept in each process and keyed by the plan's revision in the
database, so that showing a large plan again (or changing one task of it) does not read back
and reschedule thousands of tasks that did not change.

Why it cannot serve stale data, with any number of processes:

- The key is the project's ``plan_revision``, a counter the database's own triggers bump in the
  same transaction as any change to what the plan is made of (migration 0003), plus the
  project's id, key and creation time (SQLite may give a deleted project's id to a new one).
  It is read from the database on every use, never from memory.
- A schedule enters the shared cache only once the transaction that read it has committed
  (:func:`_promote`): what a transaction computed from its own uncommitted changes is kept
  aside in the session and dropped if the transaction rolls back; nothing computed inside a
  savepoint is kept at all, since a savepoint's changes may yet be undone.
- On PostgreSQL each statement sees the latest commits, so a plan is kept only if the revision
  read after its rows is the one read before them (no change committed in between).
- Revisions only grow, so a schedule kept for a revision that was never committed as such (one
  transaction changing the plan twice) is never asked for again and simply ages out.

Everything cached is treated as immutable by its users: they copy what they change.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from plansmith.io.plan_file import load_plan_spec
from plansmith.io.plan_schema import PlanSpec, TaskSpec
from plansmith.services.planning import PlanOutcome, schedule_plan
from plansmith.storage import tables as t
from plansmith.storage.plans import stored_document, with_task_row

# The latest revision of a few plans per process, up to some thousands of tasks in all: a plan
# of 2,000 tasks scheduled, with its page's rows, is some 60,000 objects that every full
# collection of the garbage collector walks (about 10 ms each), and tens of MB.
CAPACITY = 16
CAPACITY_TASKS = 6_000
PENDING = "plansmith.plan_cache.pending"

Key = tuple[int, str, datetime, int]


@dataclass(frozen=True)
class Scheduled:
    """A plan as stored (``spec``) and its schedule; ``extra`` holds what callers derive from
    them (the plan page's rows), computed once per revision."""

    spec: PlanSpec
    outcome: PlanOutcome
    extra: dict[Any, Any]
    document: dict[str, Any]  # what ``spec`` was validated from (never changed: copied)


_lock = threading.Lock()
_cache: OrderedDict[Key, Scheduled] = OrderedDict()


def plan_key(session: Session, project: t.Project) -> Key:
    """The plan's revision as the database has it now (in this transaction)."""
    row = session.execute(
        select(t.Project.plan_revision, t.Project.created_at).where(t.Project.id == project.id)
    ).one()
    return (project.id, project.key, row.created_at, row.plan_revision)


def scheduled(session: Session, project: t.Project) -> Scheduled:
    """The stored plan and its schedule, from the cache when this revision was seen before."""
    key = plan_key(session, project)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    document = stored_document(session, project)
    value = schedule_document(project, document)
    if plan_key(session, project) == key:
        remember(session, key, value)
    return value


def schedule_document(
    project: t.Project, document: dict[str, Any], spec: PlanSpec | None = None
) -> Scheduled:
    """``document`` validated (unless its ``spec`` is given) and scheduled."""
    spec = spec if spec is not None else PlanSpec.model_validate(document)
    outcome = schedule_plan(load_plan_spec(spec, f"{project.key}.yaml"))
    return Scheduled(spec, outcome, {}, document)


def with_task(plan: Scheduled, row: t.Task) -> tuple[dict[str, Any], PlanSpec]:
    """``plan`` with one task's row as it is now (its place, links and assignments as they
    were): the document :func:`with_task_row` gives, and its spec, with only that task
    validated again. The plan schema validates each task on its own (no rule spans tasks), so
    this is the spec that validating the whole document gives, without validating 2,000 tasks
    for one."""
    document = with_task_row(plan.document, row)
    path = _path(document["tasks"], row.key)
    node: dict[str, Any] = {"children": document["tasks"]}
    for i in path:
        node = node["children"][i]
    task = TaskSpec.model_validate(node)

    def replaced(tasks: list[TaskSpec], at: list[int]) -> list[TaskSpec]:
        i, rest = at[0], at[1:]
        new = (
            task
            if not rest
            else tasks[i].model_copy(update={"children": replaced(tasks[i].children or [], rest)})
        )
        return [*tasks[:i], new, *tasks[i + 1 :]]

    return document, plan.spec.model_copy(update={"tasks": replaced(plan.spec.tasks, path)})


def _path(tasks: list[dict[str, Any]], key: str) -> list[int]:
    for i, task in enumerate(tasks):
        if task["id"] == key:
            return [i]
        below = _path(task.get("children") or [], key)
        if below:
            return [i, *below]
    return []


def remember(session: Session, key: Key, value: Scheduled) -> None:
    """Keep ``value`` for ``key`` once this session's transaction commits (not at all when
    inside a savepoint, whose changes may still be rolled back)."""
    if session.in_nested_transaction():
        return
    session.info.setdefault(PENDING, {})[key] = value


def peek(key: Key) -> Scheduled | None:
    """What the cache holds for ``key`` (committed data only), without computing it."""
    with _lock:
        return _cache.get(key)


def clear() -> None:
    with _lock:
        _cache.clear()


@event.listens_for(Session, "after_commit")
def _promote(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    pending: dict[Key, Scheduled] = session.info.pop(PENDING, {})
    if not pending:
        return
    with _lock:
        for key, value in sorted(pending.items(), key=lambda item: item[0][3]):
            # One revision per plan: an older one is not asked for again once a newer one is
            # committed (a reader still at it recomputes it); a newer one is not pushed out.
            same = [k for k in _cache if k[:3] == key[:3]]
            if any(k[3] > key[3] for k in same):
                continue
            for k in same:
                del _cache[k]
            _cache[key] = value
        while len(_cache) > 1 and (
            len(_cache) > CAPACITY or sum(map(_tasks, _cache.values())) > CAPACITY_TASKS
        ):
            _cache.popitem(last=False)


def _tasks(value: Scheduled) -> int:
    result = value.outcome.result
    return len(result.tasks) if result is not None else 1


@event.listens_for(Session, "after_transaction_end")
def _drop(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the transaction is over (after a commit, already empty)
        session.info.pop(PENDING, None)
