"""Human review: verdicts on findings, manual deductions, the final score, audit history and
agreement between the automatic and the human verdicts per rule."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import func
from sqlmodel import Session, select

from qa_engine.api.services import catalog
from qa_engine.api.services.findings import analysis_findings
from qa_engine.rules import score_call
from qa_engine.storage.app_models import AuditLog, FindingVerdict, ManualDeduction, ManualDeductionCreate, Review
from qa_engine.storage.audit import audit
from qa_engine.storage.models import Analysis, Call, FindingRow, utcnow
from qa_engine.types import Finding

VERDICTS = ("confirmed", "overturned")
_FLIP = {"fail": "pass", "pass": "fail", "n/a": "n/a"}


class ReviewError(ValueError):
    """A review action that does not fit the call's state (e.g. a finding of another call)."""


def get_review(session: Session, *, call: Call) -> Review:
    """The call's review row, created (status ``in_review``) on first use."""
    review = session.get(Review, call.id)
    if review is None:
        analysis = session.get(Analysis, call.current_analysis_id) if call.current_analysis_id else None
        review = Review(call_pk=call.id, analysis_id=analysis.id if analysis else None, auto_score=call.score)
        session.add(review)
        call.review_status = "in_review"
        session.add(call)
        session.flush()
    return review


def set_verdict(session: Session, *, call: Call, finding_id: int, verdict: str, username: str,
                comment: str = "", human_outcome: str | None = None) -> FindingVerdict:
    """Confirm or overturn one finding of the call's current analysis (replacing an earlier verdict)."""
    finding = session.get(FindingRow, finding_id)
    if finding is None or finding.call_pk != call.id:
        raise ReviewError(f"finding {finding_id} does not belong to call {call.call_id}")
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {VERDICTS}")
    if human_outcome is None:
        human_outcome = finding.outcome if verdict == "confirmed" else _FLIP[finding.outcome]
    _ensure_open(get_review(session, call=call))
    return write_verdict(session, call=call, finding=finding, verdict=verdict, username=username, comment=comment,
                         human_outcome=human_outcome)


def write_verdict(session: Session, *, call: Call, finding: FindingRow, verdict: str, username: str, comment: str,
                  human_outcome: str, action: str | None = None) -> FindingVerdict:
    """Store (or replace) the verdict on ``finding`` and audit it, whatever the review's status: an
    appeal decided on a final review changes the verdict without reopening it."""
    row = session.exec(select(FindingVerdict).where(FindingVerdict.finding_id == finding.id)).first()
    before = None if row is None else {"verdict": row.verdict, "human_outcome": row.human_outcome, "comment": row.comment}
    row = row or FindingVerdict(finding_id=finding.id, call_pk=call.id, rule_id=finding.rule_id,
                                auto_outcome=finding.outcome, human_outcome=human_outcome, verdict=verdict,
                                reviewer=username)
    row.verdict, row.human_outcome, row.comment, row.reviewer, row.updated_at = verdict, human_outcome, comment, username, utcnow()
    session.add(row)
    audit(session, username=username, action=action or f"finding.{verdict}", entity="finding", entity_id=finding.id,
          call_pk=call.id, detail={"rule_id": finding.rule_id, "auto_outcome": finding.outcome,
                                   "human_outcome": human_outcome, "comment": comment, "before": before})
    session.flush()
    return row


def add_deduction(session: Session, *, call: Call, deduction_in: ManualDeductionCreate, username: str) -> ManualDeduction:
    _ensure_open(get_review(session, call=call))
    row = ManualDeduction.model_validate(deduction_in, update={"call_pk": call.id, "created_by": username})
    session.add(row)
    session.flush()
    audit(session, username=username, action="deduction.add", entity="deduction", entity_id=row.id, call_pk=call.id,
          detail=deduction_in.model_dump())
    return row


