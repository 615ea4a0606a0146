"""Appeals: an agent disputes a failed finding of their own call within a window; an inspector or
supervisor upholds or overturns it.

An overturned appeal is written as the finding's verdict (human outcome pass), so the suggested score
and the agreement statistics count it like an inspector's verdict. On a final review the final score
moves by as much as the suggested score moved, which keeps any manual adjustment the inspector made.
Everything is audited; an upheld appeal changes no score and no verdict.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlmodel import Session, select

from qa_engine.api.services import catalog
from qa_engine.api.services.review import get_review, suggested_score, write_verdict
from qa_engine.storage.app_models import FindingVerdict, Review
from qa_engine.storage.appeal_models import APPEAL_STATUSES, Appeal
from qa_engine.storage.audit import audit
from qa_engine.storage.models import Analysis, Call, FindingRow, utcnow

DECISIONS = ("upheld", "overturned")


class AppealError(ValueError):
    """An appeal or decision that does not fit the finding's state (HTTP 409)."""


class AppealNotFound(LookupError):
    """No such appeal or finding, or not the agent's own (HTTP 404)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def window_start(session: Session, *, call: Call, analysis: Analysis) -> tuple[datetime, str]:
    """When the appeal window opened: the analysis, or the finalisation when that came later."""
    review = session.get(Review, call.id)
    start, source = _aware(analysis.created_at), "analysis"
    if review is not None and review.finalised_at is not None and _aware(review.finalised_at) > start:
        start, source = _aware(review.finalised_at), "finalisation"
    return start, source


def _effective_outcome(session: Session, finding: FindingRow) -> str:
    verdict = session.exec(select(FindingVerdict).where(FindingVerdict.finding_id == finding.id)).first()
    return verdict.human_outcome if verdict else finding.outcome


def file_appeal(session: Session, *, call: Call, finding_id: int, reason: str, username: str, agent_id: str | None,
                window_days: int, now: datetime | None = None) -> Appeal:
    """The agent's appeal of one failed finding of the call's current analysis."""
    if agent_id is None or call.agent_id != agent_id:
        raise AppealNotFound(f"no call {call.call_id}")
    finding = session.get(FindingRow, finding_id)
    if finding is None or finding.call_pk != call.id:
        raise AppealNotFound(f"no finding {finding_id} on call {call.call_id}")
    if finding.analysis_id != call.current_analysis_id:
        raise AppealError(f"finding {finding_id} belongs to an older analysis of call {call.call_id}")
    if _effective_outcome(session, finding) != "fail":
        raise AppealError(f"finding {finding_id} ({finding.rule_id}) did not fail: there is nothing to appeal")
    earlier = session.exec(select(Appeal).where(Appeal.finding_id == finding_id)).first()
    if earlier is not None:
        raise AppealError(f"finding {finding_id} was already appealed (appeal {earlier.id}, {earlier.status})")
    reason = reason.strip()
    if not reason:
        raise AppealError("an appeal needs a reason")
    _check_window(session, call=call, analysis=session.get(Analysis, finding.analysis_id), window_days=window_days,
                  now=now or utcnow())
    row = Appeal(call_pk=call.id, finding_id=finding_id, analysis_id=finding.analysis_id, rule_id=finding.rule_id,
                 agent_id=agent_id, reason=reason, created_by=username)
    session.add(row)
    session.flush()
    audit(session, username=username, action="appeal.create", entity="appeal", entity_id=row.id, call_pk=call.id,
          detail={"finding_id": finding_id, "rule_id": finding.rule_id, "reason": reason})
    return row


def _check_window(session: Session, *, call: Call, analysis: Analysis, window_days: int, now: datetime) -> None:
    start, source = window_start(session, call=call, analysis=analysis)
    deadline = start + timedelta(days=window_days)
    if _aware(now) > deadline:
        raise AppealError(f"the appeal window closed on {deadline:%Y-%m-%d %H:%M} UTC, "
                          f"{window_days} days after the call's {source}")


def decide(session: Session, *, appeal_id: int, decision: str, comment: str, username: str) -> Appeal:
    """Uphold (the finding stands) or overturn (the finding becomes a pass) a pending appeal."""
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise AppealNotFound(f"no appeal {appeal_id}")
    if decision not in DECISIONS:
        raise AppealError(f"decision must be one of {DECISIONS}")
    _claim(session, appeal, decision=decision, username=username)
    call = session.get(Call, appeal.call_pk)
    before = _current_score(session, call)
    # Only an overturn is review work (a verdict), so only it opens a review on an unreviewed call.
    rescored = _overturn(session, call=call, review=get_review(session, call=call), appeal=appeal, comment=comment,
                         username=username) if decision == "overturned" else {}
    after = _current_score(session, call)
    appeal.decision_comment, appeal.score_before, appeal.score_after = comment, before, after
    session.add(appeal)
    audit(session, username=username, action=f"appeal.{decision}", entity="appeal", entity_id=appeal.id,
          call_pk=call.id, detail={"finding_id": appeal.finding_id, "rule_id": appeal.rule_id, "comment": comment,
                                   "score_before": before, "score_after": after, **rescored})
    session.flush()
    return appeal


def _claim(session: Session, appeal: Appeal, *, decision: str, username: str) -> None:
    """Decide the appeal only if it is still pending in the database, not just in ``appeal`` as read:
    one conditional UPDATE, so of two inspectors deciding at once the second gets AppealError (409)
    and writes no verdict."""
    decided = session.exec(update(Appeal).where(Appeal.id == appeal.id, Appeal.status == "pending")
                           .values(status=decision, decided_by=username, decided_at=utcnow())
                           .execution_options(synchronize_session=False))
    session.refresh(appeal)
    if decided.rowcount == 0:
        raise AppealError(f"appeal {appeal.id} was already {appeal.status} by {appeal.decided_by}")


def _current_score(session: Session, call: Call) -> float | None:
    review = session.get(Review, call.id)
    return review.final_score if review is not None and review.status == "final" else suggested_score(session, call=call)


def _overturn(session: Session, *, call: Call, review: Review, appeal: Appeal, comment: str, username: str) -> dict:
    """The finding becomes a pass: as a verdict relative to the automatic outcome (overturned when the
    engine failed it, confirmed when an inspector had failed an automatic pass), and a final score
    shifted by the change of the suggested score."""
    finding = session.get(FindingRow, appeal.finding_id)
    suggested_before = suggested_score(session, call=call)
    verdict = "overturned" if finding.outcome != "pass" else "confirmed"
    write_verdict(session, call=call, finding=finding, verdict=verdict, username=username, human_outcome="pass",
                  comment=f"appeal {appeal.id}: {comment}".rstrip(": "))
    suggested_after = suggested_score(session, call=call)
    if review.status != "final" or None in (review.final_score, suggested_before, suggested_after):
        return {}
    final_before = review.final_score
    review.final_score = round(min(100.0, max(0.0, final_before + suggested_after - suggested_before)), 2)
    review.updated_at = utcnow()
    session.add(review)
    return {"final_score_before": final_before, "final_score_after": review.final_score}


def list_appeals(session: Session, *, status: str | None = None, agent_id: str | None = None,
                 call: Call | None = None) -> list[dict]:
    """Appeals, newest first, with the call id, the rule's titles and the finding's message."""
    if status is not None and status not in APPEAL_STATUSES:
        raise AppealError(f"status must be one of {APPEAL_STATUSES}")
    stmt = (select(Appeal, Call.call_id, FindingRow.message, FindingRow.outcome)
            .join(Call, Call.id == Appeal.call_pk).join(FindingRow, FindingRow.id == Appeal.finding_id)
            .order_by(Appeal.created_at.desc(), Appeal.id.desc()))
    if status:
        stmt = stmt.where(Appeal.status == status)
    if agent_id:
        stmt = stmt.where(Appeal.agent_id == agent_id)
    if call is not None:
        stmt = stmt.where(Appeal.call_pk == call.id)
    titles = catalog.rule_titles()
    return [catalog.with_title(appeal.model_dump() | {"call_id": call_id, "finding_message": message,
                                                      "auto_outcome": outcome}, titles)
            for appeal, call_id, message, outcome in session.exec(stmt)]


def appeal_dict(session: Session, appeal: Appeal) -> dict:
    return next(a for a in list_appeals(session, call=session.get(Call, appeal.call_pk)) if a["id"] == appeal.id)
