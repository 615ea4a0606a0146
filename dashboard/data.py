"""The dashboard's data access (embedded mode).

The dashboard reads and writes the same database as the API through the same service functions
(``qa_engine.api.services`` and, for the CRM, ``crm.services``), so it holds no business logic and
needs no HTTP round trip. Reads are cached briefly with ``st.cache_data``; every write clears them.
Roles are checked here with the same rules as the API (agents: own calls only).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import streamlit as st
from sqlmodel import Session

from qa_engine import bleep, pii, policy, retention
from qa_engine.api.services import calls as calls_svc
from qa_engine.api.services import catalog
from qa_engine.api.services import coaching as coaching_svc
from qa_engine.api.services import accounts, crm_panel
from qa_engine.api.services import review as review_svc
from qa_engine.api.services import scorecards as score_svc
from qa_engine.api.services.users import LoginBlocked, log_in  # noqa: F401 (LoginBlocked: for the pages)
from qa_engine.config import Settings, get_settings
from qa_engine.storage.app_models import CoachingSession, ManualDeductionCreate, UserPublic
from qa_engine.storage.db import get_engine

TTL = 30


@st.cache_resource
def settings() -> Settings:
    return get_settings()


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success (writes) and rolls back on error."""
    with Session(get_engine(settings()), expire_on_commit=False) as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


def changed() -> None:
    """Forget cached reads after a write."""
    st.cache_data.clear()


# --- users -----------------------------------------------------------------------------------
def login(username: str, password: str) -> dict | None:
    """The API's login policy (throttled, failures audited); raises LoginBlocked."""
    address = getattr(st.context, "ip_address", None)
    client = "dashboard:" + (address if isinstance(address, str) and address else "local")
    with session() as s:
        user = log_in(s, settings(), username=username, password=password, client=client)
        if user is None:
            return None
        return {"username": user.username, "role": user.role, "agent_id": user.agent_id, "full_name": user.full_name,
                "token_version": user.token_version, "login_at": time.time()}


def user() -> dict:
    return st.session_state.get("user") or {}


def end_stale_session() -> str | None:
    """Log out a session older than ``dashboard_session_minutes``, or whose user was disabled or had
    their password or role changed since logging in (one indexed lookup per page run). Returns why,
    as an i18n key, or None when the session goes on."""
    current = user()
    if not current:
        return None
    if time.time() - current.get("login_at", 0) > settings().dashboard_session_minutes * 60:
        reason = "session_expired"
    else:
        with session() as s:
            row = accounts.session_user(s, username=current["username"], token_version=current.get("token_version", -1))
        reason = None if row is not None else "session_ended"
    if reason:
        st.session_state.pop("user", None)
    return reason


def can(permission: str) -> bool:
    """The API's policy (``qa_engine.policy``) for the logged-in user."""
    return policy.allows(user().get("role"), permission)


def check(permission: str) -> None:
    policy.check(user().get("role"), permission)


def own_agent(agent_id: str | None) -> str | None:
    return policy.own_agent_id(user().get("role"), user().get("agent_id"), agent_id)


def can_review() -> bool:
    return can(policy.REVIEW_WRITE)


def can_coach() -> bool:
    return can(policy.COACHING_WRITE)


# --- accounts (admins) -----------------------------------------------------------------------
def list_users() -> list[dict]:
    check(policy.USERS_MANAGE)
    with session() as s:
        return [UserPublic.model_validate(u).model_dump() for u in accounts.list_users(s)]


def create_user(**fields) -> None:
    """``accounts.create_account`` as the logged-in admin; raises ``accounts.AccountError``."""
    _account_change(accounts.create_account, **fields)


def reset_password(username: str, password: str) -> None:
    _account_change(accounts.set_password, username=username, password=password)


def set_role(username: str, role: str, agent_id: str | None) -> None:
    _account_change(accounts.set_role, username=username, role=role, agent_id=agent_id)


def set_active(username: str, active: bool) -> None:
    _account_change(accounts.set_active, username=username, active=active)


def _account_change(change, **kwargs) -> None:
    check(policy.USERS_MANAGE)
    with session() as s:
        row = change(s, actor=user()["username"], **kwargs)
        if row.username == user()["username"]:  # an admin's own new password must not end this session
            st.session_state["user"] = dict(user(), token_version=row.token_version)


# --- calls -----------------------------------------------------------------------------------
@st.cache_data(ttl=TTL)
def list_calls(filters: dict, page: int = 1, page_size: int = 50, order: str = "queue",
               pii_read: bool = False) -> tuple[list[dict], int]:
    with session() as s:
        return calls_svc.list_calls(s, filters=calls_svc.CallFilters(**filters), page=page, page_size=page_size, order=order,
                                    pii_read=pii_read)


