"""Re-review: a new analysis that differs on a finding an inspector judged marks the call.

What the inspector judged, per rule: the automatic outcome they gave their newest verdict on, and,
when the review was finalised, every finding of the analysis it was finalised on (signing off a
review accepts its findings). A rule whose new outcome differs, or that the new analysis lacks, is a
reason; the call keeps its verdicts and final score and waits in the review queue for an inspector.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from qa_engine.storage.app_models import FindingVerdict, Review
from qa_engine.storage.audit import audit
from qa_engine.storage.models import Analysis, Call, FindingRow

ACTOR = "qa-engine"  # the audit log's name for the automatic analysis


def judged_outcomes(session: Session, call: Call) -> dict[str, dict]:
    """Rule id → {"judged_outcome", "human_outcome", "analysis_id"} for what an inspector judged."""
    judged: dict[str, dict] = {}
    review = session.get(Review, call.id)
    if review is not None and review.status == "final" and review.analysis_id is not None:
        for f in session.exec(select(FindingRow).where(FindingRow.analysis_id == review.analysis_id)):
            judged[f.rule_id] = {"judged_outcome": f.outcome, "human_outcome": None, "analysis_id": f.analysis_id}
    verdicts = session.exec(select(FindingVerdict, FindingRow.analysis_id)
                            .join(FindingRow, col(FindingRow.id) == col(FindingVerdict.finding_id))
                            .where(FindingVerdict.call_pk == call.id).order_by(FindingVerdict.finding_id))
    for v, analysis_id in verdicts:  # newest finding last: its verdict wins
        judged[v.rule_id] = {"judged_outcome": v.auto_outcome, "human_outcome": v.human_outcome, "analysis_id": analysis_id}
    return judged


def differences(judged: dict[str, dict], new_findings: list[FindingRow]) -> list[dict]:
    """The judged rules whose outcome in the new analysis differs (``new_outcome`` None: rule gone)."""
    new = {f.rule_id: f.outcome for f in new_findings}
    return [{"rule_id": rule_id, **j, "new_outcome": new.get(rule_id)}
            for rule_id, j in sorted(judged.items()) if new.get(rule_id) != j["judged_outcome"]]


def is_judged(session: Session, analysis: Analysis) -> bool:
    """An inspector gave a verdict on one of its findings, or the call's review is based on it."""
    verdict = session.exec(select(FindingVerdict.id).join(FindingRow, col(FindingRow.id) == col(FindingVerdict.finding_id))
                           .where(FindingRow.analysis_id == analysis.id)).first()
    review = session.exec(select(Review.call_pk).where(Review.analysis_id == analysis.id)).first()
    return verdict is not None or review is not None


def check_new_analysis(session: Session, *, call: Call, analysis: Analysis, findings: list[FindingRow]) -> None:
    """Mark (or, when it agrees again, unmark) the call for re-review after ``analysis`` was stored."""
    if session.get(Review, call.id) is None:
        return  # nobody has judged this call
    reasons = differences(judged_outcomes(session, call), findings)
    if reasons and not call.rereview:
        audit(session, username=ACTOR, action="review.rereview", entity="call", entity_id=call.call_id, call_pk=call.id,
              detail={"analysis_id": analysis.id, "ruleset_version": analysis.ruleset_version,
                      "revision": analysis.revision, "findings": reasons})
    call.rereview, call.rereview_reasons = bool(reasons), reasons
    session.add(call)
