"""The REST API under load (issue 6): task-list reads, task updates and scheduling, over HTTP
against ``plansmith serve --workers N`` (``--launcher uvicorn``: ``uvicorn --factory
plansmith.asgi:create_app --workers N``, whose workers share one listening socket).

Steps:

1. A fresh database (``--backend sqlite``: a file under bench/out/; ``--backend postgresql``:
   the database ``plansmith_bench`` on 127.0.0.1:5432, dropped and created again) holding a
   portfolio of ``--projects`` generated projects of ``--tasks`` tasks each, one project of
   ``--big-tasks`` tasks, an administrator and one API token per client (``api_data.py``).
2. The server as a subprocess (``--no-access-log``; uvicorn also ``--log-level warning``),
   waited for on ``/api/v1/health``, then warmed up (5 s of reads by 16 clients; not counted). With
   ``--prime-tokens`` every token is first used once, one request at a time: the server
   records a token's use (at most every 5 minutes), and that write is then out of the
   measured phases; without it, the first use of each token falls in the warm-up or the reads.
3. ``reads``: ``--clients`` concurrent clients for ``--duration`` seconds, each request
   ``GET /api/v1/projects/{random project}/tasks?limit=50&offset={random}`` with a random
   client's token, each client sending its next request as soon as it has the answer (a closed
   loop: the throughput is the most the server answers, and by Little's law the mean latency
   is then clients / throughput: 50 clients at 500 requests/s wait 100 ms on average). Driven
   by ``wrk`` (a Lua script written to bench/out/) when it is installed (Debian: ``apt-get
   install wrk``), else by this script's own asyncio HTTP/1.1 client.
4. ``reads-paced``: the same requests from the same number of clients, offered at ``--rate``
   requests/s in all (each client on a timetable; this script's client): the latency at that
   load, counted from each request's time in the timetable (so a late start counts).
5. ``updates``: ``--update-clients`` clients in a closed loop for ``--update-duration``
   seconds, each reading a random task (``GET .../tasks/{key}``, which gives its ETag) and
   changing its ``notes`` with ``PATCH`` and ``If-Match``. A 409 (someone changed it in
   between) is the right answer to a race: counted and reported apart from errors. Latencies
   are the PATCH's. ``updates-paced``: the same at ``--update-rate`` GET+PATCH/s in all.
   ``mixed``: ``--clients`` clients in a closed loop for ``--duration`` seconds, each step an
   update (as above) with probability ``--mixed-writes`` (0.2), else a task-list read: reads
   and updates under the same load, reported as two rows that share the phase's CPU.
6. ``schedule``: ``POST /api/v1/projects/{big}/schedule`` ``--schedule-runs`` times, one at a
   time (loading the plan from the database, scheduling it, the CLI's JSON).

Every phase but the closed-loop reads uses this script's client, plain asyncio streams (no HTTP
library) to take as little CPU as possible from the server on the same machine; its CPU time,
the server's (uvicorn and its workers), PostgreSQL's and the whole machine's are reported for
each phase, because client and server share the same cores.

Prints the machine, the measured source, the load average, a Markdown table of the phases (p50,
p95, p99, max latency in ms, requests/s, errors, 409s) and each target of issue 6 as PASS or
FAIL (reads: at least 500 requests/s in the closed loop, p95 <= 50 ms in both the closed loop
and paced at --rate; updates: p95 <= 100 ms; zero errors; scheduling <= 2 s); writes the
figures to bench/out/api-load-{backend}-w{workers}.json.

Usage: .venv/bin/python bench/api_load.py --backend postgresql --workers 4 [--commit HEAD]
       [--prime-tokens] [--duration 20] [--clients 50] [--update-clients 50]
       [--rate 500] [--update-rate 50] [--schedule-runs 5] [--client auto|wrk|python]
       [--phases reads,reads-paced,updates,updates-paced,mixed,schedule] [--mixed-writes 0.2]
       [--uvicorn-args "..."]
       [--launcher plansmith|uvicorn] [--tcp-nodelay]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_data
from benchlib import BIN, OUT, ROOT, machine, use_source

READ_P95_MS = 50.0
READ_RPS = 500.0
UPDATE_P95_MS = 100.0
SCHEDULE_S = 2.0
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")


# -- CPU accounting ----------------------------------------------------------------------------


def _proc_stats() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command, CPU seconds) of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / TICK)
    return out


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


@dataclass
class Cpu:
    """CPU seconds used during a phase: by the server (uvicorn and its workers), the PostgreSQL
    backends serving the benchmark's database, the load generator, and the machine as a whole
    (busy share of all cores, whoever used them)."""

    server: float = 0.0
    postgres: float = 0.0
    client: float = 0.0
    machine_busy: float = 0.0  # fraction of all cores' time
    machine_busy_s: float = 0.0  # busy CPU seconds of all cores

    def text(self, requests: int) -> str:
        per = f"; server {self.server / requests * 1000:.1f} ms CPU per request" if requests else ""
        return (
            f"CPU s: server {self.server:.1f}, PostgreSQL {self.postgres:.1f}, client "
            f"{self.client:.1f}; machine {self.machine_busy:.0%} busy "
            f"({self.machine_busy_s:.1f} CPU s, whoever used them){per}"
        )


class CpuMeter:
    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid = server_pid
        self.database = database  # PostgreSQL backends serving this database are counted

    def _serves_us(self, pid: int) -> bool:
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return False
        return f" {self.database} " in title

    def _sample(self) -> tuple[dict[int, float], dict[int, float], float, float, float]:
        stats = _proc_stats()
        tree, frontier = set(), [self.server_pid]
        while frontier:
            pid = frontier.pop()
            tree.add(pid)
            frontier.extend(p for p, (ppid, _, _) in stats.items() if ppid == pid)
        server = {p: stats[p][2] for p in tree if p in stats}
        postgres = {
            p: cpu
            for p, (_, comm, cpu) in stats.items()
            if comm.startswith("postgres") and self._serves_us(p)
        }
        children = os.times()
        client = time.process_time() + children.children_user + children.children_system
        busy, total = _machine_busy()
        return server, postgres, client, busy, total

    @contextmanager
    def measure(self) -> Iterator[Cpu]:
        """CPU used while the block runs (processes that end meanwhile are not counted, new
        ones are counted whole)."""
        cpu = Cpu()
        before = self._sample()
        yield cpu
        after = self._sample()
        cpu.server, cpu.postgres = (
            sum(value - before[i].get(pid, 0.0) for pid, value in after[i].items()) for i in (0, 1)
        )
        cpu.client = after[2] - before[2]
        cpu.machine_busy = (after[3] - before[3]) / max(after[4] - before[4], 1e-9)
        cpu.machine_busy_s = after[3] - before[3]


# -- a lean HTTP/1.1 client ---------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: as little client CPU as possible."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method in {"POST", "PATCH", "PUT"}:
            lines.append(f"Content-Length: {len(body)}")
        try:
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split(" ", 2)[1])
            answer = {}
            for line in header_lines:
                if line:
                    name, _, value = line.partition(":")
                    answer[name.strip().lower()] = value.strip()
            if answer.get("transfer-encoding", "").lower() == "chunked":
                data = bytearray()
                while True:
                    size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    data += await self.reader.readexactly(size + 2)
                    del data[-2:]
                    if size == 0:
                        break
                payload = bytes(data)
            else:
                payload = await self.reader.readexactly(int(answer.get("content-length", "0")))
            if answer.get("connection", "").lower() == "close":
                await self.close()
            return status, answer, payload
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.close()
            raise

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


# -- results -----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of unsorted values (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float
    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    conflicts: int = 0  # 409 answers (updates)
    statuses: dict[str, int] = field(default_factory=dict)
    driver: str = ""
    cpu: Cpu = field(default_factory=Cpu)
    notes: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def from_samples(
        cls, name: str, clients: int, seconds: float, latencies_ms: list[float], **kw: Any
    ) -> Phase:
        return cls(
            name,
            clients,
            seconds,
            len(latencies_ms),
            percentile(latencies_ms, 50),
            percentile(latencies_ms, 95),
            percentile(latencies_ms, 99),
            max(latencies_ms, default=0.0),
            **kw,
        )


# -- load phases -------------------------------------------------------------------------------


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def list_path(project: str, total: int, limit: int, rng: random.Random) -> str:
    offset = rng.randint(0, max(0, total - limit))
    return f"/api/v1/projects/{project}/tasks?limit={limit}&offset={offset}"


async def _client_loop(
    port: int,
    clients: int,
    seconds: float,
    step: Callable[[Connection, random.Random, dict[str, Any]], Any],
    seed: int,
    rate: float | None = None,
) -> tuple[float, list[dict[str, Any]]]:
    """Run ``step`` on ``clients`` connections for ``seconds``; returns the elapsed time and
    each client's tally (``step`` records into it).

    Without ``rate`` each client sends its next request as soon as it has the answer (a closed
    loop: the load is what the server can take). With ``rate`` (requests per second in all)
    each client keeps a timetable of one request every ``clients / rate`` seconds, staggered;
    a request that starts late (the previous answer came after its time) carries its lateness
    in ``tally["lag_ms"]``, which the steps add to its latency, so a slow server is not
    flattered by the load it held back (coordinated omission)."""
    begin = time.perf_counter()
    deadline = begin + seconds
    tallies = [new_tally() for _ in range(clients)]
    interval = clients / rate if rate else 0.0

    async def client(number: int) -> None:
        connection = Connection(port)
        rng, tally = random.Random(seed * 1000 + number), tallies[number]
        due = begin + interval * number / clients
        try:
            while time.perf_counter() < deadline:
                if rate:
                    now = time.perf_counter()
                    if due > now:
                        await asyncio.sleep(due - now)
                        if due >= deadline:
                            break
                    tally["lag_ms"] = max(0.0, time.perf_counter() - due) * 1000
                    due += interval
                try:
                    await step(connection, rng, tally)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    tally["statuses"]["connection error"] += 1
                    if len(tally["samples"]) < 3:
                        tally["samples"].append(repr(exc))
        finally:
            await connection.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return time.perf_counter() - begin, tallies


def new_tally() -> dict[str, Any]:
    return {"latencies": [], "service": [], "statuses": Counter(), "samples": [], "lag_ms": 0.0}


def _record(tally: dict[str, Any], started: float) -> None:
    service = (time.perf_counter() - started) * 1000
    tally["service"].append(service)
    tally["latencies"].append(service + tally["lag_ms"])


Step = Callable[[Connection, random.Random, dict[str, Any]], Any]


def read_step(data: api_data.Dataset, limit: int) -> Step:
    """A task-list read of a random project and page, with a random client's token."""
    projects = sorted(data.tasks)

    async def step(connection: Connection, rng: random.Random, tally: dict[str, Any]) -> None:
        project = rng.choice(projects)
        path = list_path(project, len(data.tasks[project]), limit, rng)
        started = time.perf_counter()
        status, _, body = await connection.request("GET", path, _auth(rng.choice(data.tokens)))
        _record(tally, started)
        tally["statuses"][str(status)] += 1
        if status != 200 and len(tally["samples"]) < 3:
            tally["samples"].append(f"{status} {body[:200]!r}")

    return step


