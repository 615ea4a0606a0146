"""Appeals: an agent disputes a failed finding of their own call; an inspector or supervisor decides."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status

from qa_engine import pii, policy
from qa_engine.api.appeal_schemas import AppealIn, AppealPublic, DecisionIn
from qa_engine.api.deps import (
    AnyUser,
    AppealJudge,
    Appellant,
    RowId,
    SessionDep,
    SettingsDep,
    own_agent_filter,
    visible_call,
)
from qa_engine.api.services import appeals as svc

router = APIRouter(tags=["appeals"])


def _http(exc: Exception) -> HTTPException:
    code = status.HTTP_404_NOT_FOUND if isinstance(exc, svc.AppealNotFound) else status.HTTP_409_CONFLICT
    return HTTPException(code, str(exc))


def _for(user, rows: list[dict]) -> list[dict]:
    """Appeals as ``user`` may read them: finding messages and reasons quote the call, so they are
    redacted for roles without ``pii.read`` (agents, trainers)."""
    return rows if policy.allows(user.role, policy.PII_READ) else [pii.redact_appeal(a) for a in rows]


@router.post("/calls/{call_id}/findings/{finding_id}/appeal", response_model=AppealPublic, status_code=201)
def file_appeal(session: SessionDep, settings: SettingsDep, user: Appellant, call_id: str, finding_id: RowId,
                body: AppealIn):
    """The agent disputes a failed finding of their own call, within ``QA_APPEAL_WINDOW_DAYS`` of the
    analysis or the finalisation (409 naming the deadline after it; 409 for a second appeal)."""
    call = visible_call(session, user, call_id)
    try:
        row = svc.file_appeal(session, call=call, finding_id=finding_id, reason=body.reason, username=user.username,
                              agent_id=user.agent_id, window_days=settings.appeal_window_days)
    except (svc.AppealError, svc.AppealNotFound) as exc:
        raise _http(exc) from exc
    session.commit()
    return _for(user, [svc.appeal_dict(session, row)])[0]


@router.get("/calls/{call_id}/appeals", response_model=list[AppealPublic])
def call_appeals(session: SessionDep, user: AnyUser, call_id: str):
    """The call's appeals and their outcomes (an agent: their own calls only)."""
    return _for(user, svc.list_appeals(session, call=visible_call(session, user, call_id)))


@router.get("/appeals", response_model=list[AppealPublic])
def appeals(session: SessionDep, user: AnyUser, agent_id: str | None = None,
            status_: Annotated[Literal["pending", "upheld", "overturned"] | None, Query(alias="status")] = None):
    """Appeals, newest first; ``status=pending`` is the inspectors' queue. Agents see their own only."""
    return _for(user, svc.list_appeals(session, status=status_, agent_id=own_agent_filter(user, agent_id)))


@router.post("/appeals/{appeal_id}/decision", response_model=AppealPublic)
def decide(session: SessionDep, user: AppealJudge, appeal_id: RowId, body: DecisionIn):
    """Uphold or overturn a pending appeal (409 once decided). Overturning makes the finding a pass:
    the suggested score, the final score (shifted by as much) and the agreement statistics follow."""
    try:
        row = svc.decide(session, appeal_id=appeal_id, decision=body.decision, comment=body.comment,
                         username=user.username)
    except (svc.AppealError, svc.AppealNotFound) as exc:
        raise _http(exc) from exc
    session.commit()
    return _for(user, [svc.appeal_dict(session, row)])[0]
