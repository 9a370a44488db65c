"""The commented starter plan behind ``plansmith new``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from importlib.resources import files
from string import Template


def plan_id(name: str) -> str:
    """A file and project id from a name: lower case, words joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "project"


def render_starter(name: str, start: date, filename: str) -> str:
    template = Template(files("plansmith.io").joinpath("templates/starter.yaml").read_text("utf-8"))
    return template.substitute(
        name=name.replace('"', "'"),
        id=plan_id(name),
        filename=filename,
        start=start.isoformat(),
        holiday=(start + timedelta(days=17)).isoformat(),
        vacation_from=(start + timedelta(days=21)).isoformat(),
        vacation_to=(start + timedelta(days=25)).isoformat(),
        deadline=(start + timedelta(days=60)).isoformat(),
    )
