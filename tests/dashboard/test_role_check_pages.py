"""A mono call with uncertain speaker roles is flagged for a human on the queue and the call page."""

from __future__ import annotations

from datetime import datetime

import pytest
from apptest_helpers import texts

from qa_engine.api.demo import CST, demo_analysis, store_call


@pytest.fixture
def unsure(dash_db):
    a = demo_analysis("MONO01", source_path=str(dash_db.data_dir / "demo_audio" / "demo.wav"), agent_id="108",
                      started_at=datetime(2026, 11, 20, 14, 0, tzinfo=CST), fails=())
    diar = {"backend": "embedded", "method": "ge2e", "separation": 0.05, "role_confidence": 0.12,
            "roles_uncertain": True, "role_reason": "inbound: brand; voices barely separable (separation 0.05)"}
    store_call(a.model_copy(update={"metrics": a.metrics.model_copy(update={"diarization": diar})}), dash_db)
    return "MONO01"


def test_queue_flags_the_call_whose_roles_are_uncertain(unsure, page):
    table = page("review_queue").dataframe[0].value
    flags = dict(zip(table["ID"], table["角色"]))
    assert flags[unsure] == "⚠ 角色待核实"
    assert all(v == "" for k, v in flags.items() if k != unsure)


def test_call_page_warns_before_the_verdicts(unsure, page):
    warnings = [w.value for w in page("call_review", call_id=unsure).warning]
    assert any(w.startswith("单声道录音：坐席与客户的区分不确定（置信度 12%）") for w in warnings)
    assert not any("单声道" in w for w in [w.value for w in page("call_review", call_id="DEMO001").warning])


def test_call_page_warning_in_english(unsure, page):
    assert "who is the agent and who is the customer is uncertain (confidence 12%)" in texts(
        page("call_review", call_id=unsure, lang="en"))
