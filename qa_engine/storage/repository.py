"""Writing analyses and reading them back. Each write is one transaction: all rows or none."""

from __future__ import annotations

from sqlmodel import Session, col, delete, select

from qa_engine.callrecord import CallRecord
from qa_engine.storage import rereview, search
from qa_engine.storage.models import Agent, Analysis, Call, FindingRow, MetricsRow, UtteranceRow, utcnow
from qa_engine.types import CallAnalysis, CallMetrics


class ConflictError(Exception):
    """A different recording already holds this call_id."""


class RecordMismatchError(ConflictError):
    """A stored recording arrived again with another call record (another call id or agent)."""


def identity(call_id: str | None, agent_id: str | None) -> dict:
    """What a re-upload may not change without an explicit correction: which call, whose call."""
    return {"call_id": call_id, "agent_id": agent_id}


def record_mismatch(filename: str, stored: Call, new: dict) -> RecordMismatchError:
    """The refusal naming the file, the stored record and the one that came with it."""
    return RecordMismatchError(
        f"{filename}: this recording is already stored as call {stored.call_id} (agent {stored.agent_id}); "
        f"its new call record says call {new['call_id']} (agent {new['agent_id']}). "
        "Nothing was changed; upload it with correction=true to correct the stored record.")


def call_by_hash(session: Session, content_hash: str) -> Call | None:
    return session.exec(select(Call).where(Call.content_hash == content_hash)).first()


def call_by_call_id(session: Session, call_id: str) -> Call | None:
    return session.exec(select(Call).where(Call.call_id == call_id)).first()


def store_analysis(session: Session, *, analysis: CallAnalysis, local_date=None) -> Call:
    """Store (or replace) the analysis of one recording; returns the call row."""
    call = _claim_call(session, analysis)
    _fill_call(call, analysis, local_date)
    session.add(call)
    session.flush()
    _ensure_agent(session, call.agent_id)
    _replace_children(session, call.id)
    _add_utterances(session, call.id, analysis)
    session.add(_metrics_row(call.id, analysis.metrics))
    store_findings(session, call=call, analysis=analysis)
    return call


def store_findings(session: Session, *, call: Call, analysis: CallAnalysis) -> Analysis:
    """Add the findings of one ruleset version. An existing row of that version is replaced while no
    inspector has judged it; a judged one is kept (verdicts and all) and the new row is its next revision."""
    version = analysis.score.ruleset_version if analysis.score else ""
    old = session.exec(select(Analysis).where(Analysis.call_pk == call.id, Analysis.ruleset_version == version)
                       .order_by(col(Analysis.revision).desc())).first()
    revision = 1 if old is None else old.revision + rereview.is_judged(session, old)
    if old is not None and old.revision == revision:
        session.exec(delete(FindingRow).where(FindingRow.analysis_id == old.id))
        session.delete(old)
        session.flush()
    row = Analysis(
        call_pk=call.id,
        ruleset_version=version,
        revision=revision,
        score=analysis.score.total if analysis.score else None,
        sections=analysis.score.sections if analysis.score else {},
        zeroed_by=analysis.score.zeroed_by if analysis.score else [],
    )
    session.add(row)
    session.flush()
    findings = [FindingRow(analysis_id=row.id, call_pk=call.id, **f.model_dump(mode="json")) for f in analysis.findings]
    session.add_all(findings)
    call.score, call.critical_failed, call.current_analysis_id = row.score, bool(row.zeroed_by), row.id
    session.add(call)
    rereview.check_new_analysis(session, call=call, analysis=row, findings=findings)
    return row


