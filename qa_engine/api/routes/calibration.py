"""Calibration sessions: supervisors set them up and read the report; inspectors score blind."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from qa_engine import policy
from qa_engine.api.calibration_schemas import (
    AnswersIn,
    Assignment,
    CalibrationIn,
    CalibrationReport,
    CalibrationSessionPublic,
)
from qa_engine.api.deps import CalibrationManager, Reviewer, RowId, SessionDep
from qa_engine.api.services import calibration as svc

router = APIRouter(prefix="/calibration", tags=["calibration"])
_CODES = ((svc.CalibrationNotFound, status.HTTP_404_NOT_FOUND), (svc.CalibrationHidden, status.HTTP_403_FORBIDDEN),
          (svc.CalibrationInputError, 422), (svc.CalibrationError, status.HTTP_409_CONFLICT))
_ERRORS = tuple(cls for cls, _code in _CODES)


def _http(exc: Exception) -> HTTPException:
    return HTTPException(next(code for cls, code in _CODES if isinstance(exc, cls)), str(exc))


def _manager(user) -> bool:
    return policy.allows(user.role, policy.CALIBRATION_MANAGE)


@router.post("/sessions", response_model=CalibrationSessionPublic, status_code=201)
def create(session: SessionDep, user: CalibrationManager, body: CalibrationIn):
    """A session: the calls (each fixed to its current analysis) and 2+ inspectors who score them blind."""
    try:
        row = svc.create_session(session, title=body.title, call_ids=body.call_ids, inspectors=body.inspectors,
                                 username=user.username)
    except _ERRORS as exc:
        raise _http(exc) from exc
    session.commit()
    return svc.summary(session, row)


@router.get("/sessions", response_model=list[CalibrationSessionPublic])
def sessions(session: SessionDep, user: Reviewer):
    """Every session for supervisors and admins; an inspector's own assignments otherwise."""
    return svc.list_sessions(session, username=user.username, manager=_manager(user))


@router.get("/sessions/{session_id}/assignment", response_model=Assignment)
def assignment(session: SessionDep, user: Reviewer, session_id: RowId):
    """The calls' findings to score, blind: the rule only, and the user's own answers."""
    try:
        return svc.assignment(session, session_id=session_id, username=user.username)
    except _ERRORS as exc:
        raise _http(exc) from exc


@router.put("/sessions/{session_id}/calls/{call_id}/answers", response_model=Assignment)
def answer(session: SessionDep, user: Reviewer, session_id: RowId, call_id: str, body: AnswersIn):
    """Pass, fail or n/a for findings of one call (replacing earlier answers until submitted)."""
    try:
        svc.save_answers(session, session_id=session_id, username=user.username, call_id=call_id,
                         answers=[a.model_dump() for a in body.answers])
    except _ERRORS as exc:
        raise _http(exc) from exc
    session.commit()
    return svc.assignment(session, session_id=session_id, username=user.username)


@router.post("/sessions/{session_id}/submit", response_model=Assignment)
def submit(session: SessionDep, user: Reviewer, session_id: RowId):
    """Freeze the user's answers (409 naming the unanswered findings)."""
    try:
        svc.submit(session, session_id=session_id, username=user.username)
    except _ERRORS as exc:
        raise _http(exc) from exc
    session.commit()
    return svc.assignment(session, session_id=session_id, username=user.username)


@router.get("/sessions/{session_id}/report", response_model=CalibrationReport)
def report(session: SessionDep, user: Reviewer, session_id: RowId,
           drift_margin: Annotated[float, Query(ge=0, le=1)] = 0.15):
    """Agreement per rule, per inspector and per both, between inspectors and with the automatic
    outcomes, and who drifts; submitted answers only. A participant sees it after submitting (403 before)."""
    try:
        return svc.session_report(session, session_id=session_id, username=user.username, manager=_manager(user),
                                  drift_margin=drift_margin)
    except _ERRORS as exc:
        raise _http(exc) from exc
