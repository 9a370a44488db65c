"""A busy worker reuses its database connections instead of opening new ones.

Each worker admits up to ``SESSIONS_PER_WORKER`` API sessions and the pages' few at once; the
pool must keep that many connections. With a smaller pool, every connection above its size was
closed when it came back, and a worker under load opened a new PostgreSQL connection (a new
server process) every few requests. Here the sessions are held open together, released, and
held again: after the first round no new connection may be opened.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, text

from plansmith.api.deps import SESSIONS_PER_WORKER
from plansmith.storage.database import Database
from plansmith.web.deps import PAGE_SESSIONS_PER_WORKER

AT_ONCE = SESSIONS_PER_WORKER + PAGE_SESSIONS_PER_WORKER
ROUNDS = 3


def test_the_pool_keeps_the_connections_a_worker_admits(database: Database) -> None:
    engine = database.read_sessions.kw["bind"]  # on SQLite, the readers' own engine
    opened: list[object] = []
    event.listen(engine, "connect", lambda _connection, _record: opened.append(1))
    engine.dispose()  # start with no connection

    def hold(together: threading.Barrier) -> int:
        with database.transaction(write=False) as session:
            value = session.execute(text("SELECT 1")).scalar_one()
            together.wait()  # every session open at the same moment
            return int(value)

    per_round = []
    for _ in range(ROUNDS):
        together = threading.Barrier(AT_ONCE, timeout=60)
        before = len(opened)
        with ThreadPoolExecutor(AT_ONCE) as pool:
            assert list(pool.map(hold, [together] * AT_ONCE)) == [1] * AT_ONCE
        per_round.append(len(opened) - before)
    assert per_round[0] == AT_ONCE
    assert per_round[1:] == [0] * (ROUNDS - 1)
