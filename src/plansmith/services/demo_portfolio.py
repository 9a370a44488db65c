"""The demo's proposals, scoring model and technology evaluation, so that a first look at the
Proposals and Evaluations pages finds a pipeline in every stage and a decided evaluation.

They come from ``storage/demo/portfolio.yaml``, the same file format ``plansmith evaluate``
reads, checked by the same schema. The approved proposal is the one the data-centre migration
project was made of.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

import plansmith.storage
from plansmith.io.plan_writer import spec_document
from plansmith.io.portfolio_file import PortfolioFileSpec
from plansmith.io.yaml_source import YamlSource
from plansmith.storage import tables as t
from plansmith.storage.plans import now
from plansmith.storage.tables_portfolio import Evaluation, Proposal, ScoringModel

DEMO_FILE = "portfolio.yaml"
MADE_INTO = {"columbus-exit": "dc-migration-2027"}  # approved proposal -> its project


def load_demo_portfolio(session: Session) -> None:
    """Add the demo's proposals and evaluations (those not there yet), in the caller's
    transaction. The file ships with Plansmith and is tested, so it is trusted to be valid."""
    path = plansmith.storage.__file__.removesuffix("__init__.py") + f"demo/{DEMO_FILE}"
    with open(path, encoding="utf-8") as handle:
        data, _ = YamlSource(path, handle.read()).load()
    spec = PortfolioFileSpec.model_validate(data)
    stamp = now()
    if session.scalar(select(ScoringModel.id).where(ScoringModel.key == "default")) is None:
        session.add(ScoringModel(key="default", spec=spec_document(spec.scoring), updated_at=stamp))
    have = set(session.scalars(select(Proposal.key)))
    for proposal in spec.proposals:
        if proposal.id in have:
            continue
        project = MADE_INTO.get(proposal.id)
        project_id = (
            session.scalar(select(t.Project.id).where(t.Project.key == project))
            if project
            else None
        )
        document = {k: v for k, v in spec_document(proposal).items() if k not in {"id", "status"}}
        session.add(
            Proposal(
                key=proposal.id,
                title=proposal.title,
                status=proposal.status,
                spec=document,
                project_id=project_id,
                created_at=stamp,
                updated_at=stamp,
            )
        )
    known = set(session.scalars(select(Evaluation.key)))
    for evaluation in spec.evaluations:
        if evaluation.id not in known:
            document = {k: v for k, v in spec_document(evaluation).items() if k != "id"}
            session.add(
                Evaluation(
                    key=evaluation.id,
                    title=evaluation.title,
                    spec=document,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
    session.flush()