def python_reads(
    port: int,
    data: api_data.Dataset,
    clients: int,
    seconds: float,
    limit: int,
    seed: int,
    rate: float | None = None,
) -> Phase:
    step = read_step(data, limit)
    elapsed, tallies = asyncio.run(_client_loop(port, clients, seconds, step, seed, rate))
    name, driver = "reads", "this script's asyncio client"
    if rate:
        name = "reads, paced"
        driver += f", {rate:g} requests/s offered ({clients / rate * 1000:.0f} ms apart per client)"
    return _phase(name, clients, elapsed, tallies, driver)


def _phase(
    name: str, clients: int, elapsed: float, tallies: list[dict[str, Any]], driver: str
) -> Phase:
    latencies = [x for tally in tallies for x in tally["latencies"]]
    statuses: Counter[str] = Counter()
    for tally in tallies:
        statuses.update(tally["statuses"])
    errors = sum(n for s, n in statuses.items() if s not in {"200", "409"})
    samples = [s for tally in tallies for s in tally["samples"]][:5]
    service = [x for tally in tallies for x in tally["service"]]
    if service != latencies:
        samples.insert(
            0,
            f"latency counted from each request's time in the timetable; service time alone "
            f"(sent -> answered): p50 {percentile(service, 50):.1f}, p95 "
            f"{percentile(service, 95):.1f}, p99 {percentile(service, 99):.1f} ms",
        )
    return Phase.from_samples(
        name,
        clients,
        elapsed,
        latencies,
        errors=errors,
        conflicts=statuses.get("409", 0),
        statuses=dict(statuses),
        driver=driver,
        notes=samples,
    )


