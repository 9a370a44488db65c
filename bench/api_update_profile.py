"""What one task update costs the server (issue 6), in process and one request at a time.

The load test's update is ``GET /api/v1/projects/{p}/tasks/{key}`` (for the ETag) then ``PATCH``
of the task's ``notes`` with ``If-Match``; its closed-loop p95 is set by the server's CPU per
PATCH, so that is what this script measures, without a network or a load generator: the app as
``plansmith serve`` builds it (``asgi.compose``: the web app's routes, GZip and the error
handlers included) called through a bare ASGI loop in this process, on a 20 x 500-task
portfolio made by ``api_data.py`` in a database of this script's own (PostgreSQL:
``plansmith_update_bench``; SQLite: ``bench/out/api-update-bench.sqlite``; ``--prepare`` makes it
fresh, about 15 s).

For each of ``--requests`` random tasks (seeded): the GET, not timed, then the PATCH, timed:
CPU time of this process (``time.process_time``: every thread, so the thread pool's work and,
on SQLite, the database's own work count; PostgreSQL's does not), wall time and SQL statements
(counted on every engine). Reported: median and mean of each, statements per PATCH, and with
``--cprofile FILE`` a cProfile of the PATCHes alone (thread-pool hops made inline so that one
thread runs everything) timed by CPU (so waiting for the database is left out), by own
time and by cumulative time.

Every ``--check`` PATCH is also checked: 200, the ETag one above the read one, the audit row
written (one per changed field), so a faster path that drops a behaviour shows here.

Usage: .venv/bin/python bench/api_update_profile.py --backend postgresql|sqlite
       [--requests 300] [--prepare] [--cprofile bench/out/api-update.prof] [--commit HEAD]
       [--as admin|manager] [--trace]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_data
from api_profile import SqlMeter, inline_threadpool
from benchlib import OUT, machine, use_source

PG_DATABASE = "plansmith_update_bench"
SQLITE_FILE = OUT / "api-update-bench.sqlite"
# In every note written, so that each run changes the notes (an unchanged PATCH writes nothing).
RUN = str(time.time_ns()).encode()


def use_own_database() -> None:
    """Point api_data at this script's databases (not the load test's)."""
    api_data.SQLITE_FILE = SQLITE_FILE


async def call(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request through the ASGI app, as uvicorn would hand it over."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), *raw_headers],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
        "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # a disconnect never comes while the request runs
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, answer_headers, chunks = 0, {}, []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            answer_headers.update(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, answer_headers, b"".join(chunks)


class Run:
    def __init__(self, app: Any, token: str, sql: SqlMeter, audit_count: Any) -> None:
        self.app, self.sql, self.audit_count = app, sql, audit_count
        self.headers = {"authorization": f"Bearer {token}"}
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.statements: list[int] = []
        self.read_cpu: list[float] = []

    async def patches(self, targets: list[str], tag: str, check: int = 0) -> None:
        for number, path in enumerate(targets):
            cpu = time.process_time()
            status, headers, text = await call(self.app, "GET", path, self.headers)
            self.read_cpu.append((time.process_time() - cpu) * 1000)
            if status != 200:
                sys.exit(f"GET {path}: {status} {text[:300]!r}")
            etag = headers["etag"]
            body = b'{"notes":"%s %s %d"}' % (tag.encode(), RUN, number)
            audits = self.audit_count() if number < check else None
            count = self.sql.count
            cpu, wall = time.process_time(), time.perf_counter()
            status, headers, text = await call(
                self.app,
                "PATCH",
                path,
                {**self.headers, "if-match": etag, "content-type": "application/json"},
                body,
            )
            self.wall.append((time.perf_counter() - wall) * 1000)
            self.cpu.append((time.process_time() - cpu) * 1000)
            self.statements.append(self.sql.count - count)
            if status != 200:
                sys.exit(f"PATCH {path}: {status} {text[:300]!r}")
            if audits is not None:
                assert headers["etag"] == f'"{int(etag.strip(chr(34))) + 1}"', headers
                assert self.audit_count() == audits + 1, "no audit row for the PATCH"
                stale = await call(
                    self.app,
                    "PATCH",
                    path,
                    {**self.headers, "if-match": etag, "content-type": "application/json"},
                    body,
                )
                assert stale[0] == 409, stale


async def trace(app: Any, token: str, path: str) -> None:
    """Print the SQL of one PATCH (after its GET)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    headers = {"authorization": f"Bearer {token}"}
    _, answer, _ = await call(app, "GET", path, headers)
    seen: list[str] = []

    def log(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split())[:160])

    event.listen(Engine, "before_cursor_execute", log)
    try:
        await call(
            app,
            "PATCH",
            path,
            {**headers, "if-match": answer["etag"], "content-type": "application/json"},
            b'{"notes":"traced"}',
        )
    finally:
        event.remove(Engine, "before_cursor_execute", log)
    print(f"SQL of one PATCH ({len(seen)} statements):")
    for number, statement in enumerate(seen, 1):
        print(f"  {number}. {statement}")


