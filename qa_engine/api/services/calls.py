"""Listing, filtering and reading calls."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import func, or_
from sqlmodel import Session, select

from qa_engine import pii
from qa_engine.api.services import catalog
from qa_engine.api.services.findings import analysis_findings
from qa_engine.api.services.review import review_state
from qa_engine.api.services.search_hits import page_hits
from qa_engine.storage import search
from qa_engine.storage.app_models import Review
from qa_engine.storage.models import Analysis, Call, FindingRow, MetricsRow, UtteranceRow


class CallFilters(BaseModel):
    """Filters of the call list; every field is optional."""

    date_from: date | None = None
    date_to: date | None = None
    agent_id: str | None = None
    direction: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    rule_id: str | None = None
    outcome: str | None = Field(default=None, description="with rule_id: pass | fail | n/a")
    review_status: str | None = Field(default=None, description="pending | in_review | final | open (= not final, "
                                                               "or marked for re-review)")
    rereview: bool | None = Field(default=None, description="true: calls marked for re-review")
    status: str | None = Field(default=None, description="analysed | failed")
    customer_number: str | None = None
    scoring: str | None = Field(default=None, description="scored | unscored (any other) | no_agent_speech | "
                                                          "unanswered | not_scorable")
    q: str | None = Field(default=None, description="words said in the call (2-50 letters or digits; spaces and "
                                                    "punctuation ignored): calls whose transcript contains them")


def get_call(session: Session, *, call_id: str) -> Call | None:
    return session.exec(select(Call).where(Call.call_id == call_id)).first()


def _conditions(f: CallFilters) -> list:
    conds = []
    if f.date_from:
        conds.append(Call.local_date >= f.date_from)
    if f.date_to:
        conds.append(Call.local_date <= f.date_to)
    for column, value in ((Call.agent_id, f.agent_id), (Call.direction, f.direction), (Call.status, f.status),
                          (Call.customer_number, f.customer_number)):
        if value:
            conds.append(column == value)
    if f.score_min is not None:
        conds.append(Call.score >= f.score_min)
    if f.score_max is not None:
        conds.append(Call.score <= f.score_max)
    if f.review_status == "open":
        conds.append(or_(Call.review_status != "final", Call.rereview))
    elif f.review_status:
        conds.append(Call.review_status == f.review_status)
    if f.rereview is not None:
        conds.append(Call.rereview == f.rereview)
    if f.rule_id:
        conds.append(_rule_condition(f))
    if f.scoring == "unscored":
        conds.append(Call.scoring != "scored")
    elif f.scoring:
        conds.append(Call.scoring == f.scoring)
    return conds


def _rule_condition(f: CallFilters):
    """Calls whose current analysis (not an older ruleset's) has the rule with that outcome.

    One pass over the rule's findings; fast with the (rule_id, outcome, analysis_id) index proposed
    for storage/models.py (see benchmarks/api_speed.py).
    """
    match = [FindingRow.rule_id == f.rule_id] + ([FindingRow.outcome == f.outcome] if f.outcome else [])
    return Call.current_analysis_id.in_(select(FindingRow.analysis_id).where(*match))


def _order(order: str) -> list:
    if order == "queue":
        # Worst first: critical failures, then the lowest scores. Calls the engine did not score
        # (nobody answered, not scorable) form their own group after them: they are not perfect
        # calls to sort among the good ones.
        # Calls marked for re-review lead their group: a new analysis contradicts what an inspector judged.
        return [Call.scoring != "scored", Call.rereview.desc(), Call.critical_failed.desc(), Call.score.is_(None), Call.score.asc(),
                Call.scoring, Call.id]
    column = {"started_at": Call.started_at, "score": Call.score}[order.lstrip("-")]
    return [column.desc() if order.startswith("-") else column.asc(), Call.id.desc()]


def list_calls(session: Session, *, filters: CallFilters, page: int = 1, page_size: int = 50,
               order: str = "-started_at", pii_read: bool = False) -> tuple[list[dict], int]:
    """One page of calls matching ``filters`` and the total number that match. With ``filters.q``
    each item also has its ``hits`` (``search_hits.page_hits``), matched in the text as a role with
    (``pii_read``) or without PII_READ sees it; a bad ``q`` raises ``search.SearchQueryError``."""
    conds = _conditions(filters)
    query = search.parse_query(filters.q) if filters.q else None
    if query:
        conds.append(Call.id.in_(search.matching_calls(session, query, pii_read=pii_read)))
    total = session.exec(select(func.count()).select_from(Call).where(*conds)).one()
    stmt = (select(Call, Review.final_score, Review.status).outerjoin(Review, Review.call_pk == Call.id)
            .where(*conds).order_by(*_order(order)).offset((page - 1) * page_size).limit(page_size))
    page_rows = list(session.exec(stmt))
    directory = catalog.agents(session)
    cut = _truncation(session, [call.id for call, _score, _status in page_rows])
    items = [_list_item(call, final_score, directory, cut.get(call.id)) for call, final_score, _status in page_rows]
    if query:
        hits = page_hits(session, [call.id for call, _score, _status in page_rows], query, pii_read=pii_read)
        items = [item | hits[call.id] for item, (call, _score, _status) in zip(items, page_rows)]
    return items, total


def _truncation(session: Session, call_pks: list[int]) -> dict[int, dict]:
    """Call pk → {"truncated", "declared_duration_s", "roles_uncertain", "role_confidence"} from the
    stored metrics object, for one page of calls: a query of its own, so that the sort of the whole
    list does not extract JSON row by row. The role fields exist for mono calls only (diarization)."""
    if not call_pks:
        return {}
    stmt = (select(MetricsRow.call_pk, MetricsRow.data["truncated"].as_boolean(),
                   MetricsRow.data["declared_duration_s"].as_float(),
                   MetricsRow.data[("diarization", "roles_uncertain")].as_boolean(),
                   MetricsRow.data[("diarization", "role_confidence")].as_float())
            .where(MetricsRow.call_pk.in_(call_pks)))
    return {pk: {"truncated": cut, "declared_duration_s": declared, "roles_uncertain": uncertain, "role_confidence": conf}
            for pk, cut, declared, uncertain, conf in session.exec(stmt)}


def _list_item(call: Call, final_score: float | None, directory: dict[str, dict] | None = None,
               metrics: dict | None = None) -> dict:
    metrics = metrics or {}
    return catalog.with_agent({
        "call_id": call.call_id, "started_at": call.started_at, "local_date": call.local_date,
        "agent_id": call.agent_id, "direction": call.direction, "customer_number": call.customer_number,
        "duration_s": call.duration_s, "status": call.status, "score": call.score, "final_score": final_score,
        "critical_failed": call.critical_failed, "review_status": call.review_status, "rereview": call.rereview,
        "scoring": call.scoring, "scoring_reason": call.scoring_reason,
        # Metrics stored before truncation was measured lack the fields: not known to be cut off.
        "truncated": bool(metrics.get("truncated")), "declared_duration_s": metrics.get("declared_duration_s"),
        # Mono calls whose speaker roles may be swapped: the verdicts may judge the wrong person.
        "roles_uncertain": bool(metrics.get("roles_uncertain")), "role_confidence": metrics.get("role_confidence"),
    }, directory or {})


def list_analyses(session: Session, *, call: Call) -> list[Analysis]:
    return list(session.exec(select(Analysis).where(Analysis.call_pk == call.id).order_by(Analysis.created_at)))


def call_detail(session: Session, *, call: Call, ruleset_version: str | None = None,
                analysis_id: int | None = None) -> dict:
    """Everything the review page needs: record, transcript, metrics, findings (with verdicts), scores.
    The current analysis unless ``analysis_id`` or ``ruleset_version`` (its newest revision) names another."""
    analysis = _pick_analysis(session, call, ruleset_version, analysis_id)
    findings = analysis_findings(session, analysis.id) if analysis else []
    review = review_state(session, call=call, findings=findings,
                          ruleset_version=analysis.ruleset_version if analysis else None)
    metrics = session.get(MetricsRow, call.id)
    transcript = session.exec(select(UtteranceRow).where(UtteranceRow.call_pk == call.id).order_by(UtteranceRow.idx))
    data = metrics.data if metrics else {}
    return {
        "call": _list_item(call, review["final_score"], catalog.agents(session), data)
        | {"source_path": call.source_path, "record": call.record, "error": call.error, "hangup_by": call.hangup_by,
           "legal_hold": call.legal_hold, "purged_at": call.purged_at},
        "analysis": _analysis_dict(analysis),
        "analyses": [_analysis_dict(a) for a in list_analyses(session, call=call)],
        "transcript": [{"speaker": u.speaker, "start": u.start, "end": u.end, "text": u.text} for u in transcript],
        "metrics": data,
        "findings": findings,
        "review": review,
        # By call id: a phone number in a URL path ends up in access logs.
        "crm_panel": f"/api/crm/customers/by-call/{call.call_id}" if call.customer_number else None,
    }


def pii_audio_spans(session: Session, *, call: Call) -> list[tuple[float, float]]:
    """Where in the recording a personal number is spoken (from the stored words), to bleep."""
    rows = session.exec(select(UtteranceRow).where(UtteranceRow.call_pk == call.id).order_by(UtteranceRow.idx))
    return [span for u in rows for span in pii.time_spans(u.text, u.words, u.start, u.end)]


def _pick_analysis(session: Session, call: Call, ruleset_version: str | None, analysis_id: int | None) -> Analysis | None:
    if analysis_id is not None:
        return session.exec(select(Analysis).where(Analysis.call_pk == call.id, Analysis.id == analysis_id)).first()
    if ruleset_version is not None:
        return session.exec(select(Analysis).where(Analysis.call_pk == call.id, Analysis.ruleset_version == ruleset_version)
                            .order_by(Analysis.revision.desc())).first()
    return session.get(Analysis, call.current_analysis_id) if call.current_analysis_id else None


def _analysis_dict(a: Analysis | None) -> dict | None:
    if a is None:
        return None
    titles = catalog.section_titles()
    order = list(titles)
    sections = sorted(a.sections.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return {"id": a.id, "ruleset_version": a.ruleset_version, "revision": a.revision, "score": a.score, "sections": a.sections,
            "section_scores": [{"section": name, "title_en": titles.get(name, name), "score": value}
                               for name, value in sections],
            "zeroed_by": a.zeroed_by, "created_at": a.created_at}


def agent_ids(session: Session) -> list[str]:
    """Agents that have calls, for filter pickers."""
    rows = session.exec(select(Call.agent_id).where(Call.agent_id.is_not(None)).distinct().order_by(Call.agent_id))
    return list(rows)


def rule_ids(session: Session) -> list[str]:
    """Rules that have findings, in scorecard order (unknown rules last, by id)."""
    found = set(session.exec(select(FindingRow.rule_id).distinct()))
    order = list(catalog.rule_titles())
    return sorted(found, key=lambda r: (order.index(r) if r in order else len(order), r))