def calls(filters: dict, **kwargs) -> tuple[list[dict], int]:
    """A page of calls (agents: their own). With ``filters["q"]`` each has its transcript ``hits``, found
    in the text the user may see (redacted without PII_READ, so hidden digits never match). Filtering
    by the caller's number needs PII_READ, as in the API (it would confirm hidden digits by guessing)."""
    if filters.get("customer_number"):
        check(policy.PII_READ)
    items, total = list_calls(dict(filters, agent_id=own_agent(filters.get("agent_id"))), pii_read=can(policy.PII_READ),
                              **kwargs)
    return (items if can(policy.PII_READ) else [pii.redact_call_item(c) for c in items]), total


@st.cache_data(ttl=TTL)
def pickers() -> tuple[list[str], list[str]]:
    """Agent ids and rule ids for filter pickers (label them with ``ui.agent_label`` / ``ui.rule_label``)."""
    with session() as s:
        return calls_svc.agent_ids(s), calls_svc.rule_ids(s)


@st.cache_data(ttl=TTL)
def agent_directory() -> dict[str, dict]:
    """Agent id → {"name", "team"} from the agents table."""
    with session() as s:
        return catalog.agents(s)


@st.cache_data(ttl=TTL)
def rule_titles() -> dict[str, dict[str, str]]:
    """Rule id → {"zh", "en"} titles from the rule files."""
    return catalog.rule_titles()


@st.cache_data(ttl=TTL)
def section_titles() -> dict[str, str]:
    """Scorecard section (Chinese name) → English title."""
    return catalog.section_titles()


@st.cache_data(ttl=TTL)
def _call_detail(call_id: str) -> dict | None:
    with session() as s:
        call = calls_svc.get_call(s, call_id=call_id)
        return None if call is None else calls_svc.call_detail(s, call=call)


def call_detail(call_id: str) -> dict | None:
    d = _call_detail(call_id)
    if d is None or not policy.may_see_call(user().get("role"), user().get("agent_id"), d["call"]["agent_id"]):
        return None
    return d if can(policy.PII_READ) else pii.redact_call_detail(d)


@st.cache_data(ttl=TTL)
def _bleeped_audio(call_id: str) -> bytes | None:
    with session() as s:
        call = calls_svc.get_call(s, call_id=call_id)
        spans = calls_svc.pii_audio_spans(s, call=call)
        return bleep.bleeped_wav(Path(call.source_path), spans, settings()) if spans else None


def call_audio(call_id: str, source_path: str) -> str | bytes:
    """What the player plays: the recording, or for roles without PII_READ a WAV in which the spoken
    phone, ID-card and card numbers are bleeped (the API's audio route does the same)."""
    if can(policy.PII_READ):
        return source_path
    return _bleeped_audio(call_id) or source_path


def set_legal_hold(call_id: str, hold: bool, reason: str) -> None:
    check(policy.LEGAL_HOLD)
    with session() as s:
        retention.set_legal_hold(s, call=calls_svc.get_call(s, call_id=call_id), hold=hold,
                                 username=user()["username"], reason=reason)
    changed()


def _review_write(call_id: str, fn, **kwargs):
    check(policy.REVIEW_WRITE)
    with session() as s:
        result = fn(s, call=calls_svc.get_call(s, call_id=call_id), username=user()["username"], **kwargs)
    changed()
    return result


def set_verdict(call_id: str, finding_id: int, verdict: str, comment: str) -> None:
    _review_write(call_id, review_svc.set_verdict, finding_id=finding_id, verdict=verdict, comment=comment)


def add_deduction(call_id: str, points: float, reason: str) -> None:
    _review_write(call_id, review_svc.add_deduction, deduction_in=ManualDeductionCreate(points=points, reason=reason))


def finalise(call_id: str, final_score: float | None, comment: str) -> None:
    _review_write(call_id, review_svc.finalise, final_score=final_score, comment=comment)


def reopen(call_id: str) -> None:
    _review_write(call_id, review_svc.reopen)


def audit(call_id: str) -> list[dict]:
    """A call's audit history, as the API's ``GET /api/calls/{id}/audit``: team readers only,
    redacted for roles without ``pii.read`` (checked per user, outside the shared cache)."""
    check(policy.REPORTS_TEAM)
    rows = _audit_rows(call_id)
    return rows if can(policy.PII_READ) else [pii.redact_audit(a) for a in rows]


@st.cache_data(ttl=TTL)
def _audit_rows(call_id: str) -> list[dict]:
    with session() as s:
        call = calls_svc.get_call(s, call_id=call_id)
        return [a.model_dump() for a in review_svc.audit_history(s, call=call)]


