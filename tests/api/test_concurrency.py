"""Many clients at once against a real server: ``plansmith serve --workers 2`` in a process of
its own, on SQLite and on PostgreSQL (skipped, with the reason, when no server answers).

Every client does read-modify-write with If-Match: read a task, append its own marker to the
task's ``notes``, PATCH with the ETag it read, and on 409 read again and retry. Twenty clients
share one task; twelve more each have a task of their own, at the same time. Afterwards:

- every response was a 2xx or a 409, and every 409 said ``version_mismatch``;
- no update was lost: the shared task's notes hold every marker whose PATCH succeeded, each
  once, its version is 1 + the number of successful PATCHes, and its history has one change of
  ``notes`` per success;
- an acknowledged write is visible to the next read (versions only grow, so reading an older
  version than one's own acknowledged PATCH means the answer came before the commit);
- edits to different tasks never conflicted: the clients with a task of their own never saw a
  409, and their tasks hold exactly their markers.

A second test sends a burst of reads with a token never used before (whose first use is
recorded) and expects every one answered.

Nothing here depends on timing: the server is polled for readiness a bounded number of times,
and the assertions hold however the requests interleave.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from plansmith.config import load_settings
from plansmith.services import accounts
from plansmith.services.projects import import_plan_text
from plansmith.storage.database import Database, upgrade
from tests.cli_env import free_port

SHARED_CLIENTS = 20
SOLO_CLIENTS = 12
ROUNDS = 5  # successful edits each client of the shared task makes
SOLO_ROUNDS = 25  # and each client with a task of its own
MAX_ATTEMPTS = 400  # per edit; reached only if the server never lets a client through
READY_POLLS = 300  # x up to 0.1 s of waiting for the process between polls

PLAN = """\
project:
  id: busy
  name: Busy project
  start: 2027-03-01
