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


_LOCAL_NAMES: dict[str, str] = {}  # "{namespace}Name" -> "Name": a million lookups per big file


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return str(tag)
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[len(_NS) :] if tag.startswith(_NS) else tag
        if len(_LOCAL_NAMES) < 10_000:
            _LOCAL_NAMES[tag] = name
    return name


def _record(element: etree._Element) -> Record:
    """The hot loop of a large import (about 45 children a task): local names come from the
    cache, and a child's length is asked only to tell a simple field from a nested record."""
    names = _LOCAL_NAMES
    tag = element.tag
    record = Record(names.get(tag) or _local(tag), _line(element))
    fields = record.fields
    for kid in element:
        tag = kid.tag
        name = names.get(tag)
        if name is None:
            if not isinstance(tag, str):
                continue  # processing instructions (comments are removed by the parser)
            name = _local(tag)
        if len(kid):
            record.children.setdefault(name, []).append(_record(kid))
        elif name in fields:
            # A simple element that repeats (rare): keep it as records too, losing nothing.
            text = kid.text or ""
            record.children.setdefault(name, []).append(Record(name, _line(kid), {name: text}))
        else:
            fields[name] = kid.text or ""  # as written: notes keep their line breaks
    return record


@dataclass(slots=True)
class Item:
    """What the stream yields: a section's record, or one simple field of the project header."""

    section: str  # "Project", or a key of SECTIONS, or "ExtendedAttributes"
    record: Record


_CONTAINERS = ("ExtendedAttributes", *SECTIONS)
_WATCHED = [_NS + name for name in ("Project", *_CONTAINERS, *SECTIONS.values())]


def read_items(handle: IO[bytes]) -> Iterator[Item]:
    """Yield the project's header fields and each calendar, task, resource and assignment.

    libxml2 filters the events by tag, so the Python loop runs once per element we keep, not
    once per element of the file (most of which are figures MS Project computed); and only
    when an element ends: the header is read when the first collection is met."""
    parser = etree.iterparse(
        handle,
        events=("end",),
        tag=_WATCHED,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,  # long single-line files from Project 2003 exceed libxml2's text limit
        remove_comments=True,
    )
    root: etree._Element | None = None
    names = _LOCAL_NAMES
    try:
        for _, element in parser:
            tag = element.tag
            name = names.get(tag) or _local(tag)
            parent = element.getparent()
            if parent is None:
                if name == "Project":
                    if root is None:
                        yield from _header(element, None)
                    root = element
                continue
            grand = parent.getparent()
            if root is None and (grand is None or grand.getparent() is None):
                # The first collection met (or an item in it): the header fields precede it.
                top = parent if grand is None else grand
                if (names.get(top.tag) or _local(top.tag)) == "Project":
                    root = top
                    yield from _header(top, element if grand is None else parent)
            if root is None:
                continue
            if parent is root:
                if name in _CONTAINERS:
                    if name == "ExtendedAttributes":
                        yield Item(name, _record(element))
                    element.clear()
            elif grand is root:
                section = names.get(parent.tag) or _local(parent.tag)
                if SECTIONS.get(section) == name:
                    yield Item(section, _record(element))
                    _forget(element)
    except etree.XMLSyntaxError as problem:
        line, column = problem.position
        raise MspdiSyntaxError(
            "mspdi_malformed", f"the XML is not well formed: {problem.msg}", line, column
        ) from None
    if root is None:
        top = getattr(parser, "root", None)
        if top is None:
            raise MspdiSyntaxError("mspdi_malformed", "the file is empty", 1, 1)
        raise MspdiSyntaxError(
            "mspdi_not_project",
            f"the root element is <{_local(top.tag)}>, not MS Project's "
            f'<Project xmlns="{NAMESPACE}">',
            _line(top) or 1,
            1,
        )


def _header(root: etree._Element, stop: etree._Element | None) -> Iterator[Item]:
    """The project's simple fields: the root's leaf children before its first collection."""
    for kid in root:
        if kid is stop:
            return
        if isinstance(kid.tag, str) and len(kid) == 0:
            name = _local(kid.tag)
            yield Item("Project", Record(name, _line(kid), {name: _text(kid)}))


def _line(element: etree._Element) -> int:
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else 0


def _text(element: etree._Element) -> str:
    return element.text or ""


def _forget(element: etree._Element) -> None:
    """Free a handled element and the siblings before it, which iterparse keeps otherwise."""
    element.clear()
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]