def remove_deduction(session: Session, *, call: Call, deduction_id: int, username: str) -> None:
    row = session.get(ManualDeduction, deduction_id)
    if row is None or row.call_pk != call.id:
        raise ReviewError(f"deduction {deduction_id} does not belong to call {call.call_id}")
    _ensure_open(get_review(session, call=call))
    audit(session, username=username, action="deduction.remove", entity="deduction", entity_id=deduction_id,
          call_pk=call.id, detail={"points": row.points, "reason": row.reason})
    session.delete(row)
    session.flush()


def deductions(session: Session, *, call: Call) -> list[ManualDeduction]:
    return list(session.exec(select(ManualDeduction).where(ManualDeduction.call_pk == call.id).order_by(ManualDeduction.id)))


def human_findings(findings: list[dict]) -> list:
    """The findings as the inspector sees them: a verdict's human outcome replaces the automatic one
    (an overturned fail becomes pass, an overturned pass becomes fail, or the outcome the inspector gave)."""
    out = []
    for f in findings:
        outcome = f["verdict"]["human_outcome"] if f.get("verdict") else f["outcome"]
        if outcome not in ("pass", "fail", "n/a"):
            outcome = f["outcome"]
        out.append(Finding(rule_id=f["rule_id"], outcome=outcome, message=f.get("message", ""),
                           section=f.get("section", ""), weight=f.get("weight", 0.0), critical=f.get("critical", False)))
    return out


def _fallback_ruleset(findings: list) -> SimpleNamespace:
    """Stand-in for a ruleset when none loads: the findings' own sections, weights and critical flags."""
    sections = list(dict.fromkeys(f.section for f in findings))
    return SimpleNamespace(by_id={}, scorecard=SimpleNamespace(sections=sections), version="")


def rescore(findings: list[dict], ruleset_version: str | None = None):
    """The rule engine's own score (``qa_engine.rules.score_call``) of the findings after the human
    verdicts, with the ruleset of ``ruleset_version`` when it loads, else the current one."""
    human = human_findings(findings)
    ruleset = catalog.ruleset_for(ruleset_version) or _fallback_ruleset(human)
    return score_call(ruleset, human)


def suggested_score(session: Session, *, call: Call, findings: list[dict] | None = None,
                    ruleset_version: str | None = None) -> float | None:
    """The call re-scored by the rule engine after the human verdicts, minus the manual deductions,
    between 0 and 100; 0 while a critical rule still fails (automatic or by the inspector). None for a
    call the engine did not score until the inspector gives a verdict."""
    if findings is None:
        analysis = session.get(Analysis, call.current_analysis_id) if call.current_analysis_id else None
        findings = analysis_findings(session, analysis.id) if analysis else []
        ruleset_version = ruleset_version or (analysis.ruleset_version if analysis else None)
    if call.score is None and not findings:
        return None
    if call.scoring != "scored" and not any(f.get("verdict") for f in findings):
        # The engine's findings of an unscored call are n/a for want of a conversation: scoring them
        # would make a call nobody answered a perfect (or zero) call. Only the inspector's verdicts
        # give such a call a score to suggest.
        return None
    if not findings:
        base = call.score
    else:
        score = rescore(findings, ruleset_version)
        if score.zeroed_by:
            return 0.0
        base = score.total
    base -= sum(d.points for d in deductions(session, call=call))
    return round(min(100.0, max(0.0, base)), 2)


def finalise(session: Session, *, call: Call, username: str, final_score: float | None = None,
             comment: str = "") -> Review:
    """Fix the human score (the suggested one unless given) on the call's current analysis; the
    automatic score stays as it was, and a re-review the call was marked for is done."""
    review = get_review(session, call=call)
    score = suggested_score(session, call=call) if final_score is None else float(final_score)
    if score is not None and not 0 <= score <= 100:
        raise ReviewError("final score must be between 0 and 100")
    before = {"status": review.status, "final_score": review.final_score, "analysis_id": review.analysis_id,
              "rereview_reasons": call.rereview_reasons}
    review.status, review.final_score, review.comment = "final", score, comment
    review.reviewer, review.finalised_at, review.updated_at = username, utcnow(), utcnow()
    review.analysis_id = call.current_analysis_id
    call.review_status, call.rereview, call.rereview_reasons = "final", False, []
    session.add_all([review, call])
    audit(session, username=username, action="review.finalise", entity="call", entity_id=call.call_id, call_pk=call.id,
          detail={"final_score": score, "auto_score": review.auto_score, "comment": comment,
                  "analysis_id": review.analysis_id, "before": before})
    session.flush()
    return review


