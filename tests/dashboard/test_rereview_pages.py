"""A call whose new analysis contradicts an inspector's verdict says so in the queue and on its page."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from qa_engine.api.demo import CST, demo_analysis, store_call
from qa_engine.api.services import review
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call, FindingRow


def _confirm_then_contradict(settings, call_id: str = "DEMO002") -> None:
    with session_scope(settings) as s:
        call = s.exec(select(Call).where(Call.call_id == call_id)).one()
        finding = s.exec(select(FindingRow).where(FindingRow.analysis_id == call.current_analysis_id,
                                                  FindingRow.rule_id == "close.anything_else")).one()
        review.set_verdict(s, call=call, finding_id=finding.id, verdict="confirmed", username="inspector")
        review.finalise(s, call=call, username="inspector")
        source, started = call.source_path, datetime(2026, 11, 20, 9, 15, tzinfo=CST) + timedelta(hours=1)
    # The engine now finds the closing question asked: the inspector's confirmed fail no longer holds.
    store_call(demo_analysis(call_id, source_path=source, agent_id="109", started_at=started, fails=(),
                             customer_number="13800000001"), settings)


def test_the_queue_and_the_call_page_show_a_call_marked_for_re_review(page, dash_db):
    _confirm_then_contradict(dash_db)
    queue = page("review_queue").dataframe[0].value
    row = queue[queue["ID"] == "DEMO002"].iloc[0]
    assert "需重新复核" in row["复核状态"]
    at = page("call_review", call_id="DEMO002")
    banner = " ".join(w.value for w in at.warning)
    assert "请重新复核" in banner and "close.anything_else" in banner and "pass" in banner