tasks:
  - id: shared
    name: Everyone edits this one
    duration: 5d
{solo}
"""


def _plan() -> str:
    solo = "\n".join(
        f"  - id: solo-{n}\n    name: Only client {n} edits this one\n    duration: 1d"
        for n in range(SOLO_CLIENTS)
    )
    return PLAN.format(solo=solo)


@dataclass
class Server:
    url: str
    token: str
    log: Path

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    for _ in range(READY_POLLS):
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)  # returns early only if the server died
    pytest.fail(f"the server did not answer /api/v1/health:\n{log.read_text()}")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    env = {
        **os.environ,
        "PLANSMITH_DATABASE_URL": database_url,
        "PLANSMITH_DATA_DIR": str(tmp_path),
        "PLANSMITH_DEMO": "0",
    }
    # What `plansmith serve` does before it starts workers: settings (and so the development
    # secret) made once, the schema upgraded; then an administrator and the plan.
    settings = load_settings(env)
    database = Database.connect(database_url)
    try:
        upgrade(database.engine)
        with database.transaction() as session:
            admin = accounts.create_user(
                session, "admin@busy.example", "correct horse battery", is_admin=True
            )
            _, token = accounts.issue_token(session, settings, admin, "concurrency")
            import_plan_text(session, _plan(), "busy.yaml")
    finally:
        database.dispose()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    # The server as operators run it: each of the two workers listens on a socket of its own.
    command = [
        str(Path(sys.executable).parent / "plansmith"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "2",
        "--no-access-log",
    ]
    with log.open("wb") as output:
        # A session of its own, so the supervisor and its workers stop together even when a
        # worker hangs.
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_ready(process, url, log)
        yield Server(url, token, log)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # workers left behind, if any
    process.wait(timeout=20)


@dataclass
class Record:
    """What one client saw."""

    task: str
    written: list[str] = field(default_factory=list)  # markers whose PATCH succeeded
    statuses: Counter[int] = field(default_factory=Counter)
    conflict_codes: Counter[str] = field(default_factory=Counter)
    conflicts: list[str] = field(default_factory=list)  # the first few 409 bodies
    unexpected: list[str] = field(default_factory=list)


def _client(server: Server, index: int, task: str, rounds: int, start: threading.Barrier) -> Record:
    record = Record(task)
    url = f"{server.url}/api/v1/projects/busy/tasks/{task}"
    headers = {"Authorization": f"Bearer {server.token}"}
    acknowledged = 0  # the version this client's last successful PATCH answered with
    with httpx.Client(headers=headers, timeout=60) as client:
        start.wait()
        for round_ in range(rounds):
            marker = f"[c{index}r{round_}]"
            for _ in range(MAX_ATTEMPTS):
                read = client.get(url)
                record.statuses[read.status_code] += 1
                if read.status_code != 200:
                    record.unexpected.append(f"GET {task}: {read.status_code} {read.text}")
                    return record
                if read.json()["version"] < acknowledged:
                    # Versions only grow: a read older than our own acknowledged write means
                    # the server answered before the write was committed.
                    record.unexpected.append(
                        f"GET {task} after {marker}'s predecessor was acknowledged as version "
                        f"{acknowledged}: read version {read.json()['version']}"
                    )
                notes = read.json().get("notes", "")
                changed = client.patch(
                    url,
                    json={"notes": f"{notes}{marker}\n"},
                    headers={"If-Match": read.headers["ETag"]},
                )
                record.statuses[changed.status_code] += 1
                if changed.status_code == 200:
                    record.written.append(marker)
                    acknowledged = changed.json()["version"]
                    break
                if changed.status_code == 409:
                    record.conflict_codes[changed.json().get("code", "?")] += 1
                    if len(record.conflicts) < 3:
                        record.conflicts.append(f"{marker}: {changed.text}")
                    continue
                record.unexpected.append(f"PATCH {task}: {changed.status_code} {changed.text}")
                return record
            else:
                record.unexpected.append(f"{marker} on {task}: no success in {MAX_ATTEMPTS} tries")
                return record
    return record


def _final(server: Server, task: str) -> tuple[list[str], int, int]:
    """The task's markers (in order), its version, and how many changes of notes its history
    holds."""
    headers = {"Authorization": f"Bearer {server.token}"}
    base = f"{server.url}/api/v1/projects/busy"
    read = httpx.get(f"{base}/tasks/{task}", headers=headers)
    assert read.status_code == 200, read.text
    history = httpx.get(
        f"{base}/history",
        params={"entity": "task", "key": task, "limit": 500},
        headers=headers,
    )
    assert history.status_code == 200, history.text
    changes = sum(
        1 for e in history.json()["items"] if e["action"] == "update" and e["field"] == "notes"
    )
    markers = [line for line in read.json().get("notes", "").splitlines() if line]
    return markers, read.json()["version"], changes


def test_concurrent_edits_lose_nothing_and_conflict_only_on_the_same_task(
    server: Server,
) -> None:
    jobs = [(n, "shared", ROUNDS) for n in range(SHARED_CLIENTS)] + [
        (SHARED_CLIENTS + n, f"solo-{n}", SOLO_ROUNDS) for n in range(SOLO_CLIENTS)
    ]
    start = threading.Barrier(len(jobs))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(_client, server, *job, start) for job in jobs]
        records = [future.result() for future in futures]

    unexpected = [problem for record in records for problem in record.unexpected]
    assert not unexpected, "\n".join(unexpected[:20]) + f"\nserver log:\n{server.log_tail()}"
    statuses = sum((record.statuses for record in records), Counter[int]())
    assert set(statuses) <= {200, 409}, statuses
    codes = sum((record.conflict_codes for record in records), Counter[str]())
    assert set(codes) <= {"version_mismatch"}, codes

    shared = [marker for record in records if record.task == "shared" for marker in record.written]
    assert len(shared) == SHARED_CLIENTS * ROUNDS
    markers, version, changes = _final(server, "shared")
    assert sorted(markers) == sorted(shared), "an acknowledged edit of the shared task was lost"
    assert version == 1 + len(shared)
    assert changes == len(shared)

    for record in records:
        if record.task == "shared":
            continue
        assert record.statuses[409] == 0, (
            f"{record.task}, which only one client edits, had {record.statuses[409]} conflicts: "
            f"{record.conflicts}"
        )
        markers, version, changes = _final(server, record.task)
        assert markers == record.written
        assert version == 1 + SOLO_ROUNDS
        assert changes == SOLO_ROUNDS


BURST = 96


def test_a_burst_of_reads_with_a_new_token_gets_answers(server: Server) -> None:
    """The first uses of a token are recorded; many at once must not starve the server of
    database connections (every read answered, none with a 5xx)."""

    def read(start: threading.Barrier) -> int:
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(headers=headers, timeout=120) as client:
            start.wait()
            return client.get(f"{server.url}/api/v1/projects/busy/tasks/shared").status_code

    start = threading.Barrier(BURST)
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        statuses = Counter(pool.map(read, [start] * BURST))
    assert statuses == Counter({200: BURST}), f"{statuses}\nserver log:\n{server.log_tail()}"