@st.cache_data(ttl=TTL)
def agreement() -> list[dict]:
    with session() as s:
        return review_svc.rule_agreement(s)


# --- scorecards ------------------------------------------------------------------------------
@st.cache_data(ttl=TTL)
def _scorecard(day: date, agent_id: str | None) -> dict:
    with session() as s:
        return score_svc.scorecard(s, date_from=day, agent_id=agent_id)


def scorecard(day: date) -> dict:
    return _scorecard(day, own_agent(None))


@st.cache_data(ttl=TTL)
def _trends(end: date, weeks: int, agent_id: str | None) -> list[dict]:
    with session() as s:
        return score_svc.weekly_trends(s, end=end, weeks=weeks, agent_id=agent_id)


def trends(end: date, weeks: int = 8) -> list[dict]:
    return _trends(end, weeks, own_agent(None))


@st.cache_data(ttl=TTL)
def _most_failed(date_from: date, date_to: date, agent_id: str | None) -> list[dict]:
    with session() as s:
        return score_svc.most_failed_rules(s, date_from=date_from, date_to=date_to, agent_id=agent_id)


def most_failed(date_from: date, date_to: date) -> list[dict]:
    return _most_failed(date_from, date_to, own_agent(None))


@st.cache_data(ttl=TTL)
def latest_day() -> date | None:
    items, _n = list_calls({"status": "analysed"}, page=1, page_size=1, order="-started_at")
    return items[0]["local_date"] if items else None


export_csv = score_svc.export_csv
export_xlsx = score_svc.export_xlsx


# --- coaching --------------------------------------------------------------------------------
@st.cache_data(ttl=TTL)
def _sessions(agent_id: str | None) -> list[dict]:
    with session() as s:
        return coaching_svc.list_sessions(s, agent_id=agent_id)


def coaching_sessions() -> list[dict]:
    return _sessions(own_agent(None))


def coaching_detail(session_id: int) -> dict:
    """As the API's ``GET /api/coaching/{id}``: an agent sees only their own moments, assignment and
    results (filtered per user, outside the shared cache)."""
    detail = _coaching_detail(session_id)
    return coaching_svc.agent_view(detail, user().get("agent_id")) if user().get("role") == "agent" else detail


@st.cache_data(ttl=TTL)
def _coaching_detail(session_id: int) -> dict:
    with session() as s:
        return coaching_svc.session_detail(s, coaching=s.get(CoachingSession, session_id))


def create_coaching(data: dict) -> int:
    check(policy.COACHING_WRITE)
    with session() as s:
        row = coaching_svc.create_session(s, data=coaching_svc.CoachingSessionCreate(**data), username=user()["username"])
        session_id = row.id
    changed()
    return session_id


def complete_coaching(session_id: int, agent_id: str) -> None:
    if user().get("role") == "agent":
        agent_id = user()["agent_id"]
    else:
        check(policy.COACHING_WRITE)
    with session() as s:
        coaching_svc.complete(s, coaching=s.get(CoachingSession, session_id), agent_id=agent_id, username=user()["username"])
    changed()


# --- CRM -------------------------------------------------------------------------------------
@st.cache_data(ttl=TTL)
def _customer_panel(phone: str) -> dict | None:
    with session() as s:
        return crm_panel.customer_panel(s, phone=phone)


def customer_panel(phone: str) -> dict | None:
    """The CRM panel beside a call; None for roles that may not read the CRM (agents)."""
    return _customer_panel(phone) if can(policy.CRM_READ) else None


@st.cache_data(ttl=TTL)
def _crm(name: str, **kwargs):
    with session() as s:
        return crm_panel.call_service(s, name, **kwargs)


def crm(name: str, **kwargs):
    """A read-only ``crm.services`` function by name, as JSON-ready data (CRM readers only)."""
    check(policy.CRM_READ)
    return _crm(name, **kwargs)


@st.cache_data(ttl=TTL)
def _search_customers(query: str) -> list[dict]:
    with session() as s:
        return crm_panel.search_customers(s, query=query)


def search_customers(query: str) -> list[dict]:
    """The same search as ``GET /api/crm/customers?q=`` (CRM readers only): by phone number only with
    PII_READ, phones masked without it (after the shared cache)."""
    check(policy.CRM_READ)
    if crm_panel.phone_search(query):
        check(policy.PII_READ)
    hits = _search_customers(query)
    return hits if can(policy.PII_READ) else crm_panel.masked_phones(hits)


def run_rebates(month: str) -> list[dict]:
    """The same run as ``POST /api/crm/month-end/{month}/rebates``; a refusal raises ``CrmRefused``."""
    check(policy.CRM_MONTH_END)
    with session() as s:
        rows = crm_panel.run_month_end_rebates(s, month=month)
    changed()
    return rows
