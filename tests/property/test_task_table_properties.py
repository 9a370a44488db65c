"""Any task list written as CSV reads back as the same tree with the same links.

Hypothesis builds a task list (outline levels, names with commas, quotes, semicolons and
accents, durations and milestones, FS/SS/FF/SF links with lags to earlier rows that are not
the row's own summaries), writes it with Python's csv module in a random dialect (comma,
semicolon or tab; with or without a byte-order mark) and in one of MS Project's spellings
("3FS+2d", "3 FS + 2 days", "5 days", "1 wk"), and the reader must give back every row's level,
name, duration and links, and a plan that passes the plan loader's checks.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from plansmith.domain.durations import parse_duration
from plansmith.io.task_table import TableOptions
from plansmith.services.task_import import read_task_table_bytes

TYPES = ("FS", "SS", "FF", "SF")
NAME_CHARS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"))
NAMES = st.text(NAME_CHARS, min_size=1, max_size=24).filter(lambda s: s == s.strip() and s)


@dataclass(frozen=True)
class Row:
    level: int
    name: str
    days: int  # 0: a milestone (summaries have none)
    links: tuple[tuple[int, str, int], ...]  # (row index, type, lag in days)


@st.composite
def task_lists(draw: st.DrawFn) -> list[Row]:
    count = draw(st.integers(1, 12))
    levels = [1]
    for _ in range(count - 1):
        levels.append(draw(st.integers(1, levels[-1] + 1)))
    rows: list[Row] = []
    for index, level in enumerate(levels):
        ancestors = set()
        wanted = level - 1
        for k in range(index - 1, -1, -1):
            if wanted and levels[k] == wanted:
                ancestors.add(k)
                wanted -= 1
        candidates = [k for k in range(index) if k not in ancestors]
        targets = (
            draw(st.lists(st.sampled_from(candidates), unique=True, max_size=3))
            if candidates
            else []
        )
        links = tuple((k, draw(st.sampled_from(TYPES)), draw(st.integers(-3, 5))) for k in targets)
        rows.append(Row(level, draw(NAMES), draw(st.integers(0, 20)), links))
    return rows


def _is_summary(rows: list[Row], index: int) -> bool:
    return index + 1 < len(rows) and rows[index + 1].level > rows[index].level


def _predecessors(row: Row, spelling: int) -> str:
    items = []
    for k, kind, lag in row.links:
        if spelling == 0:
            items.append(f"{k + 1}{kind}{lag:+d}d")
        elif spelling == 1:
            sign = "-" if lag < 0 else "+"
            items.append(f"{k + 1} {kind} {sign} {abs(lag)} days")
        elif kind == "FS" and lag == 0:
            items.append(str(k + 1))
        else:
            items.append(f"{k + 1}{kind}" + (f"{lag:+d}d" if lag else ""))
    return ";".join(items)


def _duration(days: int, spelling: int) -> str:
    if spelling == 1 and days % 5 == 0 and days:
        return f"{days // 5} wk"
    return f"{days} days" if spelling else f"{days}d"


def write(rows: list[Row], delimiter: str, bom: bool, spelling: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["ID", "Name", "Duration", "Predecessors", "Outline Level"])
    for index, row in enumerate(rows):
        duration = "" if _is_summary(rows, index) else _duration(row.days, spelling)
        writer.writerow([index + 1, row.name, duration, _predecessors(row, spelling), row.level])
    data = out.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + data if bom else data


def _pre_order(tasks: list[dict[str, Any]], level: int = 1) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for task in tasks:
        out.append((level, task))
        out.extend(_pre_order(task.get("children", []), level + 1))
    return out


def _days(lag: str | None) -> int:
    return 0 if lag is None else parse_duration(lag, allow_negative=True) // 480


@given(
    task_lists(),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
    st.integers(0, 2),
)
def test_a_task_list_reads_back_as_written(
    rows: list[Row], delimiter: str, bom: bool, spelling: int
) -> None:
    data = write(rows, delimiter, bom, spelling)
    result = read_task_table_bytes(data, "tasks.csv", TableOptions(), date(2027, 1, 4))
    assert result.ok, (data, [f"{d.location} {d.code} {d.message}" for d in result.diagnostics])
    assert result.table.document is not None
    read_back = _pre_order(result.table.document["tasks"])
    assert [level for level, _ in read_back] == [row.level for row in rows], data
    assert [task["name"] for _, task in read_back] == [row.name for row in rows]
    ids = [task["id"] for _, task in read_back]
    assert len(set(ids)) == len(ids)
    for index, (row, (_, task)) in enumerate(zip(rows, read_back, strict=True)):
        if _is_summary(rows, index):
            assert "children" in task
        elif row.days == 0:
            assert task.get("milestone") is True
        else:
            assert parse_duration(task["duration"]) == row.days * 480
        links = {(target, "FS", 0) for target in task.get("after", [])} | {
            (d["task"], d.get("type", "FS"), _days(d.get("lag"))) for d in task.get("depends", [])
        }
        assert links == {(ids[k], kind, lag) for k, kind, lag in row.links}
