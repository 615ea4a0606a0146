"""Calibration sessions: a supervisor picks calls and inspectors; each inspector scores every finding
of those calls blind (no automatic outcome, no message, no verdicts, nobody else's answers), submits,
and the report compares the answers with each other and with the automatic outcomes.

Blindness: an inspector's assignment shows only their own answers; the report is for managers, and
for a participant only once they have submitted (their answers are then frozen). The report counts
submitted answers only, since drafts may still change.
"""

from __future__ import annotations

from sqlmodel import Session, select

from qa_engine import policy
from qa_engine.api.services import catalog
from qa_engine.api.services.calibration_stats import Answer, report
from qa_engine.api.services.users import get_user
from qa_engine.storage.audit import audit
from qa_engine.storage.calibration_models import (
    CalibrationAnswer,
    CalibrationCall,
    CalibrationInspector,
    CalibrationSession,
)
from qa_engine.storage.models import Call, FindingRow, utcnow

OUTCOMES = ("pass", "fail", "n/a")


class CalibrationError(ValueError):
    """An action that does not fit the session's state (HTTP 409)."""


class CalibrationInputError(ValueError):
    """A call or inspector named in the request that cannot be used (HTTP 422)."""


class CalibrationNotFound(LookupError):
    """No such session, or not one of the user's (HTTP 404)."""


class CalibrationHidden(PermissionError):
    """The report before the user has submitted their own answers (HTTP 403)."""


def create_session(session: Session, *, title: str, call_ids: list[str], inspectors: list[str],
                   username: str) -> CalibrationSession:
    """A session over ``call_ids`` (each fixed to its current analysis) for ``inspectors`` (2 or more
    active users who may review)."""
    title, call_ids, inspectors = title.strip(), list(dict.fromkeys(call_ids)), list(dict.fromkeys(inspectors))
    if not title:
        raise CalibrationInputError("a calibration session needs a title")
    if len(inspectors) < 2:
        raise CalibrationInputError("a calibration session needs at least two inspectors")
    calls = [_usable_call(session, c) for c in call_ids] or None
    if calls is None:
        raise CalibrationInputError("a calibration session needs at least one call")
    for name in inspectors:
        user = get_user(session, username=name)
        if user is None or not user.active or not policy.allows(user.role, policy.REVIEW_WRITE):
            raise CalibrationInputError(f"'{name}' is not an active user who may review calls")
    row = CalibrationSession(title=title, created_by=username)
    session.add(row)
    session.flush()
    session.add_all([CalibrationCall(session_id=row.id, call_pk=c.id, analysis_id=c.current_analysis_id) for c in calls])
    session.add_all([CalibrationInspector(session_id=row.id, username=name) for name in inspectors])
    audit(session, username=username, action="calibration.create", entity="calibration", entity_id=row.id,
          detail={"title": title, "calls": call_ids, "inspectors": inspectors})
    session.flush()
    return row


def _usable_call(session: Session, call_id: str) -> Call:
    call = session.exec(select(Call).where(Call.call_id == call_id)).first()
    if call is None:
        raise CalibrationInputError(f"no call {call_id}")
    if call.current_analysis_id is None:
        raise CalibrationInputError(f"call {call_id} has no analysis to calibrate")
    return call


def list_sessions(session: Session, *, username: str, manager: bool) -> list[dict]:
    """All sessions for a manager; a user's own assignments otherwise. Newest first."""
    stmt = select(CalibrationSession).order_by(CalibrationSession.id.desc())
    if not manager:
        stmt = stmt.join(CalibrationInspector, CalibrationInspector.session_id == CalibrationSession.id).where(
            CalibrationInspector.username == username)
    return [summary(session, s) for s in session.exec(stmt)]


def summary(session: Session, row: CalibrationSession) -> dict:
    calls = session.exec(select(Call.call_id).join(CalibrationCall, CalibrationCall.call_pk == Call.id)
                         .where(CalibrationCall.session_id == row.id).order_by(Call.call_id))
    people = session.exec(select(CalibrationInspector).where(CalibrationInspector.session_id == row.id)
                          .order_by(CalibrationInspector.username))
    return row.model_dump() | {"call_ids": list(calls),
                               "inspectors": [{"username": p.username, "submitted_at": p.submitted_at} for p in people]}


def get_session(session: Session, session_id: int) -> CalibrationSession:
    row = session.get(CalibrationSession, session_id)
    if row is None:
        raise CalibrationNotFound(f"no calibration session {session_id}")
    return row


def _participant(session: Session, session_id: int, username: str) -> CalibrationInspector:
    get_session(session, session_id)
    row = session.exec(select(CalibrationInspector).where(CalibrationInspector.session_id == session_id,
                                                          CalibrationInspector.username == username)).first()
    if row is None:
        raise CalibrationNotFound(f"calibration session {session_id} is not assigned to {username}")
    return row


