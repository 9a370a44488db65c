"""Locating a diagnostic inside one task without composing the whole plan.

Composing a 10,000-task plan into nodes just to learn where one task's deadline was written takes
seconds; engines report problems by task, and task ids are unique. So the task's own text is found
by its ``id:`` (in the ``tasks:`` section, block or flow style), only that text is composed, and
the rest of the path is walked there. Anything unusual (an id written twice, a task whose text
cannot be isolated) returns None and the caller composes the whole document, which is always
right.
"""

from __future__ import annotations

import re

import yaml

from plansmith.domain.diagnostics import DocPath

_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:", re.MULTILINE)
# An ``id:`` key and its plain or quoted value, in block or flow style.
_ID_KEY = re.compile(
    r"(?:^|(?<=[\s{,]))(id)\s*:\s*(?:['\"]([^'\"\n]*)['\"]|([^\s,}#'\"]+))\s*(?=[,}#\n]|$)",
    re.MULTILINE,
)


def split_task_path(path: DocPath) -> tuple[DocPath, DocPath] | None:
    """(path of the innermost task, the rest) when ``path`` runs through a task."""
    for k in range(len(path) - 1, 0, -1):
        if isinstance(path[k], int) and path[k - 1] in ("tasks", "children"):
            return path[: k + 1], path[k + 1 :]
    return None


class TaskLocator:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.line_starts = [0]
        for line in self.lines:
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.section = self._tasks_section()
        self._ids: dict[str, list[int]] | None = None

    def _tasks_section(self) -> tuple[int, int] | None:
        match = re.search(r"^tasks\s*:", self.text, re.MULTILINE)
        if match is None:
            return None
        after = _TOP_KEY.search(self.text, match.end())
        return match.end(), after.start() if after else len(self.text)

    def _index(self) -> dict[str, list[int]]:
        """Where each ``id:`` key of the tasks section starts, by id (one scan, then reused)."""
        if self._ids is None:
            self._ids = {}
            if self.section is not None:
                lo, hi = self.section
                for match in _ID_KEY.finditer(self.text, lo, hi):
                    value = match.group(2) if match.group(2) is not None else match.group(3)
                    self._ids.setdefault(value, []).append(match.start(1))
        return self._ids

    def locate(self, task_id: str, rest: DocPath) -> tuple[int, int] | None:
        """1-based (line, column) of ``rest`` inside task ``task_id``, or None if unsure."""
        found = []
        for key_at in self._index().get(task_id, ()):
            snippet = self._snippet(key_at)
            if snippet is not None:
                found.append(snippet)
        if len(found) != 1:
            return None
        text, line0, col0 = found[0]
        try:
            node = yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            return None
        if not isinstance(node, yaml.MappingNode) or not _has_id(node, task_id):
            return None
        mark = node.start_mark
        for step in rest:
            if isinstance(node, yaml.MappingNode):
                pair = next((kv for kv in node.value if kv[0].value == str(step)), None)
                if pair is None:
                    break
                node = pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if not 0 <= step < len(node.value):
                    break
                node = node.value[step]
            else:
                break
            mark = node.start_mark
        column = mark.column + (col0 if mark.line == 0 else 0)
        return line0 + mark.line + 1, column + 1

    def _line_of(self, offset: int) -> int:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _snippet(self, key_at: int) -> tuple[str, int, int] | None:
        """The text of the mapping whose ``id`` key starts at ``key_at``, with the line and
        column where it starts."""
        line = self._line_of(key_at)
        start = self.line_starts[line]
        brace = _open_brace(self.text, start, key_at)
        if brace is not None:
            end = _close_brace(self.text, brace)
            if end is None:
                return None
            return self.text[brace : end + 1], line, brace - start
        column = key_at - start
        first = line
        while True:  # up to the line with the item's dash
            text = self.lines[first]
            if text[column - 2 : column] == "- " and not text[: column - 2].strip():
                break
            if first == 0 or (text.strip() and _indent(text) < column):
                return None
            first -= 1
        last = line + 1
        while last < len(self.lines):
            text = self.lines[last]
            if text.strip() and not text.lstrip().startswith("#") and _indent(text) < column:
                break
            last += 1
        body = self.lines[first:last]
        body[0] = " " * column + body[0][column:]
        return "".join(body), first, 0


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _open_brace(text: str, lo: int, hi: int) -> int | None:
    """The unclosed '{' between ``lo`` and ``hi`` on one line, if the key is in flow style."""
    depth = 0
    for k in range(hi - 1, lo - 1, -1):
        if text[k] == "}":
            depth += 1
        elif text[k] == "{":
            if depth == 0:
                return k
            depth -= 1
    return None


def _close_brace(text: str, at: int) -> int | None:
    depth = 0
    quote = ""
    for k in range(at, len(text)):
        c = text[k]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return k
    return None


def _has_id(node: yaml.MappingNode, task_id: str) -> bool:
    return any(k.value == "id" and getattr(v, "value", None) == task_id for k, v in node.value)