def manager(session: Any) -> Any:
    """A user who manages every project of the portfolio (made once per database)."""
    from sqlalchemy import select

    from plansmith.services.access import Role, grant
    from plansmith.services.accounts import create_user
    from plansmith.storage import tables as t

    email = "bench-manager@example.com"
    user = session.scalar(select(t.User).where(t.User.email == email))
    if user is None:
        user = create_user(session, email, "correct horse battery", name="Manager")
        session.flush()
        for project_id in session.scalars(select(t.Project.id).where(t.Project.key.like("proj%"))):
            grant(session, project_id, user.id, Role.MANAGER)
    return user


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}, mean {statistics.fmean(values):.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--check", type=int, default=20, help="PATCHes checked (not timed)")
    parser.add_argument("--prepare", action="store_true", help="make a fresh database first")
    parser.add_argument("--cprofile", type=Path, help="write the PATCHes' cProfile stats here")
    parser.add_argument("--trace", action="store_true", help="print one PATCH's statements")
    parser.add_argument(
        "--as",
        dest="caller",
        choices=("admin", "manager"),
        default="admin",
        help="who updates: the data set's administrator, or a manager of every project",
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--commit", help="measure this commit's src/ (default: the working tree)")
    args = parser.parse_args(argv)
    source = use_source(args.commit)
    use_own_database()
    if args.prepare:
        api_data.prepare(args.backend, big_tasks=0, tokens=1, pg_database=PG_DATABASE)

    from sqlalchemy import func, select

    from plansmith.asgi import compose
    from plansmith.services.accounts import issue_token
    from plansmith.storage import tables as t
    from plansmith.storage.database import Database

    url = api_data.database_url(args.backend, PG_DATABASE)
    settings = api_data.profile_settings(url)
    database = Database.connect(url)
    with database.transaction() as session:
        user = session.scalar(select(t.User).where(t.User.email == api_data.ADMIN_EMAIL))
        if user is None:
            sys.exit(f"no benchmark data in {url}: pass --prepare")
        if args.caller == "manager":
            user = manager(session)
        token = issue_token(session, settings, user, "update profile")[1]
        task_rows = session.execute(
            select(t.Project.key, t.Task.key)
            .join(t.Task, t.Task.project_id == t.Project.id)
            .where(t.Project.key.like("proj%"))
            .order_by(t.Project.key, t.Task.key)
        ).all()
    rng = random.Random(args.seed)
    targets = [f"/api/v1/projects/{p}/tasks/{k}" for p, k in rng.sample(task_rows, args.requests)]

    def audit_count() -> int:
        with database.transaction(write=False) as session:
            return session.scalar(select(func.count()).select_from(t.AuditEntry)) or 0

    app = compose(settings, database)
    sql = SqlMeter()
    print(f"Plansmith: {source}")
    print(f"Machine: {machine()}")
    print(f"Database: {url}; {len(task_rows)} tasks; {args.requests} PATCHes, one at a time")

    async def measure() -> Run:
        warm = Run(app, token, sql, audit_count)
        await warm.patches(targets[:30], "warm-up")  # imports, pools, caches; the token's use
        checked = Run(app, token, sql, audit_count)
        await checked.patches(targets[: args.check], "checked", check=args.check)
        run = Run(app, token, sql, audit_count)
        await run.patches(targets, "timed")
        return run

    run = asyncio.run(measure())
    if args.trace:
        asyncio.run(trace(app, token, targets[-1]))
    print(f"- CPU ms per PATCH: {summary(run.cpu)}")
    print(f"- CPU ms per GET of the task before it (not the subject here): {summary(run.read_cpu)}")
    print(f"- wall ms per PATCH: {summary(run.wall)}")
    counts = sorted(collections.Counter(run.statements).items())
    mean = statistics.fmean(run.statements)
    print(f"- SQL statements per PATCH: {mean:.1f} (statements, PATCHes: {counts})")
    print(f"- checked: {args.check} PATCHes (200, ETag + 1, one audit row, 409 when stale)")

    if args.cprofile:
        undo = inline_threadpool()
        import anyio.to_thread

        hop = anyio.to_thread.run_sync

        async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
            return func(*args)

        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
        profile = cProfile.Profile(time.process_time)  # CPU, not time spent waiting
        try:
            profiled = Run(app, token, sql, audit_count)
            original = profiled.patches

            async def patches() -> None:
                # Only the PATCHes: the GETs run outside the profile.
                for number, path in enumerate(targets):
                    status, headers, _ = await call(app, "GET", path, profiled.headers)
                    body = b'{"notes":"profiled %s %d"}' % (RUN, number)
                    profile.enable()
                    status, _, text = await call(
                        app,
                        "PATCH",
                        path,
                        {
                            **profiled.headers,
                            "if-match": headers["etag"],
                            "content-type": "application/json",
                        },
                        body,
                    )
                    profile.disable()
                    if status != 200:
                        sys.exit(f"PATCH {path}: {status} {text[:300]!r}")

            del original
            asyncio.run(patches())
        finally:
            undo()
            anyio.to_thread.run_sync = hop
        profile.dump_stats(args.cprofile)
        stats = pstats.Stats(str(args.cprofile))
        print(f"\ncProfile of {len(targets)} PATCHes (inline hops), written to {args.cprofile}:")
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(60)
    database.dispose()


if __name__ == "__main__":
    main()
