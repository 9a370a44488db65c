"""The demo portfolio a new server shows, so that a first look finds real plans to explore.

Four fictional projects in the portfolio ``demo``: Harrow & Finch's ERP upgrade (money,
progress, actuals) and its shop-floor pilot, which share three people through a pool file and
so show the shared pool; Lumen's SaaS launch (risk register, a missed deadline); Northwind's
data-centre migration (calendars, constraints). The plan files ship in
``plansmith/storage/demo`` and are imported through the same checked path as any upload.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

import plansmith.storage
from plansmith.services.demo_portfolio import load_demo_portfolio
from plansmith.services.projects import import_plan_text, portfolio_named
from plansmith.storage import tables as t

DEMO_PORTFOLIO = "demo"
DEMO_NAME = "Demo portfolio"
DEMO_DESCRIPTION = (
    "Four fictional projects to explore Plansmith with: an ERP upgrade and a shop-floor pilot "
    "that share people, a SaaS launch that misses its deadline, and a data-centre migration."
)
# Import order: the pool's people are first stored with the ERP upgrade, then shared.
DEMO_PLANS = ("erp-upgrade.yaml", "mes-pilot.yaml", "pulse-launch.yaml", "dc-migration.yaml")


def demo_directory() -> Path:
    return Path(plansmith.storage.__file__).parent / "demo"


def load_demo(session: Session) -> list[t.Project]:
    """Import the demo plans into the ``demo`` portfolio, in the caller's transaction."""
    portfolio = portfolio_named(session, DEMO_PORTFOLIO, DEMO_NAME)
    if not portfolio.description:
        portfolio.description = DEMO_DESCRIPTION
    folder = demo_directory()
    projects = [
        import_plan_text(
            session, (folder / name).read_text(encoding="utf-8"), str(folder / name), DEMO_PORTFOLIO
        )
        for name in DEMO_PLANS
    ]
    load_demo_portfolio(session)  # proposals and an evaluation, after the project one made
    return projects