def reopen(session: Session, *, call: Call, username: str, comment: str = "") -> Review:
    """Open a finalised review again (e.g. after an agent's appeal)."""
    review = get_review(session, call=call)
    review.status, review.updated_at = "in_review", utcnow()
    call.review_status = "in_review"
    session.add_all([review, call])
    audit(session, username=username, action="review.reopen", entity="call", entity_id=call.call_id, call_pk=call.id,
          detail={"comment": comment, "final_score": review.final_score})
    session.flush()
    return review


def _ensure_open(review: Review) -> None:
    if review.status == "final":
        raise ReviewError("the review is final; reopen it first")


def review_state(session: Session, *, call: Call, findings: list[dict], ruleset_version: str | None = None) -> dict:
    """Automatic and human scores side by side (with the section scores after the verdicts),
    deductions and the status."""
    review = session.get(Review, call.id)
    return {
        "suggested_sections": rescore(findings, ruleset_version).sections if findings else {},
        "status": call.review_status,
        "analysis_id": review.analysis_id if review else None,
        "rereview": call.rereview,
        "rereview_reasons": call.rereview_reasons,
        "auto_score": call.score,
        "final_score": review.final_score if review else None,
        "suggested_score": suggested_score(session, call=call, findings=findings, ruleset_version=ruleset_version),
        "reviewer": review.reviewer if review else None,
        "finalised_at": review.finalised_at if review else None,
        "comment": review.comment if review else "",
        "deductions": [d.model_dump() for d in deductions(session, call=call)],
    }


def audit_history(session: Session, *, call: Call | None = None, limit: int = 200) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if call is not None:
        stmt = stmt.where(AuditLog.call_pk == call.id)
    return list(session.exec(stmt))


def rule_agreement(session: Session, *, date_from: date | None = None, date_to: date | None = None,
                   min_reviews: int = 5, trust_level: float = 0.9) -> list[dict]:
    """Per rule: how often inspectors confirmed the automatic outcome. ``trusted`` needs at least
    ``min_reviews`` verdicts and an agreement rate of at least ``trust_level``."""
    stmt = (select(FindingVerdict.rule_id, FindingVerdict.auto_outcome, FindingVerdict.verdict, func.count())
            .join(Call, Call.id == FindingVerdict.call_pk)
            .group_by(FindingVerdict.rule_id, FindingVerdict.auto_outcome, FindingVerdict.verdict))
    if date_from:
        stmt = stmt.where(Call.local_date >= date_from)
    if date_to:
        stmt = stmt.where(Call.local_date <= date_to)
    table: dict[str, dict] = {}
    for rule_id, auto_outcome, verdict, n in session.exec(stmt):
        row = table.setdefault(rule_id, {"rule_id": rule_id, "reviewed": 0, "confirmed": 0, "overturned": 0,
                                         "false_fail": 0, "missed_fail": 0})
        row["reviewed"] += n
        row[verdict] += n
        if verdict == "overturned":
            row["false_fail" if auto_outcome == "fail" else "missed_fail"] += n
    for row in table.values():
        row["agreement"] = round(row["confirmed"] / row["reviewed"], 3) if row["reviewed"] else None
        row["trusted"] = row["reviewed"] >= min_reviews and (row["agreement"] or 0) >= trust_level
    titles = catalog.rule_titles()
    return [catalog.with_title(r, titles)
            for r in sorted(table.values(), key=lambda r: (r["agreement"] if r["agreement"] is not None else 1, r["rule_id"]))]