def _session_findings(session: Session, session_id: int) -> list[tuple[Call, FindingRow]]:
    stmt = (select(Call, FindingRow).join(CalibrationCall, CalibrationCall.call_pk == Call.id)
            .join(FindingRow, FindingRow.analysis_id == CalibrationCall.analysis_id)
            .where(CalibrationCall.session_id == session_id).order_by(Call.call_id, FindingRow.id))
    return list(session.exec(stmt))


def assignment(session: Session, *, session_id: int, username: str) -> dict:
    """What the inspector scores, blind: each call's findings by rule, with only their own answers."""
    me = _participant(session, session_id, username)
    mine = {a.finding_id: a for a in session.exec(select(CalibrationAnswer).where(
        CalibrationAnswer.session_id == session_id, CalibrationAnswer.username == username))}
    titles, calls = catalog.rule_titles(), {}
    for call, f in _session_findings(session, session_id):
        entry = calls.setdefault(call.call_id, {"call_id": call.call_id, "agent_id": call.agent_id,
                                                "started_at": call.started_at, "findings": []})
        answer = mine.get(f.id)
        entry["findings"].append(catalog.with_title({
            "finding_id": f.id, "rule_id": f.rule_id, "section": f.section, "critical": f.critical,
            "outcome": answer.outcome if answer else None, "comment": answer.comment if answer else ""}, titles))
    return summary(session, get_session(session, session_id)) | {
        "submitted_at": me.submitted_at, "calls": list(calls.values()),
        "answered": len(mine), "total": sum(len(c["findings"]) for c in calls.values())}


def save_answers(session: Session, *, session_id: int, username: str, call_id: str, answers: list[dict]) -> None:
    """Store (or replace) the inspector's outcomes for findings of one call of the session."""
    me = _participant(session, session_id, username)
    if me.submitted_at is not None:
        raise CalibrationError(f"your answers to calibration session {session_id} are submitted and final")
    findings = {f.id: f for c, f in _session_findings(session, session_id) if c.call_id == call_id}
    if not findings:
        raise CalibrationNotFound(f"call {call_id} is not part of calibration session {session_id}")
    for a in answers:
        if a["finding_id"] not in findings:
            raise CalibrationInputError(f"finding {a['finding_id']} is not a finding of call {call_id} in this session")
        if a["outcome"] not in OUTCOMES:
            raise CalibrationInputError(f"outcome must be one of {OUTCOMES}")
        _upsert(session, session_id, username, findings[a["finding_id"]], a["outcome"], a.get("comment", ""))
    session.flush()


def _upsert(session: Session, session_id: int, username: str, finding: FindingRow, outcome: str, comment: str) -> None:
    row = session.exec(select(CalibrationAnswer).where(
        CalibrationAnswer.session_id == session_id, CalibrationAnswer.finding_id == finding.id,
        CalibrationAnswer.username == username)).first()
    row = row or CalibrationAnswer(session_id=session_id, call_pk=finding.call_pk, finding_id=finding.id,
                                   rule_id=finding.rule_id, auto_outcome=finding.outcome, username=username,
                                   outcome=outcome)
    row.outcome, row.comment, row.updated_at = outcome, comment, utcnow()
    session.add(row)


def submit(session: Session, *, session_id: int, username: str) -> None:
    """Freeze the inspector's answers; every finding of every call must have one."""
    me = _participant(session, session_id, username)
    if me.submitted_at is not None:
        raise CalibrationError(f"your answers to calibration session {session_id} are already submitted")
    answered = set(session.exec(select(CalibrationAnswer.finding_id).where(
        CalibrationAnswer.session_id == session_id, CalibrationAnswer.username == username)))
    missing = [(c.call_id, f.rule_id) for c, f in _session_findings(session, session_id) if f.id not in answered]
    if missing:
        listed = ", ".join(f"{c} {r}" for c, r in missing[:5])
        raise CalibrationError(f"{len(missing)} findings have no answer yet ({listed}{', …' if len(missing) > 5 else ''})")
    me.submitted_at = utcnow()
    session.add(me)
    audit(session, username=username, action="calibration.submit", entity="calibration", entity_id=session_id,
          detail={"answers": len(answered)})
    session.flush()


def session_report(session: Session, *, session_id: int, username: str, manager: bool,
                   drift_margin: float = 0.15) -> dict:
    """The report over the submitted answers; a participant sees it only after submitting."""
    row = get_session(session, session_id)
    if not manager and _participant(session, session_id, username).submitted_at is None:
        raise CalibrationHidden("submit your own answers before you see the others'")
    submitted = set(session.exec(select(CalibrationInspector.username).where(
        CalibrationInspector.session_id == session_id, CalibrationInspector.submitted_at.is_not(None))))
    rows = session.exec(select(CalibrationAnswer).where(CalibrationAnswer.session_id == session_id))
    answers = [Answer(a.finding_id, a.rule_id, a.auto_outcome, a.username, a.outcome) for a in rows
               if a.username in submitted]
    out = report(answers, drift_margin=drift_margin)
    titles = catalog.rule_titles()
    for r in out["rules"] + out["cells"]:
        catalog.with_title(r, titles)
    info = summary(session, row)
    info["pending"] = [p["username"] for p in info["inspectors"] if p["submitted_at"] is None]
    return info | out
