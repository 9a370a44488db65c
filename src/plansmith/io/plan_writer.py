"""Writing plans: a validated :class:`PlanSpec` back to a plan document and to YAML text.

The schema's value types print themselves the way a plan file writes them (see
:mod:`plansmith.io.schema_types`), so ``model_dump`` gives a plan document of plain JSON values;
defaults are left out, as a person would. Reading the written text gives the same spec again,
which is what makes database export, import and export give the same file.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from plansmith.io.plan_schema import PlanSpec
from plansmith.io.schema_types import Spec

_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")
# Numbers in YAML 1.2 (which the plan reader speaks) that PyYAML's 1.1 dumper would write plain,
# such as "1e5" or "0o7": quoted, or a task named "1e5" would read back as a number.
_YAML12_NUMBER = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+)$"
)


def spec_document(spec: Spec, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Any part of a plan (a task, a resource...) as the plan file writes it, without the
    fields in ``leave_out`` (left out while dumping: a summary task's children, say, are not
    written out only to be thrown away)."""
    return spec.model_dump(
        mode="json", by_alias=True, exclude_defaults=True, exclude=set(leave_out) or None
    )


def plan_document(spec: PlanSpec) -> dict[str, Any]:
    doc = spec_document(spec)
    if "tasks" in doc:
        doc["tasks"] = [_task_in_reading_order(task) for task in doc["tasks"]]
    return doc


_LEADING = ("id", "name")
_TRAILING = ("after", "depends", "assign", "children")


def _task_in_reading_order(task: dict[str, Any]) -> dict[str, Any]:
    """Id and name first, links and children last, as a person writes a task."""
    if "children" in task:
        task = {**task, "children": [_task_in_reading_order(kid) for kid in task["children"]]}
    head = {k: task[k] for k in _LEADING if k in task}
    tail = {k: task[k] for k in _TRAILING if k in task}
    body = {k: v for k, v in task.items() if k not in head and k not in tail}
    return {**head, **body, **tail}


class _PlanDumper(yaml.CSafeDumper):
    """Dates unquoted (the plan reader takes them as text either way), long text as blocks."""


def _represent_str(dumper: _PlanDumper, value: str) -> yaml.Node:
    if _DATE_LIKE.match(value) and _implicit(dumper, value) == _TIMESTAMP:
        # Plain, so every YAML reader sees a date; only what YAML itself reads as one (a
        # "2027-05-31T09:00" without seconds is not, and would need an explicit tag).
        return dumper.represent_scalar(_TIMESTAMP, value)
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _YAML12_NUMBER.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _implicit(dumper: _PlanDumper, value: str) -> str:
    tag: str = dumper.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag


_PlanDumper.add_representer(str, _represent_str)


def plan_yaml(document: dict[str, Any]) -> str:
    return yaml.dump(
        document,
        Dumper=_PlanDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
