"""Streaming an MSPDI file (MS Project's XML) into small records, one task at a time.

A 20,000-task file holds hundreds of thousands of elements, most of them figures MS Project
computed (slack, costs, timephased data). lxml's ``iterparse`` hands each ``Task``, ``Resource``,
``Assignment`` and ``Calendar`` over as soon as it closes; it becomes a :class:`Record` of plain
strings and the element is freed, so memory stays bounded by one element, not by the file.
The parser resolves no entities and fetches nothing, so a hostile file cannot read local files or
the network (XXE) or expand itself without bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from lxml import etree

NAMESPACE = "http://schemas.microsoft.com/project"
_NS = "{" + NAMESPACE + "}"
# The elements that are handed over whole, by the collection that holds them.
SECTIONS = {"Calendars": "Calendar", "Tasks": "Task", "Resources": "Resource"}
SECTIONS["Assignments"] = "Assignment"


class MspdiSyntaxError(Exception):
    """The file is not well-formed XML, or not an MS Project XML file; says where."""

    def __init__(self, code: str, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column


@dataclass(slots=True)
class Record:
    """One element: its simple children as text, its complex children as records, its line."""

    tag: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    children: dict[str, list[Record]] = field(default_factory=dict)

    def text(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def number(self, name: str, default: float = 0.0) -> float:
        try:
            return float(self.fields[name])
        except (KeyError, ValueError):
            return default

    def flag(self, name: str) -> bool:
        return self.fields.get(name, "0").strip().lower() in ("1", "true")

    def all(self, *path: str) -> list[Record]:
        """Records under a chain of child tags: ``all("WeekDays", "WeekDay")``."""
        level = [self]
        for name in path:
            level = [kid for record in level for kid in record.children.get(name, [])]
        return level


def _local(tag: object) -> str:
    return tag[len(_NS) :] if isinstance(tag, str) and tag.startswith(_NS) else str(tag)


def _record(element: etree._Element) -> Record:
    record = Record(_local(element.tag), _line(element))
    for kid in element:
        if not isinstance(kid.tag, str):
            continue  # comments and processing instructions
        name = _local(kid.tag)
        if len(kid):
            record.children.setdefault(name, []).append(_record(kid))
        else:
            text = kid.text or ""  # as written: notes keep their line breaks
            if name in record.fields:
                # A simple element that repeats (rare): keep it as records too, losing nothing.
                record.children.setdefault(name, []).append(Record(name, _line(kid), {name: text}))
            else:
                record.fields[name] = text
    return record


@dataclass(slots=True)
class Item:
    """What the stream yields: a section's record, or one simple field of the project header."""

    section: str  # "Project", or a key of SECTIONS, or "ExtendedAttributes"
    record: Record


def read_items(handle: IO[bytes]) -> Iterator[Item]:
    """Yield the project's header fields and each calendar, task, resource and assignment."""
    parser = etree.iterparse(
        handle,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,  # long single-line files from Project 2003 exceed libxml2's text limit
        remove_comments=True,
    )
    depth = 0
    root: etree._Element | None = None
    try:
        for event, element in parser:
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    if element.tag != _NS + "Project":
                        raise MspdiSyntaxError(
                            "mspdi_not_project",
                            f"the root element is <{_local(element.tag)}>, not MS Project's "
                            f'<Project xmlns="{NAMESPACE}">',
                            _line(element) or 1,
                            1,
                        )
                continue
            depth -= 1
            if depth == 1:
                name = _local(element.tag)
                if len(element) == 0:
                    yield Item("Project", Record(name, _line(element), {name: _text(element)}))
                elif name == "ExtendedAttributes":
                    yield Item(name, _record(element))
                _forget(element, root)
            elif depth == 2 and SECTIONS.get(_parent_name(element)) == _local(element.tag):
                yield Item(_parent_name(element), _record(element))
                _forget(element, None)
    except etree.XMLSyntaxError as problem:
        line, column = problem.position
        raise MspdiSyntaxError(
            "mspdi_malformed", f"the XML is not well formed: {problem.msg}", line, column
        ) from None
    if root is None:
        raise MspdiSyntaxError("mspdi_malformed", "the file is empty", 1, 1)


def _line(element: etree._Element) -> int:
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else 0


def _text(element: etree._Element) -> str:
    return element.text or ""


def _parent_name(element: etree._Element) -> str:
    parent = element.getparent()
    return _local(parent.tag) if parent is not None else ""


def _forget(element: etree._Element, root: etree._Element | None) -> None:
    """Free a handled element and the siblings before it, which iterparse keeps otherwise."""
    element.clear()
    parent = element.getparent() if root is None else root
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
