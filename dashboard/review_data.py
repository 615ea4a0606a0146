"""The dashboard's data access for appeals and calibration sessions (embedded mode, like
``dashboard.data``): the API's service functions with the same permissions and the same scoping
(an agent appeals and sees only their own calls; an inspector sees only their own blind answers)."""

from __future__ import annotations

import streamlit as st
from sqlmodel import select

from dashboard.data import TTL, can, changed, check, session, settings, user
from qa_engine import pii, policy
from qa_engine.api.services import appeals as appeal_svc
from qa_engine.api.services import calibration as calib_svc
from qa_engine.api.services import calls as calls_svc
from qa_engine.storage.app_models import User

# Errors a page shows as a message (window closed, already appealed, unanswered findings, ...).
Refused = (appeal_svc.AppealError, appeal_svc.AppealNotFound, calib_svc.CalibrationError,
           calib_svc.CalibrationInputError, calib_svc.CalibrationNotFound, calib_svc.CalibrationHidden)


# --- appeals ---------------------------------------------------------------------------------
@st.cache_data(ttl=TTL)
def _appeals(status: str | None, agent_id: str | None, call_id: str | None) -> list[dict]:
    with session() as s:
        call = calls_svc.get_call(s, call_id=call_id) if call_id else None
        return appeal_svc.list_appeals(s, status=status, agent_id=agent_id, call=call)


def appeals(status: str | None = None, call_id: str | None = None) -> list[dict]:
    """Appeals, newest first; an agent's own only; redacted as the API does for roles without
    ``pii.read`` (after the shared cache, which holds them whole)."""
    agent = policy.own_agent_id(user().get("role"), user().get("agent_id"), None)
    if user().get("role") == "agent" and not agent:
        return []
    rows = _appeals(status, agent, call_id)
    return rows if can(policy.PII_READ) else [pii.redact_appeal(a) for a in rows]


def file_appeal(call_id: str, finding_id: int, reason: str) -> None:
    check(policy.APPEAL_CREATE)
    with session() as s:
        call = calls_svc.get_call(s, call_id=call_id)
        if call is None or not policy.may_see_call(user()["role"], user().get("agent_id"), call.agent_id):
            raise appeal_svc.AppealNotFound(f"no call {call_id}")
        appeal_svc.file_appeal(s, call=call, finding_id=finding_id, reason=reason, username=user()["username"],
                               agent_id=user().get("agent_id"), window_days=settings().appeal_window_days)
    changed()


def decide_appeal(appeal_id: int, decision: str, comment: str) -> None:
    check(policy.APPEAL_DECIDE)
    with session() as s:
        appeal_svc.decide(s, appeal_id=appeal_id, decision=decision, comment=comment, username=user()["username"])
    changed()


# --- calibration -----------------------------------------------------------------------------
def is_calibration_manager() -> bool:
    return can(policy.CALIBRATION_MANAGE)


@st.cache_data(ttl=TTL)
def _calibration_sessions(username: str, manager: bool) -> list[dict]:
    with session() as s:
        return calib_svc.list_sessions(s, username=username, manager=manager)


def calibration_sessions() -> list[dict]:
    check(policy.REVIEW_WRITE)
    return _calibration_sessions(user()["username"], is_calibration_manager())


@st.cache_data(ttl=TTL)
def reviewers() -> list[str]:
    """Active users who may review: the inspectors a session can have."""
    with session() as s:
        users = s.exec(select(User).where(User.active).order_by(User.username))
        return [u.username for u in users if policy.allows(u.role, policy.REVIEW_WRITE)]


def create_calibration(title: str, call_ids: list[str], inspectors: list[str]) -> int:
    check(policy.CALIBRATION_MANAGE)
    with session() as s:
        row = calib_svc.create_session(s, title=title, call_ids=call_ids, inspectors=inspectors,
                                       username=user()["username"])
        session_id = row.id
    changed()
    return session_id


def assignment(session_id: int) -> dict:
    """Not cached: it is the user's own, changing with every answer."""
    check(policy.REVIEW_WRITE)
    with session() as s:
        return calib_svc.assignment(s, session_id=session_id, username=user()["username"])


def save_answers(session_id: int, call_id: str, answers: list[dict]) -> None:
    check(policy.REVIEW_WRITE)
    with session() as s:
        calib_svc.save_answers(s, session_id=session_id, username=user()["username"], call_id=call_id, answers=answers)
    changed()


def submit_calibration(session_id: int) -> None:
    check(policy.REVIEW_WRITE)
    with session() as s:
        calib_svc.submit(s, session_id=session_id, username=user()["username"])
    changed()


def calibration_report(session_id: int, drift_margin: float = 0.15) -> dict:
    check(policy.REVIEW_WRITE)
    with session() as s:
        return calib_svc.session_report(s, session_id=session_id, username=user()["username"],
                                        manager=is_calibration_manager(), drift_margin=drift_margin)
