"""YAML text with positions on demand.

Plans are read with libyaml's C loader for speed. Positions are only needed when something is
wrong, so the text is composed into a node tree (which keeps line and column marks) lazily, the
first time a diagnostic needs a location, and a document path is walked down that tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ryaml
import yaml
from yaml._yaml import CParser
from yaml.resolver import BaseResolver

from plansmith.domain.diagnostics import (
    Diagnostic,
    DocPath,
    Severity,
    SourceLocation,
    error,
)
from plansmith.io.task_locator import TaskLocator, split_task_path


class _PlanLoader(yaml.CSafeLoader):
    """The C safe loader, refusing duplicate and non-scalar keys instead of keeping the last one
    or crashing, and leaving impossible dates (2027-02-30) as text for the schema to locate."""

    problems: list[tuple[str, str, yaml.Mark]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        kept = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    (
                        "invalid_type",
                        "a key must be a plain word, not a list or mapping",
                        key_node.start_mark,
                    )
                )
                continue
            key = key_node.value
            if key in seen:
                self.problems.append(
                    (
                        "duplicate_key",
                        f"key '{key}' appears twice in the same mapping",
                        key_node.start_mark,
                    )
                )
            seen.add(key)
            kept.append((key_node, value_node))
        node.value = kept
        return super().construct_mapping(node, deep=deep)

    def construct_timestamp_or_text(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp", _PlanLoader.construct_timestamp_or_text)


class _Locator(CParser, BaseResolver):
    """Composes the node tree for its marks only: every scalar gets one dummy tag, which spares
    PyYAML's per-scalar regular-expression resolution (most of the cost of composing)."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        BaseResolver.__init__(self)

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        return "tag:plansmith,2026:any"


@dataclass
class YamlSource:
    """The text of one YAML file and the means to locate a document path in it."""

    filename: str
    text: str
    _root: yaml.Node | None = field(default=None, init=False, repr=False)
    _composed: bool = field(default=False, init=False, repr=False)
    _task_paths: dict[DocPath, str] = field(default_factory=dict, init=False, repr=False)
    _task_locator: TaskLocator | None = field(default=None, init=False, repr=False)

    def load(self) -> tuple[Any, list[Diagnostic]]:
        """The document as plain Python data, or None with a located ``yaml_syntax`` error.

        ryaml (Rust, YAML 1.2) reads a valid plan about ten times faster than PyYAML's C loader,
        whose objects are still built in Python; 10,000-task plans must load in well under a
        second. When ryaml refuses a document, PyYAML reads it again, because it says where
        the problem is (and finds duplicate keys with their position).
        """
        try:
            return ryaml.loads(self.text), []
        except Exception:
            return self._load_with_pyyaml()

    def _load_with_pyyaml(self) -> tuple[Any, list[Diagnostic]]:
        loader = _PlanLoader(self.text)
        loader.problems = []
        try:
            data = loader.get_single_data()
        except yaml.reader.ReaderError as exc:
            line = self.text.count("\n", 0, exc.position) + 1
            column = exc.position - (self.text.rfind("\n", 0, exc.position) + 1) + 1
            return None, [
                Diagnostic(
                    "yaml_syntax",
                    Severity.ERROR,
                    f"YAML syntax error: character {exc.character!r} is not allowed here",
                    None,
                    SourceLocation(self.filename, line, column),
                )
            ]
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "invalid YAML"
            if exc.context:
                problem = f"{problem} ({exc.context})"
            return None, [self._at(mark, "yaml_syntax", f"YAML syntax error: {problem}")]
        except yaml.YAMLError as exc:
            return None, [self._at(None, "yaml_syntax", f"YAML error: {exc}")]
        finally:
            loader.dispose()
        return data, [self._at(mark, code, message) for code, message, mark in loader.problems]

    def _at(self, mark: yaml.Mark | None, code: str, message: str) -> Diagnostic:
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return Diagnostic(
            code, Severity.ERROR, message, None, SourceLocation(self.filename, line, column)
        )

    def locate(self, path: DocPath, *, at_key: bool = False) -> SourceLocation:
        """Where ``path`` was written: the value's position (or its key's, with ``at_key``).

        A path that leaves the document (a missing key) stops at the deepest node that exists,
        which is where the user has to add something.
        """
        if not self._composed and not at_key:
            quick = self._locate_in_task(path)
            if quick is not None:
                return quick
        if not self._composed:
            self._composed = True
            locator = _Locator(self.text)
            try:
                self._root = locator.get_single_node()
            except yaml.YAMLError:
                self._root = None
            finally:
                locator.dispose()
        node = self._root
        mark = node.start_mark if node is not None else None
        for step in path:
            if isinstance(node, yaml.MappingNode):
                match = next((kv for kv in node.value if kv[0].value == str(step)), None)
                if match is None:
                    break
                key_node, node = match
                mark = key_node.start_mark if at_key else node.start_mark
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
                if not 0 <= step < len(node.value):
                    break
                node = node.value[step]
                mark = node.start_mark
            else:
                break
        if mark is None:
            return SourceLocation(self.filename, 1, 1)
        return SourceLocation(self.filename, mark.line + 1, mark.column + 1)

    def know_tasks(self, task_paths: dict[DocPath, str]) -> None:
        """Task ids by document path: lets :meth:`locate` find a task's text by its id."""
        self._task_paths = task_paths

    def _locate_in_task(self, path: DocPath) -> SourceLocation | None:
        split = split_task_path(path)
        task_id = self._task_paths.get(split[0]) if split is not None else None
        if split is None or task_id is None:
            return None
        if self._task_locator is None:
            self._task_locator = TaskLocator(self.text)
        found = self._task_locator.locate(task_id, split[1])
        return SourceLocation(self.filename, *found) if found is not None else None

    def place(self, diagnostic: Diagnostic) -> Diagnostic:
        """The diagnostic with a location, derived from its document path when it has none."""
        if diagnostic.location is not None:
            return diagnostic
        at_key = diagnostic.code == "unknown_key"
        return diagnostic.at(self.locate(diagnostic.path, at_key=at_key))


def read_text(path: str | Path, not_found: str, what: str) -> str | Diagnostic:
    """A user's file as text, or the error saying why it cannot be read (``not_found`` is the
    code for a missing or unreadable file, ``what`` names the kind of file in the message)."""
    filename = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return error(not_found, f"no {what} at {filename}")
    except IsADirectoryError:
        return error(not_found, f"{filename} is a directory")
    except UnicodeDecodeError as exc:
        return error("invalid_encoding", f"{filename} is not UTF-8 text: {exc}")
    except OSError as exc:
        return error(not_found, f"cannot read {filename}: {exc.strerror}")
