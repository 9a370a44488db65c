"""Where the time of one task-list read goes (issue 6), in-process and one request at a time.

Uses the database ``api_load.py`` leaves behind (``--prepare`` makes a fresh one: 20 projects of
500 tasks, no large project). Every request is ``GET /api/v1/projects/{p}/tasks?limit=50&
offset={o}`` with a random project and offset (seeded), as in the load test. Measured:

1. The whole request through the ASGI app (``httpx.ASGITransport``, no network, one at a time):
   as served (the fast path, ``api/task_list_fast.py``); through the FastAPI route (a ``q=``
   filter that matches every task sends it there) as served (sync routes and dependencies on
   AnyIO's thread pool) and with the thread-pool hops
   made inline calls (this script patches FastAPI's references to ``run_in_threadpool``; the
   difference is what the hops cost one request when nothing else runs), beside ``/health``.
2. The request path's stages called directly in one transaction, as the routes call them:
   token -> user, the project and the role check, ``list_items`` (split into the count, the
   page query and the item documents by running the same statements), the commit, and the
   response: FastAPI's ``response_model`` validation and serialisation, and ``json.dumps``.
   SQL statements and the time spent in the driver are counted for each stage.
3. Alternatives, measured here and not in ``src/``: the page's parent keys in one query instead
   of one per row; the page rendered with ``orjson`` straight from the service's dicts.
4. Updates: ``PATCH`` of a random task's ``notes`` with ``If-Match`` (after an untimed GET for
   the ETag), one at a time: time and SQL statements per PATCH; ``--cprofile-update FILE``
   profiles them (Plansmith's functions by cumulative time).
5. ``--cprofile FILE``: cProfile of the reads through the app with inline hops (so that one
   thread runs everything), printed (top functions by own and by cumulative time).

Usage: .venv/bin/python bench/api_profile.py --backend postgresql [--requests 400] [--prepare]
       [--cprofile bench/out/api-read.prof] [--cprofile-update bench/out/api-update.prof]
       [--commit HEAD]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_data
from benchlib import machine, use_source


class SqlMeter:
    """Counts statements and driver time, on every engine."""

    def __init__(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.count = 0
        self.seconds = 0.0
        self._started: list[float] = []
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.count += 1
        self.seconds += time.perf_counter() - self._started.pop()


class Stages:
    """Accumulated wall time, CPU time and SQL per named stage."""

    def __init__(self, sql: SqlMeter) -> None:
        self.sql = sql
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.statements: dict[str, int] = defaultdict(int)
        self.sql_seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        count, seconds = self.sql.count, self.sql.seconds
        cpu, wall = time.process_time(), time.perf_counter()
        yield
        self.wall[name] += time.perf_counter() - wall
        self.cpu[name] += time.process_time() - cpu
        self.statements[name] += self.sql.count - count
        self.sql_seconds[name] += self.sql.seconds - seconds


def inline_threadpool() -> Callable[[], None]:
    """Make FastAPI call sync routes and dependencies directly instead of on the thread pool
    (for profiling in one thread); returns the function that undoes it."""
    import fastapi.concurrency
    import fastapi.dependencies.utils
    import fastapi.routing

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    modules = (fastapi.routing, fastapi.dependencies.utils, fastapi.concurrency)
    saved = [m.run_in_threadpool for m in modules]
    for module in modules:
        module.run_in_threadpool = inline  # type: ignore[attr-defined]

    def undo() -> None:
        for module, original in zip(modules, saved, strict=True):
            module.run_in_threadpool = original  # type: ignore[attr-defined]

    return undo


def count_hops() -> Callable[[], int]:
    """Count calls of AnyIO's ``to_thread.run_sync`` (every thread-pool hop FastAPI and
    Starlette make); returns a function giving the count so far."""
    import anyio.to_thread

    original = anyio.to_thread.run_sync
    calls = [0]

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await original(*args, **kwargs)

    anyio.to_thread.run_sync = counted  # type: ignore[assignment]
    return lambda: calls[0]


def request_paths(data: dict[str, int], count: int, limit: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    projects = sorted(data)
    paths = []
    for _ in range(count):
        project = rng.choice(projects)
        offset = rng.randint(0, max(0, data[project] - limit))
        paths.append(f"/api/v1/projects/{project}/tasks?limit={limit}&offset={offset}")
    return paths


def through_app(app: Any, token: str, paths: list[str]) -> list[float]:
    """Milliseconds per request through the ASGI app, one at a time."""
    import httpx

    async def run() -> list[float]:
        times = []
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for path in paths:
                started = time.perf_counter()
                answer = await client.get(path, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    sys.exit(f"{path}: {answer.status_code} {answer.text[:300]}")
        return times

    return asyncio.run(run())


def patches(app: Any, token: str, targets: list[str], sql: SqlMeter) -> tuple[list[float], float]:
    """Milliseconds per PATCH (after a GET for the ETag, not timed) and SQL statements per
    PATCH, one at a time."""
    import httpx

    async def run() -> tuple[list[float], float]:
        times, statements = [], 0
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for number, path in enumerate(targets):
                read = await client.get(path, headers=headers)
                before = sql.count
                started = time.perf_counter()
                answer = await client.patch(
                    path,
                    json={"notes": f"profile {number}"},
                    headers={**headers, "If-Match": read.headers["etag"]},
                )
                times.append((time.perf_counter() - started) * 1000)
                statements += sql.count - before
                if answer.status_code != 200:
                    sys.exit(f"PATCH {path}: {answer.status_code} {answer.text[:300]}")
        return times, statements / len(targets)

    return asyncio.run(run())


def summary(times: list[float]) -> str:
    return (
        f"median {statistics.median(times):.2f} ms, mean {statistics.fmean(times):.2f} ms, "
        f"p95 {sorted(times)[int(len(times) * 0.95)]:.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--prepare", action="store_true", help="make a fresh database first")
    parser.add_argument("--cprofile", type=Path, help="write the cProfile stats here")
    parser.add_argument(
        "--cprofile-update", type=Path, help="write the cProfile stats of the PATCHes here"
    )
    parser.add_argument(
        "--schedule",
        type=int,
        default=0,
        metavar="N",
        help="also POST /schedule of the large project N times, profiled",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--commit", help="measure this commit's src/ (default: the working tree)")
    args = parser.parse_args(argv)
    source = use_source(args.commit)
    if args.prepare:
        api_data.prepare(args.backend, big_tasks=0, tokens=1)

    import orjson
    from fastapi.encoders import jsonable_encoder
    from pydantic import TypeAdapter
    from sqlalchemy import func, select

    from plansmith.api.app import build_app
    from plansmith.api.items import ItemPage
    from plansmith.services.accounts import issue_token, user_for_token
    from plansmith.services.item_kinds import TASKS
    from plansmith.services.items import list_items
    from plansmith.storage import tables as t
    from plansmith.storage.database import Database

    url = api_data.database_url(args.backend)
    settings = api_data.profile_settings(url)
    database = Database.connect(url)
    with database.transaction() as session:
        user = session.scalar(select(t.User).where(t.User.email == api_data.ADMIN_EMAIL))
        if user is None:
            sys.exit(f"no benchmark data in {url}: run api_load.py first, or pass --prepare")
        token = issue_token(session, settings, user, "profile")[1]
        totals = dict(
            session.execute(
                select(t.Project.key, func.count(t.Task.id))
                .join(t.Task, t.Task.project_id == t.Project.id)
                .where(t.Project.key.like("proj%"))
                .group_by(t.Project.key)
            ).all()
        )
        rng = random.Random(args.seed)
        task_rows = session.execute(
            select(t.Project.key, t.Task.key)
            .join(t.Task, t.Task.project_id == t.Project.id)
            .where(t.Project.key.like("proj%"))
        ).all()
        targets = [
            f"/api/v1/projects/{p}/tasks/{k}"
            for p, k in rng.sample(task_rows, min(len(task_rows), args.requests // 2))
        ]
    paths = request_paths(totals, args.requests, args.limit, args.seed)
    app = build_app(settings, database)
    sql = SqlMeter()

    print(f"Plansmith: {source}")
    print(f"Machine: {machine()}")
    print(f"Database: {url}; {len(totals)} projects; {args.requests} requests, limit {args.limit}")

    # 1. Whole requests.
    through_app(app, token, paths[:50])  # warm-up: imports, pools, caches
    health = through_app(app, token, ["/api/v1/health"] * 200)
    served = through_app(app, token, paths)  # the fast path: api/task_list_fast.py
    routed_paths = [f"{path}&q=" for path in paths]  # a filter (matching all): the route's
    hops = count_hops()
    routed = through_app(app, token, routed_paths)
    hops_per_request = hops() / len(paths)
    count = sql.count
    undo = inline_threadpool()
    try:
        inline = through_app(app, token, routed_paths)
    finally:
        undo()
    statements = (sql.count - count) / len(paths)
    print("\n1. Whole request through the ASGI app (httpx.ASGITransport, one at a time):")
    print(f"- /api/v1/health: {summary(health)} (the transport's and Starlette's own cost)")
    print(f"- task list as served (the fast path, one statement): {summary(served)}")
    print(f"- task list through the route (&q=), on the thread pool: {summary(routed)}")
    print(f"- thread-pool hops per task-list request through the route: {hops_per_request:.1f}")
    print(f"- task list through the route, thread-pool hops inline: {summary(inline)}")
    print(f"- SQL statements per task-list request through the route: {statements:.1f}")

    # 2. Stages, called directly as the routes call them.
    stages = Stages(sql)
    adapter = TypeAdapter(ItemPage)
    write_arg = _transaction_takes_write(database)
    for path in paths:
        project_key = path.split("/")[4]
        offset = int(path.rsplit("=", 1)[1])
        with stages("transaction begin"):
            manager = database.transaction(write=False) if write_arg else database.transaction()
            session = manager.__enter__()
        try:
            with stages("token -> user"):
                user = user_for_token(session, token)
                assert user is not None
            with stages("project (and role check where the route makes it)"):
                project = find_project(session, user, project_key)
            with stages("list_items (whole)"):
                page = list_items(session, user, TASKS, project, limit=args.limit, offset=offset)
            # The statements list_items runs, again and timed one by one (the rows are then in
            # the session already, so the page query costs a little less than in list_items).
            query = select(t.Task).where(t.Task.project_id == project.id)
            with stages("  of which: count"):
                session.scalar(select(func.count()).select_from(query.subquery()))
            with stages("  of which: page query (rows)"):
                rows = list(
                    session.scalars(
                        query.order_by(t.Task.position, t.Task.id).limit(args.limit).offset(offset)
                    )
                )
            with stages("for comparison: document() row by row (the N+1 before 3553766)"):
                docs = [{**TASKS.document(session, row), "version": row.version} for row in rows]
            if hasattr(TASKS, "documents"):
                with stages("  of which: documents, a page at a time (documents)"):
                    alt = [
                        {**doc, "version": row.version}
                        for doc, row in zip(TASKS.documents(session, rows), rows, strict=True)
                    ]
            else:
                with stages("alternative: documents, parent keys in one query"):
                    parents = {r.parent_id for r in rows if r.parent_id is not None}
                    keys = dict(
                        session.execute(
                            select(t.Task.id, t.Task.key).where(t.Task.id.in_(parents))
                        ).all()
                    )
                    alt = [
                        {
                            "id": r.key,
                            "name": r.name,
                            "parent": keys.get(r.parent_id) if r.parent_id is not None else None,
                            "position": r.position,
                            **r.spec,
                            "version": r.version,
                        }
                        for r in rows
                    ]
            assert alt == docs, "the documents of a page differ from document() row by row"
            content = {
                "items": page.items,
                "total": page.total,
                "limit": page.limit,
                "offset": page.offset,
            }
        finally:
            with stages("commit"):
                manager.__exit__(None, None, None)
        with stages("response_model: validate"):
            value = adapter.validate_python(content)
        with stages("response_model: serialize"):
            dumped = adapter.dump_python(value, mode="json", by_alias=True)
        with stages("JSONResponse: json.dumps"):
            body = json.dumps(
                dumped, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
            ).encode()
        with stages("alternative: orjson.dumps of the service's dicts"):
            fast = orjson.dumps(content)
        with stages("alternative: jsonable_encoder (no response_model)"):
            jsonable_encoder(content)
        assert json.loads(fast) == json.loads(body)
    n = len(paths)
    print("\n2-3. Stages called directly, and alternatives (per request; wall = CPU + waiting):")
    print("| stage | wall ms | CPU ms | SQL statements | in the driver ms |")
    print("|---|---:|---:|---:|---:|")
    for name in stages.wall:
        print(
            f"| {name} | {stages.wall[name] / n * 1000:.2f} | {stages.cpu[name] / n * 1000:.2f} "
            f"| {stages.statements[name] / n:.1f} | {stages.sql_seconds[name] / n * 1000:.2f} |"
        )
    print(f"(response body {len(body) / 1024:.1f} KiB for the last page)")

    # 4. Updates.
    times, statements = patches(app, token, targets, sql)
    print(f"\n4. PATCH of a task's notes (If-Match), one at a time, {len(targets)} tasks:")
    print(f"- {summary(times)}; SQL statements per PATCH: {statements:.1f}")
    if args.cprofile_update:
        undo = inline_threadpool()
        profile = cProfile.Profile()
        try:
            profile.enable()
            patches(app, token, targets[::-1], sql)
            profile.disable()
        finally:
            undo()
        profile.dump_stats(args.cprofile_update)
        stats = pstats.Stats(str(args.cprofile_update))
        print(f"cProfile of the PATCHes (and their GETs), written to {args.cprofile_update}:")
        stats.sort_stats("cumulative").print_stats(r"plansmith|orm/session.py.*\(commit\)", 40)

    # 5. cProfile.
    if args.cprofile:
        undo = inline_threadpool()
        profile = cProfile.Profile()
        try:
            profile.enable()
            through_app(app, token, paths)
            profile.disable()
        finally:
            undo()
        profile.dump_stats(args.cprofile)
        stats = pstats.Stats(str(args.cprofile))
        print(f"\n5. cProfile of {n} requests (inline hops), written to {args.cprofile}:")
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
    # 6. Scheduling the large project.
    if args.schedule:
        profile_schedule(app, token, args.schedule)
    database.dispose()


def profile_schedule(app: Any, token: str, runs: int) -> None:
    """POST /schedule of the large project ``runs`` times through the app (inline hops), then
    the profile of one more: Plansmith's, FastAPI's and the JSON encoder's cumulative times."""
    import httpx

    async def post() -> float:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            started = time.perf_counter()
            answer = await client.post("/api/v1/projects/big5000/schedule", headers=headers)
            if answer.status_code != 200:
                sys.exit(f"schedule: {answer.status_code} {answer.text[:300]}")
            return time.perf_counter() - started

    undo = inline_threadpool()
    try:
        times = [asyncio.run(post()) for _ in range(runs)]
        print(f"\n6. POST /api/v1/projects/big5000/schedule, {runs} times, one at a time:")
        print("- seconds: " + ", ".join(f"{x:.3f}" for x in times))
        profile = cProfile.Profile()
        profile.enable()
        asyncio.run(post())
        profile.disable()
    finally:
        undo()
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(
        r"plansmith/(services|storage|io|scheduling)|routing.py.*serialize|json/encoder.py.*encode|"
        r"render",
        45,
    )


def find_project(session: Any, user: Any, key: str) -> Any:
    """The project row as the task routes of the measured source look it up."""
    try:
        from plansmith.api.items import project_for  # before 551829b: role checked here too
    except ImportError:
        from plansmith.services.portfolios import project_named

        return project_named(session, key)
    from plansmith.services.access import Action

    return project_for(session, user, key, Action.READ_PLAN)


def _transaction_takes_write(database: Any) -> bool:
    import inspect

    return "write" in inspect.signature(database.transaction).parameters


if __name__ == "__main__":
    main()
