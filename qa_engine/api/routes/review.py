from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from qa_engine import pii, policy
from qa_engine.api.deps import Reviewer, RowId, SessionDep, TeamReader, visible_call
from qa_engine.api.schemas import AgreementRow, AuditPublic, FinaliseIn, ReviewPublic, VerdictIn, VerdictPublic
from qa_engine.api.services import review as svc
from qa_engine.storage.app_models import ManualDeductionCreate, ManualDeductionPublic

router = APIRouter(tags=["review"])


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, str(exc))


@router.post("/calls/{call_id}/findings/{finding_id}/verdict", response_model=VerdictPublic)
def verdict(session: SessionDep, user: Reviewer, call_id: str, finding_id: RowId, body: VerdictIn):
    """Confirm or overturn one automatic finding, with a comment."""
    call = visible_call(session, user, call_id)
    try:
        row = svc.set_verdict(session, call=call, finding_id=finding_id, verdict=body.verdict, username=user.username,
                              comment=body.comment, human_outcome=body.human_outcome)
    except svc.ReviewError as exc:
        raise _bad(exc) from exc
    session.commit()
    return row


@router.post("/calls/{call_id}/deductions", response_model=ManualDeductionPublic, status_code=201)
def add_deduction(session: SessionDep, user: Reviewer, call_id: str, body: ManualDeductionCreate):
    """A manual deduction (points, reason, optionally a rule and a moment)."""
    call = visible_call(session, user, call_id)
    try:
        row = svc.add_deduction(session, call=call, deduction_in=body, username=user.username)
    except svc.ReviewError as exc:
        raise _bad(exc) from exc
    session.commit()
    return row


@router.delete("/calls/{call_id}/deductions/{deduction_id}", status_code=204)
def remove_deduction(session: SessionDep, user: Reviewer, call_id: str, deduction_id: RowId) -> None:
    call = visible_call(session, user, call_id)
    try:
        svc.remove_deduction(session, call=call, deduction_id=deduction_id, username=user.username)
    except svc.ReviewError as exc:
        raise _bad(exc) from exc
    session.commit()


def _review_public(call, review) -> ReviewPublic:
    return ReviewPublic(call_id=call.call_id, status=review.status, auto_score=review.auto_score,
                        final_score=review.final_score, reviewer=review.reviewer, finalised_at=review.finalised_at,
                        comment=review.comment)


@router.post("/calls/{call_id}/finalise", response_model=ReviewPublic)
def finalise(session: SessionDep, user: Reviewer, call_id: str, body: FinaliseIn):
    """Fix the human score (default: the automatic score corrected by verdicts and deductions)."""
    call = visible_call(session, user, call_id)
    try:
        review = svc.finalise(session, call=call, username=user.username, final_score=body.final_score,
                              comment=body.comment)
    except svc.ReviewError as exc:
        raise _bad(exc) from exc
    session.commit()
    return _review_public(call, review)


@router.post("/calls/{call_id}/reopen", response_model=ReviewPublic)
def reopen(session: SessionDep, user: Reviewer, call_id: str, body: FinaliseIn):
    call = visible_call(session, user, call_id)
    review = svc.reopen(session, call=call, username=user.username, comment=body.comment)
    session.commit()
    return _review_public(call, review)


def _audit_for(user, rows) -> list[dict]:
    """Audit rows as ``user`` may read them: redacted for roles without ``pii.read`` (upload and
    correction records hold the caller's number; failed logins the client address)."""
    out = [AuditPublic.model_validate(r, from_attributes=True).model_dump() for r in rows]
    return out if policy.allows(user.role, policy.PII_READ) else [pii.redact_audit(e) for e in out]


@router.get("/calls/{call_id}/audit", response_model=list[AuditPublic])
def call_audit(session: SessionDep, user: TeamReader, call_id: str):
    """Every change to this call's review: who, when, what (team readers; agents have appeals)."""
    return _audit_for(user, svc.audit_history(session, call=visible_call(session, user, call_id)))


@router.get("/audit", response_model=list[AuditPublic])
def all_audit(session: SessionDep, user: TeamReader, limit: Annotated[int, Query(ge=1, le=2000)] = 200):
    return _audit_for(user, svc.audit_history(session, limit=limit))


@router.get("/review/agreement", response_model=list[AgreementRow])
def agreement(session: SessionDep, _user: TeamReader, date_from: date | None = None, date_to: date | None = None,
              min_reviews: int = 5, trust_level: float = 0.9):
    """Per rule: how often inspectors agree with the automatic outcome (which rules can be trusted)."""
    return svc.rule_agreement(session, date_from=date_from, date_to=date_to, min_reviews=min_reviews,
                              trust_level=trust_level)
