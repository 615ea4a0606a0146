"""Retention of personal data: recordings and transcripts older than ``QA_RETENTION_DAYS`` are deleted.

A purged call keeps its row, its analyses, findings, scores, verdicts and review, so scorecards and
the audit history stay whole; what goes is the recording (and its call-record sidecar) on disk, the
transcript, and the transcript quotes in the findings' evidence. Calls on legal hold are kept.
Every purge is one audit row; a dry run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Date, delete, false, func, or_, update
from sqlmodel import Session, select

from qa_engine.api.services.review import audit
from qa_engine.callrecord import sidecar_path
from qa_engine.storage import search
from qa_engine.storage.models import Call, FindingRow, UtteranceRow, utcnow

ACTOR = "system:retention"


@dataclass
class RetentionReport:
    cutoff: date
    dry_run: bool
    purged: list[str] = field(default_factory=list)  # call ids purged (dry run: that would be)
    held: list[str] = field(default_factory=list)    # call ids due but on legal hold
    files: list[str] = field(default_factory=list)   # files deleted (dry run: that would be)


def cutoff_date(days: int, today: date) -> date:
    """Calls of a local day before this one are due."""
    return today - timedelta(days=days)


def due_calls(session: Session, cutoff: date) -> list[Call]:
    """Calls not purged yet whose local day (or, without one, storage day) is before ``cutoff``."""
    # date() typed as a Date: a date on PostgreSQL, an ISO string on SQLite, compared with the cutoff alike.
    stored_day = func.date(Call.created_at, type_=Date)
    older = or_(Call.local_date < cutoff, (Call.local_date.is_(None)) & (stored_day < cutoff))
    return list(session.exec(select(Call).where(Call.purged_at.is_(None), older).order_by(Call.id)))


def apply(session: Session, *, days: int, today: date, dry_run: bool = False) -> RetentionReport:
    """Purge the calls due; the caller commits (nothing is written on a dry run)."""
    report = RetentionReport(cutoff=cutoff_date(days, today), dry_run=dry_run)
    for call in due_calls(session, report.cutoff):
        if call.legal_hold:
            report.held.append(call.call_id)
            continue
        files = [p for p in _recording_files(call) if p.is_file()]
        if not dry_run and not _claim(session, call):
            report.held.append(call.call_id)  # put on hold (or purged by another run) since it was read
            continue
        report.purged.append(call.call_id)
        report.files += [str(p) for p in files]
        if not dry_run:
            _purge(session, call, files, days)
    return report


def _claim(session: Session, call: Call) -> bool:
    """Mark the call purged unless, since ``due_calls`` read it, someone put it on legal hold or
    another run purged it: one conditional UPDATE, so no file is deleted on a stale read."""
    claimed = session.exec(update(Call).where(Call.id == call.id, Call.legal_hold == false(), Call.purged_at.is_(None))
                           .values(purged_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount == 0:
        session.refresh(call)
        return False
    return True


def _recording_files(call: Call) -> list[Path]:
    path = Path(call.source_path)
    return [path, sidecar_path(path)]


def _purge(session: Session, call: Call, files: list[Path], days: int) -> None:
    for path in files:
        path.unlink(missing_ok=True)
    utterances = session.exec(delete(UtteranceRow).where(UtteranceRow.call_pk == call.id)).rowcount
    search.forget_call(session, call.id)  # a purged transcript must not be findable by its words
    for finding in session.exec(select(FindingRow).where(FindingRow.call_pk == call.id)):
        if any("text" in e for e in finding.evidence):
            # Keep the times (the review history refers to them), drop the quoted words.
            finding.evidence = [{k: v for k, v in e.items() if k != "text"} for e in finding.evidence]
            session.add(finding)
    session.refresh(call, ["purged_at"])  # as claimed
    audit(session, username=ACTOR, action="call.purge", entity="call", entity_id=call.call_id, call_pk=call.id,
          detail={"retention_days": days, "files": [str(p) for p in files], "utterances": utterances})


def set_legal_hold(session: Session, *, call: Call, hold: bool, username: str, reason: str = "") -> Call:
    """Put a call on legal hold (retention never purges it) or release it; audited either way."""
    call.legal_hold = hold
    call.updated_at = utcnow()
    session.add(call)
    audit(session, username=username, action="call.legal_hold" if hold else "call.legal_hold_clear", entity="call",
          entity_id=call.call_id, call_pk=call.id, detail={"reason": reason})
    return call
