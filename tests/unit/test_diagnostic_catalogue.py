"""The diagnostic codes are a contract: every code the source can emit is documented and tested.

The codes are collected from the source with ``ast`` (the code argument of ``error``, ``warning``,
``PydanticCustomError`` and the loader's helpers, and names assigned to ``code``), so adding a code
without documenting and testing it fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import plansmith

SRC = Path(plansmith.__file__).parent
ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"

# function name -> index of its code argument
CODE_ARGUMENT = {
    "error": 0,
    "warning": 0,
    "_error": 0,
    "PydanticCustomError": 0,
    "_unreadable": 1,
    "read_text": 1,
}
CODE_ARGUMENT_METHOD = {"_at": 1}


def _strings(node: ast.AST) -> set[str]:
    """The codes an expression can evaluate to: a constant, or either branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} if re.fullmatch(r"[a-z]+(_[a-z]+)*", node.value) else set()
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def emitted_codes() -> set[str]:
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                table = CODE_ARGUMENT if isinstance(func, ast.Name) else CODE_ARGUMENT_METHOD
                if name == "_error" and isinstance(func, ast.Attribute):
                    table = CODE_ARGUMENT
                index = table.get(name)
                if index is not None and len(node.args) > index:
                    codes |= _strings(node.args[index])
                codes |= {c for k in node.keywords if k.arg == "code" for c in _strings(k.value)}
            elif isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if targets in (["code"], ["default_code"]) and not isinstance(node.value, ast.Call):
                    codes |= _strings(node.value)
                if targets == ["_PYDANTIC_CODES"] and isinstance(node.value, ast.Dict):
                    codes |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return codes


def test_the_scan_finds_codes_from_every_layer() -> None:
    codes = emitted_codes()
    # one from each place codes are made, so the scan itself cannot silently find nothing
    assert {
        "yaml_syntax",
        "plan_not_found",
        "missing_key",
        "invalid_timezone",
        "task_kind_missing",
        "dependency_cycle",
        "no_common_working_time",
        "deadline_missed",
        "finish_no_later_than_missed",
        "horizon_exceeded",
    } <= codes


def test_every_emitted_code_is_documented() -> None:
    plan_doc = (ROOT / "docs" / "plan-format.md").read_text(encoding="utf-8")
    server_doc = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    sections = (
        plan_doc[plan_doc.index("## Diagnostics") :]
        + server_doc[server_doc.index("## Error codes") :]
    )
    documented = set(re.findall(r"`([a-z]+(?:_[a-z]+)*)`", sections))
    assert emitted_codes() - documented == set()


def test_every_emitted_code_has_a_test_asserting_it() -> None:
    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in TESTS.rglob("test_*.py")
        if p.name != Path(__file__).name
    )
    untested = {code for code in emitted_codes() if f'"{code}"' not in text}
    assert untested == set()
