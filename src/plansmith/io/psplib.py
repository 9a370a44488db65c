"""PSPLIB single-mode RCPSP instances (``.sm`` files) as projects, for benchmarks and tests.

One 24x7 calendar makes one time unit one working minute; each renewable resource becomes a
resource with its capacity, each non-dummy job a task with its duration in minutes, absolute
demands as assignment units and finish-to-start links from the precedence section (the dummy
source and sink are dropped). Not a user-facing plan format: a malformed file raises
:class:`PsplibFormatError` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from plansmith.domain.calendar import Calendar, DayRanges, WeekPattern
from plansmith.domain.model import Assignment, Dependency, Project, Resource, Task

PSPLIB_START = date(2027, 1, 4)  # a Monday; any date works on a 24x7 calendar
CALENDAR_ID = "24x7"


class PsplibFormatError(ValueError):
    """A ``.sm`` file that does not follow the PSPLIB single-mode layout."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass(frozen=True)
class PsplibInstance:
    name: str  # the file stem, as in ``solutions.csv``
    project: Project
    critical_path: int  # MPM-Time: the critical-path (CPM) lower bound on the makespan
    horizon: int


def read_sm(path: str | Path) -> PsplibInstance:
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise PsplibFormatError(str(path), 0, f"cannot read: {exc}") from exc
    return parse_sm(text, str(path), path.stem)


def load_psplib(path: str | Path) -> Project:
    return read_sm(path).project


class _Lines:
    def __init__(self, text: str, file: str) -> None:
        self.lines, self.file = text.splitlines(), file

    def fail(self, index: int, message: str) -> PsplibFormatError:
        return PsplibFormatError(self.file, index + 1, message)

    def find(self, prefix: str) -> int:
        for i, line in enumerate(self.lines):
            if line.strip().startswith(prefix):
                return i
        raise self.fail(len(self.lines), f"missing '{prefix}'")

    def ints(self, index: int, text: str | None = None) -> list[int]:
        try:
            return [int(x) for x in (self.lines[index] if text is None else text).split()]
        except ValueError:
            raise self.fail(index, "expected whole numbers only") from None

    def after_colon(self, prefix: str) -> tuple[int, int]:
        i = self.find(prefix)
        values = self.ints(i, self.lines[i].partition(":")[2].rstrip("RND \t"))
        if len(values) != 1 or values[0] < 0:
            raise self.fail(i, f"expected one count after '{prefix} :'")
        return i, values[0]

    def rows(self, header: str, count: int, width: int | None) -> list[tuple[int, list[int]]]:
        """The ``count`` numeric rows after ``header`` up to the next line of stars."""
        out: list[tuple[int, list[int]]] = []
        for i in range(self.find(header) + 1, len(self.lines)):
            words = self.lines[i].split()
            if words and set(self.lines[i].strip()) == {"*"}:
                break
            if not words or not words[0].lstrip("-").isdigit():
                continue  # column titles, dashes, blank lines
            row = self.ints(i)
            if width is not None and len(row) != width:
                raise self.fail(i, f"expected {width} numbers, found {len(row)}")
            if any(x < 0 for x in row):
                raise self.fail(i, "negative numbers are not allowed here")
            out.append((i, row))
        if len(out) != count:
            raise self.fail(
                out[-1][0] if out else len(self.lines),
                f"{header} has {len(out)} rows, expected {count}",
            )
        return out


def parse_sm(text: str, file: str = "<psplib>", name: str = "psplib") -> PsplibInstance:
    src = _Lines(text, file)
    at, jobs = src.after_colon("jobs (incl. supersource/sink")
    if jobs < 2:
        raise src.fail(at, "an instance needs at least the dummy source and sink")
    horizon = src.after_colon("horizon")[1]
    kinds = src.after_colon("- renewable")[1]
    for other in ("- nonrenewable", "- doubly constrained"):
        at, count = src.after_colon(other)
        if count:
            raise src.fail(at, f"{other.strip('- ')} resources are not supported (single mode)")
    ((at, info),) = src.rows("PROJECT INFORMATION:", 1, 6)
    if info[1] != jobs - 2:
        raise src.fail(at, f"#jobs is {info[1]}, the header says {jobs - 2} non-dummy jobs")
    ((at, capacities),) = src.rows("RESOURCEAVAILABILITIES:", 1, kinds)
    requests = src.rows("REQUESTS/DURATIONS:", jobs, 3 + kinds)
    predecessors: list[list[int]] = [[] for _ in range(jobs + 1)]
    for number, (at, row) in enumerate(src.rows("PRECEDENCE RELATIONS:", jobs, None), 1):
        if len(row) < 3 or row[0] != number or row[1] != 1 or len(row) != 3 + row[2]:
            raise src.fail(at, f"expected 'jobnr. 1 #successors successors...' for job {number}")
        for succ in row[3:]:
            if not 1 < succ <= jobs or succ == number:
                raise src.fail(at, f"job {number} lists an unknown successor {succ}")
            predecessors[succ].append(number)
    resources = tuple(
        Resource(id=f"R{r + 1}", name=f"R {r + 1}", capacity=float(c))
        for r, c in enumerate(capacities)
    )
    tasks: list[Task] = []
    for number, (at, row) in enumerate(requests, 1):
        if row[0] != number or row[1] != 1:
            raise src.fail(at, f"expected job {number} in mode 1")
        duration, demand = row[2], row[3:]
        if number in (1, jobs):
            if duration or any(demand):
                raise src.fail(at, f"dummy job {number} must have no duration and no demand")
            continue
        tasks.append(
            Task(
                id=f"j{number}",
                name=f"Job {number}",
                wbs=str(number - 1),
                duration=duration,
                dependencies=tuple(
                    Dependency(f"j{p}") for p in sorted(set(predecessors[number])) if p != 1
                ),
                assignments=tuple(
                    Assignment(f"R{r + 1}", float(u)) for r, u in enumerate(demand) if u
                ),
            )
        )
    day: DayRanges = ((0, 1440),)
    calendar = Calendar(
        CALENDAR_ID, WeekPattern((day, day, day, day, day, day, day)), frozenset(), "24x7"
    )
    project = Project(
        id=name,
        name=f"PSPLIB {name}",
        start=PSPLIB_START,
        calendar=CALENDAR_ID,
        calendars={CALENDAR_ID: calendar},
        tasks=tuple(tasks),
        resources=resources,
        hours_per_day=24.0,
        hours_per_week=168.0,
    )
    return PsplibInstance(name, project, info[5], horizon)
