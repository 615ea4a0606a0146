"""Coaching sessions: chosen calls or moments, a target rule, assignments and before/after results."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field
from sqlalchemy import func
from sqlmodel import Session, select

from qa_engine.api.services.review import audit
from qa_engine.storage.app_models import (CoachingAssignment, CoachingMoment, CoachingMomentBase, CoachingSession,
                                          CoachingSessionBase)
from qa_engine.storage.models import Call, FindingRow, utcnow


class CoachingSessionCreate(CoachingSessionBase):
    moments: list[CoachingMomentBase] = Field(default_factory=list)
    agent_ids: list[str] = Field(default_factory=list)


class CoachingError(ValueError):
    pass


def create_session(session: Session, *, data: CoachingSessionCreate, username: str) -> CoachingSession:
    """A session with its moments and assignments, in one go."""
    row = CoachingSession.model_validate(data.model_dump(exclude={"moments", "agent_ids"}), update={"created_by": username})
    session.add(row)
    session.flush()
    for moment in data.moments:
        add_moment(session, coaching=row, moment=moment, username=username)
    assign(session, coaching=row, agent_ids=data.agent_ids, username=username)
    audit(session, username=username, action="coaching.create", entity="coaching", entity_id=row.id,
          detail={"title": row.title, "target_rule": row.target_rule})
    return row


def add_moment(session: Session, *, coaching: CoachingSession, moment: CoachingMomentBase, username: str) -> CoachingMoment:
    call = session.exec(select(Call).where(Call.call_id == moment.call_id)).first()
    if call is None:
        raise CoachingError(f"unknown call {moment.call_id}")
    if moment.start is not None and moment.end is not None and moment.end <= moment.start:
        raise CoachingError("a moment's end must be after its start")
    row = CoachingMoment.model_validate(moment, update={"session_id": coaching.id, "call_pk": call.id})
    session.add(row)
    session.flush()
    return row


def assign(session: Session, *, coaching: CoachingSession, agent_ids: list[str], username: str) -> list[CoachingAssignment]:
    """Assign agents (already assigned ones are left as they are)."""
    out = []
    for agent_id in dict.fromkeys(agent_ids):
        row = session.exec(select(CoachingAssignment).where(CoachingAssignment.session_id == coaching.id,
                                                            CoachingAssignment.agent_id == agent_id)).first()
        if row is None:
            row = CoachingAssignment(session_id=coaching.id, agent_id=agent_id)
            session.add(row)
            audit(session, username=username, action="coaching.assign", entity="coaching", entity_id=coaching.id,
                  detail={"agent_id": agent_id})
        out.append(row)
    session.flush()
    return out


def complete(session: Session, *, coaching: CoachingSession, agent_id: str, username: str) -> CoachingAssignment:
    row = session.exec(select(CoachingAssignment).where(CoachingAssignment.session_id == coaching.id,
                                                        CoachingAssignment.agent_id == agent_id)).first()
    if row is None:
        raise CoachingError(f"agent {agent_id} is not assigned to this session")
    row.status, row.completed_at = "completed", utcnow()
    session.add(row)
    audit(session, username=username, action="coaching.complete", entity="coaching", entity_id=coaching.id,
          detail={"agent_id": agent_id})
    session.flush()
    return row


def list_sessions(session: Session, *, agent_id: str | None = None) -> list[dict]:
    stmt = select(CoachingSession).order_by(CoachingSession.created_at.desc(), CoachingSession.id.desc())
    if agent_id:
        stmt = stmt.join(CoachingAssignment, CoachingAssignment.session_id == CoachingSession.id).where(
            CoachingAssignment.agent_id == agent_id)
    out = []
    for row in session.exec(stmt):
        assignments = _assignments(session, row.id)
        done = sum(1 for a in assignments if a.status == "completed")
        out.append(row.model_dump() | {"assigned": len(assignments), "completed": done})
    return out


def _assignments(session: Session, session_id: int) -> list[CoachingAssignment]:
    return list(session.exec(select(CoachingAssignment).where(CoachingAssignment.session_id == session_id)
                             .order_by(CoachingAssignment.agent_id)))


def session_detail(session: Session, *, coaching: CoachingSession) -> dict:
    moments = session.exec(select(CoachingMoment, Call.agent_id).join(Call, Call.id == CoachingMoment.call_pk)
                           .where(CoachingMoment.session_id == coaching.id).order_by(CoachingMoment.id))
    return coaching.model_dump() | {
        "moments": [m.model_dump() | {"agent_id": agent} for m, agent in moments],
        "assignments": [a.model_dump() for a in _assignments(session, coaching.id)],
        "comparison": before_after(session, coaching=coaching),
    }


def agent_view(detail: dict, agent_id: str | None) -> dict:
    """A session detail as an assigned agent sees it: their own moments, assignment and before/after
    results only, not their colleagues' (a session is often shared by a whole team). A new dict."""
    def own(rows: list[dict]) -> list[dict]:
        return [r for r in rows if agent_id is not None and r["agent_id"] == agent_id]

    return detail | {k: own(detail[k]) for k in ("moments", "assignments", "comparison")}


def _rule_stats(session: Session, agent_id: str, rule_id: str, start, end) -> dict:
    stmt = (select(FindingRow.outcome, func.count()).join(Call, Call.current_analysis_id == FindingRow.analysis_id)
            .where(Call.agent_id == agent_id, FindingRow.rule_id == rule_id, FindingRow.outcome != "n/a")
            .group_by(FindingRow.outcome))
    if start is not None:
        stmt = stmt.where(Call.local_date >= start)
    if end is not None:
        stmt = stmt.where(Call.local_date < end)
    counts = dict(session.exec(stmt).all())
    n = sum(counts.values())
    fails = counts.get("fail", 0)
    return {"calls": n, "fails": fails, "fail_rate": round(fails / n, 3) if n else None}


def before_after(session: Session, *, coaching: CoachingSession, window_days: int = 30) -> list[dict]:
    """For each assigned agent, the target rule's fail rate in the ``window_days`` before the session
    and from the agent's completion (or the session date) on."""
    if not coaching.target_rule:
        return []
    pivot_default = coaching.scheduled_on or coaching.created_at.date()
    out = []
    for a in _assignments(session, coaching.id):
        pivot = a.completed_at.date() if a.completed_at else pivot_default
        # A pivot in the first days of year 1 has its window start with the calendar.
        window_start = pivot - timedelta(days=window_days) if pivot > date.min + timedelta(days=window_days) else date.min
        before = _rule_stats(session, a.agent_id, coaching.target_rule, window_start, pivot)
        after = _rule_stats(session, a.agent_id, coaching.target_rule, pivot, None)
        change = None
        if before["fail_rate"] is not None and after["fail_rate"] is not None:
            change = round(after["fail_rate"] - before["fail_rate"], 3)
        out.append({"agent_id": a.agent_id, "status": a.status, "pivot": pivot, "before": before, "after": after,
                    "change": change})
    return out