def store_failure(session: Session, *, path: str, content_hash: str, record: CallRecord | None, error: str) -> Call:
    """Record a recording that could not be analysed, without touching any analysed call."""
    call_id = record.call_id if record else content_hash[:16]
    existing = call_by_hash(session, content_hash)
    if existing is not None and existing.status == "analysed":
        return existing
    if existing is None and call_by_call_id(session, call_id) is not None:
        call_id = f"{call_id}#failed-{content_hash[:8]}"
    call = existing or Call(call_id=call_id, content_hash=content_hash, source_path=path)
    call.status, call.error, call.source_path, call.updated_at = "failed", error, path, utcnow()
    if record is not None:
        call.record = record.contract()
    session.add(call)
    return call


def _claim_call(session: Session, analysis: CallAnalysis) -> Call:
    call_id, content_hash = analysis.call_id, analysis.content_hash
    by_hash = call_by_hash(session, content_hash)
    new = identity(call_id, analysis.call_record.get("agent_id"))
    if by_hash is not None and by_hash.status == "analysed" and new != identity(by_hash.call_id, by_hash.agent_id):
        # Storing it under another record would rename the call and move it (and its reviews) to
        # another agent: only an explicit, audited correction may do that (api/services/corrections.py).
        raise record_mismatch(analysis.source_path, by_hash, new)
    by_id = call_by_call_id(session, call_id)
    if by_id is not None and by_id.content_hash != content_hash:
        raise ConflictError(f"call_id {call_id} is already stored from a different recording ({by_id.source_path})")
    return by_hash or Call(call_id=call_id, content_hash=content_hash, source_path="")


def _fill_call(call: Call, a: CallAnalysis, local_date) -> None:
    rec = a.call_record
    call.call_id, call.source_path, call.status, call.error = a.call_id, a.source_path, "analysed", None
    call.direction, call.agent_id, call.agent_channel = rec.get("direction"), rec.get("agent_id"), rec.get("agent_channel")
    call.customer_number, call.ring_seconds = rec.get("customer_number"), rec.get("ring_seconds")
    call.started_at, call.local_date = a.started_at, local_date
    call.hangup_by = a.metrics.hangup_by
    call.duration_s, call.asr_model, call.record = a.duration_s, a.asr_model, rec
    call.scoring, call.scoring_reason = a.scoring, a.scoring_reason or None
    call.updated_at = utcnow()


def _ensure_agent(session: Session, agent_id: str | None) -> None:
    if agent_id and session.get(Agent, agent_id) is None:
        session.add(Agent(agent_id=agent_id))


def _replace_children(session: Session, call_pk: int) -> None:
    session.exec(delete(UtteranceRow).where(UtteranceRow.call_pk == call_pk))
    session.exec(delete(MetricsRow).where(MetricsRow.call_pk == call_pk))


def _add_utterances(session: Session, call_pk: int, a: CallAnalysis) -> None:
    rows = [UtteranceRow(call_pk=call_pk, idx=i, speaker=u.speaker, start=u.start, end=u.end, text=u.text,
                         words=[w.model_dump() for w in u.words]) for i, u in enumerate(a.transcript)]
    session.add_all(rows)
    session.flush()
    # In the same transaction: the search index never lists words the stored transcript lacks.
    search.reindex_call(session, call_pk, rows)


def _metrics_row(call_pk: int, m: CallMetrics) -> MetricsRow:
    holds = [h.duration for h in m.holds]
    return MetricsRow(
        call_pk=call_pk,
        rings=m.rings,
        answer_s=m.answer_s,
        hold_count=len(holds),
        hold_total_s=round(sum(holds), 2),
        hold_max_s=round(max(holds, default=0.0), 2),
        dead_air_total_s=round(sum(s.duration for s in m.dead_air), 2),
        agent_interruptions=sum(1 for o in m.overlaps if o.interrupter == "agent"),
        agent_talk_s=m.agent.speech_s,
        customer_talk_s=m.customer.speech_s,
        agent_speech_rate_cpm=m.agent.speech_rate_cpm,
        agent_level_dbfs=m.agent.level_dbfs,
        hangup_by=m.hangup_by,
        data=m.to_contract(),
    )
