"""Pydantic validation errors as our diagnostics, with stable codes and document paths."""

from __future__ import annotations

from pydantic import ValidationError

from plansmith.domain.diagnostics import Diagnostic, DocPath, error

# Pydantic's own error types mapped to our stable codes; our validators already raise ours.
_PYDANTIC_CODES = {
    "missing": "missing_key",
    "extra_forbidden": "unknown_key",
    "literal_error": "invalid_value",
    "greater_than": "invalid_value",
    "greater_than_equal": "invalid_value",
    "less_than": "invalid_value",
    "less_than_equal": "invalid_value",
    "decimal_parsing": "invalid_value",
    "date_parsing": "invalid_date",
    "date_from_datetime_parsing": "invalid_date",
}


# Codes our own validators raise (see plan_schema); anything else from Pydantic is mapped.
_OWN_CODES = frozenset(
    {
        "invalid_value",
        "invalid_date",
        "invalid_time_range",
        "invalid_timezone",
        "invalid_currency",
        "invalid_duration",
        "missing_key",
        "unknown_key",
        # the systems inventory (io/inventory_schema.py)
        "invalid_rrule",
        "unknown_window",
        "duplicate_id",
    }
)


def pydantic_diagnostics(exc: ValidationError) -> list[Diagnostic]:
    out = []
    for item in exc.errors(include_url=False):
        kind = item["type"]
        loc: DocPath = tuple(item["loc"])
        if kind == "missing":
            where = _describe(loc[:-1])
            out.append(
                error("missing_key", f"{where} is missing required key '{loc[-1]}'", None, loc[:-1])
            )
            continue
        if kind == "extra_forbidden":
            out.append(error("unknown_key", f"unknown key '{loc[-1]}'", None, loc))
            continue
        ctx = item.get("ctx") or {}
        if "at" in ctx:  # our validators name the offending key or index inside the value
            loc = (*loc, ctx["at"])
        if kind in _OWN_CODES:
            code = kind
        elif kind in _PYDANTIC_CODES:
            code = _PYDANTIC_CODES[kind]
        elif kind.endswith("_type") or "parsing" in kind:
            code = "invalid_type"
        else:
            code = "invalid_value"
        message = item["msg"].removeprefix("Value error, ")
        out.append(error(code, f"{_describe(loc)}: {message}", None, loc))
    return out


def _describe(loc: DocPath) -> str:
    return ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in loc) or "plan"
