from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from qa_engine.api.coaching_schemas import CoachingDetail, CoachingSummary
from qa_engine.api.deps import AnyUser, Coach, RowId, SessionDep
from qa_engine.api.schemas import AssignIn, CompleteIn
from qa_engine.api.services import coaching as svc
from qa_engine.storage.app_models import CoachingMomentBase, CoachingSession, User

router = APIRouter(tags=["coaching"])


def _session_for(session, user: User, session_id: int) -> CoachingSession:
    row = session.get(CoachingSession, session_id)
    assigned = row is not None and (user.role != "agent" or any(
        a["agent_id"] == user.agent_id for a in svc.session_detail(session, coaching=row)["assignments"]))
    if not assigned:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no coaching session {session_id}")
    return row


def _detail_for(session, user: User, coaching: CoachingSession) -> dict:
    """The session detail; an agent's own rows only (moments, assignment, results)."""
    detail = svc.session_detail(session, coaching=coaching)
    return svc.agent_view(detail, user.agent_id) if user.role == "agent" else detail


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(422, str(exc))


@router.get("/coaching", response_model=list[CoachingSummary])
def sessions(session: SessionDep, user: AnyUser) -> list[dict]:
    """Coaching sessions with their completion counts (agents: the sessions assigned to them)."""
    return svc.list_sessions(session, agent_id=user.agent_id if user.role == "agent" else None)


@router.post("/coaching", status_code=201, response_model=CoachingDetail)
def create(session: SessionDep, user: Coach, body: svc.CoachingSessionCreate) -> dict:
    """A session from chosen calls or moments (start/end), notes and a target rule, assigned to agents."""
    try:
        row = svc.create_session(session, data=body, username=user.username)
    except svc.CoachingError as exc:
        raise _bad(exc) from exc
    session.commit()
    return svc.session_detail(session, coaching=row)


@router.get("/coaching/{session_id}", response_model=CoachingDetail)
def detail(session: SessionDep, user: AnyUser, session_id: RowId) -> dict:
    """Moments, assignments with completion, and each agent's target-rule results before and after."""
    return _detail_for(session, user, _session_for(session, user, session_id))


@router.post("/coaching/{session_id}/moments", status_code=201, response_model=CoachingDetail)
def add_moment(session: SessionDep, user: Coach, session_id: RowId, body: CoachingMomentBase) -> dict:
    try:
        svc.add_moment(session, coaching=_session_for(session, user, session_id), moment=body, username=user.username)
    except svc.CoachingError as exc:
        raise _bad(exc) from exc
    session.commit()
    return svc.session_detail(session, coaching=_session_for(session, user, session_id))


@router.post("/coaching/{session_id}/assign", response_model=CoachingDetail)
def assign(session: SessionDep, user: Coach, session_id: RowId, body: AssignIn) -> dict:
    svc.assign(session, coaching=_session_for(session, user, session_id), agent_ids=body.agent_ids, username=user.username)
    session.commit()
    return svc.session_detail(session, coaching=_session_for(session, user, session_id))


@router.post("/coaching/{session_id}/complete", response_model=CoachingDetail)
def complete(session: SessionDep, user: AnyUser, session_id: RowId, body: CompleteIn) -> dict:
    """Mark an assignment completed: agents their own, trainers/supervisors/admins anyone's."""
    if user.role == "agent":
        agent_id = user.agent_id
    elif user.role in ("trainer", "supervisor", "admin") and body.agent_id:
        agent_id = body.agent_id
    else:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "name the agent (trainers, supervisors, admins only)")
    coaching = _session_for(session, user, session_id)
    try:
        svc.complete(session, coaching=coaching, agent_id=agent_id, username=user.username)
    except svc.CoachingError as exc:
        raise _bad(exc) from exc
    session.commit()
    return _detail_for(session, user, coaching)
