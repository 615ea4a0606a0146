"""An analysis's findings as the call page shows them: the rule's titles and the inspector's verdict
beside each. Its own module because both the call detail (``calls``) and the suggested score
(``review``) read them, and ``calls`` imports ``review``."""

from __future__ import annotations

from sqlmodel import Session, select

from qa_engine.api.services import catalog
from qa_engine.storage.app_models import FindingVerdict
from qa_engine.storage.models import FindingRow


def analysis_findings(session: Session, analysis_id: int) -> list[dict]:
    """The analysis's findings in order, each with its rule's titles and the inspector's verdict (or None)."""
    rows = session.exec(select(FindingRow, FindingVerdict).outerjoin(FindingVerdict, FindingVerdict.finding_id == FindingRow.id)
                        .where(FindingRow.analysis_id == analysis_id).order_by(FindingRow.id))
    titles = catalog.rule_titles()
    return [catalog.with_title(_finding_dict(f, v), titles) for f, v in rows]


def _finding_dict(f: FindingRow, v) -> dict:
    return {
        "id": f.id, "rule_id": f.rule_id, "outcome": f.outcome, "message": f.message, "evidence": f.evidence,
        "section": f.section, "weight": f.weight, "critical": f.critical, "rule_version": f.rule_version,
        "rule_hash": f.rule_hash,
        "verdict": None if v is None else {"verdict": v.verdict, "human_outcome": v.human_outcome,
                                           "comment": v.comment, "reviewer": v.reviewer, "at": v.updated_at},
    }