WRK_SCRIPT = """
local projects = {%(projects)s}
local totals = {%(totals)s}
local tokens = {%(tokens)s}
local limit = %(limit)d
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  math.randomseed(%(seed)d * 1000 + tid)
  statuses = {}
end

function request()
  local i = math.random(#projects)
  local offset = math.random(0, math.max(0, totals[i] - limit))
  local path = "/api/v1/projects/" .. projects[i] .. "/tasks?limit=" .. limit
    .. "&offset=" .. offset
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local parts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      table.insert(parts, string.format('"%%d": %%d', status, n))
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, '
    .. '"p95_us": %%d, "p99_us": %%d, "max_us": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "statuses": [{%%s}]}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, e.connect, e.read, e.write,
    e.status, e.timeout, table.concat(parts, "}, {")))
end
"""


def wrk_reads(
    wrk: str, port: int, data: api_data.Dataset, clients: int, seconds: float, limit: int, seed: int
) -> Phase:
    projects = sorted(data.tasks)
    script = OUT / "api_reads.lua"
    script.write_text(
        WRK_SCRIPT
        % {
            "projects": ", ".join(f'"{p}"' for p in projects),
            "totals": ", ".join(str(len(data.tasks[p])) for p in projects),
            "tokens": ", ".join(f'"{t}"' for t in data.tokens),
            "limit": limit,
            "seed": seed,
        }
    )
    command = [
        wrk, "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "60s", "-s", str(script),
        f"http://{HOST}:{port}/",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if done.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(line.removeprefix("WRK-RESULT "))
    statuses: Counter[str] = Counter()
    for part in result["statuses"]:
        statuses.update({k: int(v) for k, v in part.items()})
    socket_errors = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    if socket_errors:
        statuses["socket error or timeout"] += socket_errors
    return Phase(
        "reads",
        clients,
        result["duration_us"] / 1e6,
        result["requests"],
        result["p50_us"] / 1000,
        result["p95_us"] / 1000,
        result["p99_us"] / 1000,
        result["max_us"] / 1000,
        errors=sum(n for s, n in statuses.items() if s != "200"),
        statuses=dict(statuses),
        driver=f"wrk (1 thread, {clients} connections, script {script.name})",
        notes=[
            f"{result['bytes'] / max(result['requests'], 1) / 1024:.1f} KiB per response",
            *(
                [
                    "fewer answers than connections: requests were still waiting when wrk "
                    "stopped (wrk counts neither them nor their latency)"
                ]
                if result["requests"] < clients
                else []
            ),
        ],
    )


def update_step(data: api_data.Dataset) -> Step:
    """A random task read for its ETag (not timed), then a PATCH of its notes with If-Match."""
    projects = sorted(data.tasks)
    counter = iter(range(10**12))

    async def step(connection: Connection, rng: random.Random, tally: dict[str, Any]) -> None:
        project = rng.choice(projects)
        path = f"/api/v1/projects/{project}/tasks/{rng.choice(data.tasks[project])}"
        auth = _auth(rng.choice(data.tokens))
        status, headers, body = await connection.request("GET", path, auth)
        if status != 200:
            tally["statuses"][f"GET {status}"] += 1
            if len(tally["samples"]) < 3:
                tally["samples"].append(f"GET {status} {body[:200]!r}")
            return
        payload = json.dumps({"notes": f"bench update {next(counter)}"}).encode()
        started = time.perf_counter()
        status, _, body = await connection.request(
            "PATCH",
            path,
            {**auth, "If-Match": headers.get("etag", ""), "Content-Type": "application/json"},
            payload,
        )
        _record(tally, started)
        tally["statuses"][str(status)] += 1
        if status not in {200, 409} and len(tally["samples"]) < 3:
            tally["samples"].append(f"PATCH {status} {body[:200]!r}")

    return step


def updates(
    port: int,
    data: api_data.Dataset,
    clients: int,
    seconds: float,
    seed: int,
    rate: float | None = None,
) -> Phase:
    step = update_step(data)
    elapsed, tallies = asyncio.run(_client_loop(port, clients, seconds, step, seed, rate))
    name, driver = "updates", "this script's asyncio client (latency: the PATCH)"
    if rate:
        name = "updates, paced"
        driver += f", {rate:g} GET+PATCH/s offered"
    return _phase(name, clients, elapsed, tallies, driver)


def mixed(
    port: int,
    data: api_data.Dataset,
    clients: int,
    seconds: float,
    limit: int,
    seed: int,
    writes: float,
) -> list[Phase]:
    """Reads and updates from the same clients in a closed loop: each step is an update
    (GET + PATCH) with probability ``writes``, else a task-list read; one phase row each."""
    steps = {"reads": read_step(data, limit), "updates": update_step(data)}

    async def step(connection: Connection, rng: random.Random, tally: dict[str, Any]) -> None:
        kind = "updates" if rng.random() < writes else "reads"
        await steps[kind](connection, rng, tally.setdefault(kind, new_tally()))

    elapsed, tallies = asyncio.run(_client_loop(port, clients, seconds, step, seed))
    driver = (
        f"this script's asyncio client; each step an update (GET + PATCH, latency: the "
        f"PATCH) with probability {writes:g}, else a task-list read"
    )
    return [
        _phase(f"mixed: {kind}", clients, elapsed, [t[kind] for t in tallies if kind in t], driver)
        for kind in steps
    ]


def schedules(port: int, data: api_data.Dataset, runs: int) -> Phase:
    assert data.big_project is not None
    path = f"/api/v1/projects/{data.big_project}/schedule"

    async def run() -> Phase:
        connection = Connection(port)
        latencies, statuses, notes = [], Counter[str](), []
        started = time.perf_counter()
        for _ in range(runs):
            begun = time.perf_counter()
            status, _, body = await connection.request(
                "POST",
                path,
                {**_auth(data.tokens[0]), "Content-Type": "application/json"},
            )
            latencies.append((time.perf_counter() - begun) * 1000)
            statuses[str(status)] += 1
            if status == 200 and not notes:
                document = json.loads(body)
                rows = document.get("tasks", [])
                notes.append(
                    f"{len(body) / 2**20:.1f} MiB of JSON, {len(rows)} task rows, finish "
                    f"{(document.get('project') or {}).get('finish', '?')}"
                )
            elif status != 200:
                notes.append(f"{status} {body[:300]!r}")
                if status == 404:
                    break
        elapsed = time.perf_counter() - started
        await connection.close()
        errors = sum(n for s, n in statuses.items() if s != "200")
        notes.append("each run (ms): " + ", ".join(f"{x:.0f}" for x in latencies))
        return Phase.from_samples(
            "schedule",
            1,
            elapsed,
            latencies,
            errors=errors,
            statuses=dict(statuses),
            driver="this script's asyncio client, one request at a time",
            notes=notes,
        )

    return asyncio.run(run())


def prime_tokens(port: int, data: api_data.Dataset) -> None:
    project = sorted(data.tasks)[0]

    async def run() -> None:
        connection = Connection(port)
        try:
            for token in data.tokens:
                path = f"/api/v1/projects/{project}/tasks?limit=1"
                status, _, body = await connection.request("GET", path, _auth(token))
                if status != 200:
                    sys.exit(f"priming a token: {status} {body[:300]!r}")
        finally:
            await connection.close()

    asyncio.run(run())


# -- the server --------------------------------------------------------------------------------


@contextmanager
def server(data: api_data.Dataset, port: int, log: Path, args: argparse.Namespace) -> Iterator[int]:
    """The server with ``args.workers`` workers on ``port``; yields its pid once it answers
    health."""
    env = {
        **os.environ,
        "PLANSMITH_DATABASE_URL": data.url,
        "PLANSMITH_DATA_DIR": str(OUT / "api-data"),
        "PLANSMITH_SECRET_KEY": data.secret_key,
        "PLANSMITH_DEMO": "0",
    }
    if args.launcher == "plansmith":
        command = [
            str(BIN / "plansmith"), "serve", "--host", HOST, "--port", str(port),
            "--workers", str(args.workers), "--no-access-log",
        ]  # fmt: skip
    else:
        launcher = [str(BIN / "python"), str(ROOT / "bench" / "uvicorn_nodelay.py")]
        command = [
            *(launcher if args.tcp_nodelay else [str(BIN / "uvicorn")]),
            "--factory", "plansmith.asgi:create_app", "--host", HOST,
            "--port", str(port), "--workers", str(args.workers), "--no-access-log",
            "--log-level", "warning", *shlex.split(args.uvicorn_args),
        ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(process, port, log)
        yield process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    async def probe() -> int:
        connection = Connection(port)
        try:
            return (await connection.request("GET", "/api/v1/health", {}))[0]
        finally:
            await connection.close()

    deadline = time.perf_counter() + 90
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if asyncio.run(probe()) == 200:
                return
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        time.sleep(0.2)
    sys.exit(f"the server did not answer /api/v1/health in 90 s:\n{log.read_text()[-3000:]}")


# -- report ------------------------------------------------------------------------------------


def database_version(url: str) -> str:
    if url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


def uvicorn_description(extra: str) -> str:
    """uvicorn's version and the HTTP parser and event loop its ``auto`` settings pick."""
    import importlib.metadata
    import importlib.util

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return (
        f"uvicorn {importlib.metadata.version('uvicorn')}, HTTP parser {http}, event loop {loop} "
        f"(as 'auto' picks them){'; options ' + extra if extra else ''}"
    )


def report(
    args: argparse.Namespace,
    source: str,
    data: api_data.Dataset,
    phases: list[Phase],
    loads: dict[str, tuple[float, ...]],
    client: str,
) -> bool:
    print(f"Plansmith: {source}")
    print(f"Machine: {machine()}")
    print(f"Database: {database_version(data.url)}; {args.backend}, {args.workers} workers")
    print(f"Server: {uvicorn_description(args.uvicorn_args)}")
    if args.launcher == "plansmith":
        print("Server started as plansmith serve: TCP_NODELAY, a listening socket per worker")
    elif args.tcp_nodelay:
        print(
            "Server started through bench/uvicorn_nodelay.py: connections with TCP_NODELAY "
            "(uvicorn's multi-worker socket fixed)"
        )
    print(
        f"Data: {len(data.tasks)} projects, {data.task_count:,} task rows (leaves and summaries) "
        f"in the portfolio; {data.big_project} with {data.big_tasks:,} task rows; "
        f"{len(data.tokens)} API tokens of one administrator; loaded in {data.load_seconds:.1f} s"
    )
    print(f"Load generator: {client}")
    if args.prime_tokens:
        print("Tokens primed: each used once, one request at a time, before the warm-up")
    for moment, load in loads.items():
        print(f"Load average {moment} (1 / 5 / 15 min): {' / '.join(f'{x:.2f}' for x in load)}")
    print()
    print(
        "| phase | clients | seconds | requests | req/s | p50 ms | p95 ms | p99 ms | max ms "
        "| errors | 409 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in phases:
        print(
            f"| {p.name} | {p.clients} | {p.seconds:.1f} | {p.requests:,} | {p.rps:,.0f} | "
            f"{p.p50_ms:.1f} | {p.p95_ms:.1f} | {p.p99_ms:.1f} | {p.max_ms:.0f} | {p.errors} | "
            f"{p.conflicts} |"
        )
    print()
    mixed_requests = sum(p.requests for p in phases if p.name.startswith("mixed"))
    for p in phases:
        # the mixed phase's two rows share its CPU: per request of either kind
        requests = mixed_requests if p.name.startswith("mixed") else p.requests
        print(f"- {p.name}: {p.driver}; statuses {p.statuses}; {p.cpu.text(requests)}")
        for note in p.notes:
            print(f"  - {note}")
    checks: list[tuple[str, bool]] = []
    by_name = {p.name: p for p in phases}
    if "reads" in by_name:
        r = by_name["reads"]
        checks += [
            (
                f"reads, closed loop: {r.rps:,.0f} requests/s >= {READ_RPS:g} (the most the "
                f"server answers with {r.clients} clients)",
                r.rps >= READ_RPS,
            ),
            (
                f"reads, closed loop: p95 {r.p95_ms:.1f} ms <= {READ_P95_MS:g} ms (at "
                f"{r.rps:,.0f} requests/s)",
                r.requests > 0 and r.p95_ms <= READ_P95_MS,
            ),
        ]
    if "reads, paced" in by_name:
        r = by_name["reads, paced"]
        checks += [
            (
                f"reads, paced: p95 {r.p95_ms:.1f} ms <= {READ_P95_MS:g} ms at "
                f"{r.rps:,.0f} requests/s answered of {args.rate:g} offered",
                r.requests > 0
                and r.p95_ms <= READ_P95_MS
                and r.rps >= 0.98 * min(args.rate, READ_RPS),
            ),
        ]
    if "mixed: reads" in by_name:
        r = by_name["mixed: reads"]
        checks.append(
            (
                f"mixed: reads p95 {r.p95_ms:.1f} ms <= {READ_P95_MS:g} ms (at "
                f"{r.rps:,.0f} reads/s beside the updates)",
                r.requests > 0 and r.p95_ms <= READ_P95_MS,
            )
        )
    for name in ("updates", "updates, paced", "mixed: updates"):
        if name in by_name:
            u = by_name[name]
            checks.append(
                (
                    f"{name}: p95 {u.p95_ms:.1f} ms <= {UPDATE_P95_MS:g} ms (at "
                    f"{u.rps:,.0f} PATCH/s)",
                    u.requests > 0 and u.p95_ms <= UPDATE_P95_MS,
                )
            )
    for p in phases:
        share = p.conflicts / p.requests if p.requests else 0.0
        conflicts = f" ({p.conflicts} 409s, {share:.2%} of PATCHes)" if "updates" in p.name else ""
        checks.append((f"{p.name}: {p.errors} errors{conflicts}", p.errors == 0))
    if "schedule" in by_name:
        s = by_name["schedule"]
        checks.append(
            (
                f"schedule {data.big_tasks:,} task rows through the API: max "
                f"{s.max_ms / 1000:.2f} s, median {s.p50_ms / 1000:.2f} s <= {SCHEDULE_S:g} s",
                s.errors == 0 and s.requests > 0 and s.max_ms / 1000 <= SCHEDULE_S,
            )
        )
    print("\nTargets (issue 6):")
    for text, ok in checks:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")
    if max(load[0] for load in loads.values()) > 1.0 and "before" in loads:
        before = loads["before"][0]
        if before > 1.0:
            print(
                f"- note: the machine was already busy before the run (load {before:.2f}): "
                "figures are pessimistic"
            )
    return all(ok for _, ok in checks)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=500, help="leaf tasks per project")
    parser.add_argument("--big-tasks", type=int, default=5000, help="leaf tasks, scheduled")
    parser.add_argument("--clients", type=int, default=50, help="concurrent readers")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of reads")
    parser.add_argument("--limit", type=int, default=50, help="page size of the task lists")
    parser.add_argument("--update-clients", type=int, default=50)
    parser.add_argument("--update-duration", type=float, default=20.0)
    parser.add_argument("--schedule-runs", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of reads not counted")
    parser.add_argument(
        "--tokens", type=int, help="distinct API tokens the clients use (default: one each)"
    )
    parser.add_argument("--rate", type=float, default=500.0, help="reads/s offered, paced")
    parser.add_argument(
        "--update-rate", type=float, default=50.0, help="GET+PATCH/s offered, paced"
    )
    parser.add_argument(
        "--mixed-writes",
        type=float,
        default=0.2,
        help="share of the mixed phase's steps that are updates (the rest: task-list reads)",
    )
    parser.add_argument(
        "--phases",
        default="reads,reads-paced,updates,updates-paced,mixed,schedule",
        help="comma-separated, run in this order",
    )
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="reads' driver"
    )
    parser.add_argument(
        "--prime-tokens",
        action="store_true",
        help="use every token once, one request at a time, before the warm-up (so that no "
        "token's first use, which the server records, falls in a measured phase)",
    )
    parser.add_argument(
        "--launcher",
        choices=("plansmith", "uvicorn"),
        default="plansmith",
        help="plansmith serve (a listening socket per worker), or uvicorn itself (one shared)",
    )
    parser.add_argument(
        "--tcp-nodelay",
        action="store_true",
        help="--launcher uvicorn through bench/uvicorn_nodelay.py (its multi-worker socket fixed)",
    )
    parser.add_argument(
        "--uvicorn-args", default="", help='more uvicorn options, e.g. "--http httptools"'
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commit", help="measure this commit's src/ (default: the working tree)")
    args = parser.parse_args(argv)
    if args.launcher == "plansmith" and (args.tcp_nodelay or args.uvicorn_args):
        parser.error("--tcp-nodelay and --uvicorn-args go with --launcher uvicorn")
    phases_wanted = [p.strip() for p in args.phases.split(",") if p.strip()]
    known = {"reads", "reads-paced", "updates", "updates-paced", "mixed", "schedule"}
    if set(phases_wanted) - known:
        parser.error(f"--phases: choose from {', '.join(sorted(known))}")
    source = use_source(args.commit)
    OUT.mkdir(parents=True, exist_ok=True)
    wrk = shutil.which("wrk") if args.client != "python" else None
    if args.client == "wrk" and wrk is None:  # the paced phases always use the own client
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    client = (
        f"reads by {wrk} ({_wrk_version(wrk)}), updates and scheduling by this script's asyncio "
        "client"
        if wrk
        else "this script's asyncio client (wrk not installed: it shares the CPUs with the server)"
    )
    loads = {"before": os.getloadavg()}
    data = api_data.prepare(
        args.backend,
        projects=args.projects,
        tasks=args.tasks,
        big_tasks=args.big_tasks if "schedule" in phases_wanted else 0,
        tokens=args.tokens or max(args.clients, args.update_clients),
        seed=args.seed,
    )
    log = OUT / f"api-server-{args.backend}.log"
    results: list[Phase] = []
    with server(data, args.port, log, args) as pid:
        meter = CpuMeter(pid, api_data.PG_DATABASE)
        if args.prime_tokens:
            print(f"using each of {len(data.tokens)} tokens once ...", file=sys.stderr)
            prime_tokens(args.port, data)
        print(f"server up (pid {pid}); warming up {args.warmup:g} s ...", file=sys.stderr)
        python_reads(
            args.port, data, min(args.clients, 16), args.warmup, args.limit, args.seed + 99
        )
        loads["after warm-up"] = os.getloadavg()
        for name in phases_wanted:
            print(f"{name} ...", file=sys.stderr)
            with meter.measure() as cpu:
                if name == "reads" and wrk:
                    phase = wrk_reads(
                        wrk, args.port, data, args.clients, args.duration, args.limit, args.seed
                    )
                elif name in {"reads", "reads-paced"}:
                    phase = python_reads(
                        args.port,
                        data,
                        args.clients,
                        args.duration,
                        args.limit,
                        args.seed,
                        args.rate if name == "reads-paced" else None,
                    )
                elif name in {"updates", "updates-paced"}:
                    phase = updates(
                        args.port,
                        data,
                        args.update_clients,
                        args.update_duration,
                        args.seed,
                        args.update_rate if name == "updates-paced" else None,
                    )
                elif name == "mixed":
                    both = mixed(
                        args.port,
                        data,
                        args.clients,
                        args.duration,
                        args.limit,
                        args.seed,
                        args.mixed_writes,
                    )
                elif name == "schedule":
                    phase = schedules(args.port, data, args.schedule_runs)
                else:
                    sys.exit(f"unknown phase {name!r}")
            if name == "mixed":
                for part in both:
                    part.cpu = cpu  # the phase's CPU, shared by its reads and its updates
                results.extend(both)
            else:
                phase.cpu = cpu
                results.append(phase)
            loads[f"after {name}"] = os.getloadavg()
    ok = report(args, source, data, results, loads, client)
    record = {
        "source": source,
        "machine": machine(),
        "args": vars(args),
        "loads": loads,
        "phases": [{**asdict(p), "rps": p.rps} for p in results],
        "targets_met": ok,
        "time": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    path = OUT / f"api-load-{args.backend}-w{args.workers}.json"
    path.write_text(json.dumps(record, indent=2))
    print(f"\nfigures written to {path.relative_to(ROOT)}", file=sys.stderr)


def _wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).split("[")[0].strip() or "wrk"


if __name__ == "__main__":
    main()
