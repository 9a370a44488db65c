"""The data set of the API load benchmark (issue 6): a fresh database holding a portfolio of
generated projects, one large project to schedule, an administrator and API tokens.

Plans come from ``generate_plan.py`` (the issue 2 generator: phases -> work packages -> tasks,
four calendars, holidays, teams with vacations, FS/SS/FF/SF links with lags, constraints).
Each project gets its own seed, so its tasks, links and people differ; its people get ids and
addresses of their own (``p03-r017``) so that the shared pool holds each person once, while the
calendars, identical in every generated plan, are shared through the pool as a real portfolio's
are. Plans are imported through ``services.projects.import_plan_text`` (the checked path of an
upload: schema, values, a scheduling pass) and, where that use case does not exist in the
measured source, through ``storage.plans.store_plan``.

Usage (normally through ``api_load.py``): api_data.py --backend sqlite|postgresql
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_plan
from benchlib import OUT

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_DATABASE = "plansmith_bench"
SQLITE_FILE = OUT / "api-bench.sqlite"
PORTFOLIO = "bench"
BIG_PORTFOLIO = "bench-big"
ADMIN_EMAIL = "bench@example.com"


@dataclass
class Dataset:
    url: str
    secret_key: str
    tokens: list[str]
    tasks: dict[str, list[str]]  # portfolio project key -> its task keys (summaries too)
    big_project: str | None
    big_tasks: int
    load_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def task_count(self) -> int:
        return sum(len(keys) for keys in self.tasks.values())


def database_url(backend: str, pg_database: str = PG_DATABASE) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_FILE}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_database}"


def fresh_database(backend: str, pg_database: str = PG_DATABASE) -> str:
    """An empty database for the benchmark (the previous run's is removed); returns its URL."""
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{pg_database}"')
    return database_url(backend, pg_database)


def plan_document(tasks: int, seed: int, key: str, name: str) -> dict[str, Any]:
    """A generated plan as a plan-file mapping, with its people renamed to belong to ``key``."""
    plan = generate_plan.Generator(tasks, seed, tj3=False).build()
    doc = generate_plan.plan_document(plan)
    doc["project"]["id"] = key
    doc["project"]["name"] = name
    renamed = {r["id"]: f"{key}-{r['id']}" for r in doc.get("resources", [])}
    for resource in doc.get("resources", []):
        resource["email"] = resource["email"].replace("@", f".{key}@")
        resource["id"] = renamed[resource["id"]]

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if "assign" in item:
                item["assign"] = [
                    renamed[a] if isinstance(a, str) else {**a, "resource": renamed[a["resource"]]}
                    for a in item["assign"]
                ]
            walk(item.get("children", []))

    walk(doc["tasks"])
    return doc


def plan_text(doc: dict[str, Any]) -> str:
    return yaml.dump(
        doc,
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=120,
    )


def import_text(session: Any, text: str, filename: str, portfolio_key: str) -> str:
    """Store the plan through the checked import when the measured source has it."""
    try:
        from plansmith.services.projects import import_plan_text
    except ImportError:
        from plansmith.io.plan_file import load_plan_text
        from plansmith.storage.plans import store_plan

        loaded = load_plan_text(text, filename)
        if loaded.spec is None:
            raise SystemExit(f"{filename} does not load: {loaded.diagnostics[:3]}") from None
        return store_plan(session, loaded.spec, loaded.pool).key
    return import_plan_text(session, text, filename, portfolio_key).key


@contextmanager
def _timed(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def prepare(
    backend: str,
    *,
    projects: int = 20,
    tasks: int = 500,
    big_tasks: int = 5000,
    tokens: int = 50,
    seed: int = 1,
    pg_database: str = PG_DATABASE,
) -> Dataset:
    """Create, migrate and fill a fresh database; returns what the load generator needs."""
    from sqlalchemy import select

    from plansmith.config import load_settings
    from plansmith.services.accounts import create_user, issue_token
    from plansmith.storage import tables as t
    from plansmith.storage.database import Database, upgrade

    started = time.perf_counter()
    url = fresh_database(backend, pg_database)
    print(f"preparing {url} ...", file=sys.stderr)
    secret = secrets.token_urlsafe(48)
    settings = load_settings(
        {
            "PLANSMITH_DATABASE_URL": url,
            "PLANSMITH_DATA_DIR": str(OUT / "api-data"),
            "PLANSMITH_SECRET_KEY": secret,
        }
    )
    database = Database.connect(url)
    try:
        with _timed("schema (alembic upgrade head)"):
            upgrade(database.engine)
        with _timed(f"{projects} projects of {tasks} tasks"):
            for number in range(1, projects + 1):
                key = f"proj{number:02d}"
                doc = plan_document(tasks, seed + number, key, f"Project {number} ({tasks} tasks)")
                with database.transaction() as session:
                    import_text(session, plan_text(doc), f"{key}.yaml", PORTFOLIO)
        big_key = None
        if big_tasks:
            big_key = f"big{big_tasks}"
            with _timed(f"one project of {big_tasks} tasks"):
                doc = plan_document(
                    big_tasks, seed, big_key, f"Large programme ({big_tasks} tasks)"
                )
                with database.transaction() as session:
                    import_text(session, plan_text(doc), f"{big_key}.yaml", BIG_PORTFOLIO)
        plaintexts = []
        with database.transaction() as session:
            user = create_user(
                session, ADMIN_EMAIL, secrets.token_urlsafe(16), name="Bench", is_admin=True
            )
            session.flush()
            for number in range(tokens):
                plaintexts.append(issue_token(session, settings, user, f"client {number}")[1])
        keys: dict[str, list[str]] = {}
        with database.transaction() as session:
            rows = session.execute(
                select(t.Project.key, t.Task.key)
                .join(t.Task, t.Task.project_id == t.Project.id)
                .where(t.Project.key != big_key)
                .order_by(t.Project.key, t.Task.id)
            )
            for project_key, task_key in rows:
                keys.setdefault(project_key, []).append(task_key)
            big_count = 0
            if big_key:
                big_count = len(
                    session.scalars(
                        select(t.Task.id)
                        .join(t.Project, t.Task.project_id == t.Project.id)
                        .where(t.Project.key == big_key)
                    ).all()
                )
        if backend == "postgresql":
            with database.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
    finally:
        database.dispose()
    return Dataset(url, secret, plaintexts, keys, big_key, big_count, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--big-tasks", type=int, default=5000)
    args = parser.parse_args(argv)
    data = prepare(args.backend, projects=args.projects, tasks=args.tasks, big_tasks=args.big_tasks)
    print(
        f"{data.url}: {len(data.tasks)} projects, {data.task_count} tasks; "
        f"{data.big_project} ({data.big_tasks} tasks); {data.load_seconds:.1f} s"
    )


if __name__ == "__main__":
    main()


def profile_settings(url: str) -> Any:
    """The settings the in-process profiles serve with (no demo, a fixed secret)."""
    from plansmith.config import load_settings

    return load_settings(
        {
            "PLANSMITH_DATABASE_URL": url,
            "PLANSMITH_DATA_DIR": str(OUT / "api-data"),
            "PLANSMITH_SECRET_KEY": "x" * 48,
            "PLANSMITH_DEMO": "0",
        }
    )
