"""The call page and coaching moments mask personal numbers for agents and trainers; inspectors see
them and can put a call on legal hold."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call, UtteranceRow
from tests.dashboard.apptest_helpers import texts

SPOKEN = "我的手机是幺三八一二三四五六七八"


@pytest.fixture
def spoken_number(dash_db):
    """DEMO001 (agent 108) at 1–3 s, and DEMO002 inside the demo coaching moment (56–64 s)."""
    with session_scope(dash_db) as session:
        for call_id, start in (("DEMO001", 1.0), ("DEMO002", 57.0)):
            call = session.exec(select(Call).where(Call.call_id == call_id)).one()
            session.add(UtteranceRow(call_pk=call.id, idx=99, speaker="customer", start=start, end=start + 2,
                                     text=SPOKEN, words=[{"text": SPOKEN, "start": start, "end": start + 2}]))
    return dash_db


@pytest.mark.parametrize("user", ["agent108", "trainer"])
def test_agents_and_trainers_see_the_number_masked_and_hear_it_bleeped(page, spoken_number, user):
    at = page("call_review", user=user, call_id="DEMO001")
    text = texts(at)
    assert "我的手机是138****5678" in text and SPOKEN not in text
    assert "电话、身份证和卡号已隐藏" in text
    assert "设为法律保全" not in str([p.label for p in at.get("popover")])


def test_inspectors_see_the_number_and_set_a_legal_hold(page, spoken_number):
    at = page("call_review", user="inspector", call_id="DEMO001")
    assert SPOKEN in texts(at)
    at.text_input(key="hold_reason").input("投诉仲裁")
    at.button(key="hold_save").click().run()
    assert not at.exception
    assert "本通话处于法律保全中" in texts(at)
    with session_scope(spoken_number) as session:
        assert session.exec(select(Call.legal_hold).where(Call.call_id == "DEMO001")).one() is True


def test_coaching_moments_mask_the_number_for_trainers(page, spoken_number):
    at = page("coaching", user="trainer")
    text = texts(at)
    assert "我的手机是138****5678" in text and SPOKEN not in text


def _audited_upload(settings) -> None:
    from qa_engine.storage.audit import audit

    with session_scope(settings) as session:
        call = session.exec(select(Call).where(Call.call_id == "DEMO001")).one()
        audit(session, username="inspector", action="call.upload", entity="job", entity_id="j1", call_pk=call.id,
              detail={"record": {"call_id": "DEMO001", "customer_number": "13912345678"}})


def test_the_change_history_masks_the_caller_for_trainers_and_is_hidden_from_agents(page, dash_db):
    _audited_upload(dash_db)
    trainer = texts(page("call_review", user="trainer", call_id="DEMO001")).replace("\\", "")  # as rendered
    assert "修改记录" in trainer and "139****5678" in trainer and "13912345678" not in trainer
    agent = texts(page("call_review", user="agent108", call_id="DEMO001"))
    assert "修改记录" not in agent and "139****5678" not in agent and "13912345678" not in agent
    assert "13912345678" in texts(page("call_review", user="inspector", call_id="DEMO001"))


def test_the_dashboards_caller_number_filter_needs_pii_read(dash_db):
    from streamlit.testing.v1 import AppTest

    def list_by_number(role: str):
        import streamlit as st

        from dashboard import data

        st.session_state["user"] = {"username": role, "role": role, "agent_id": "108" if role == "agent" else None}
        try:
            st.write(f"total {data.calls({'customer_number': '13900001234'})[1]}")
        except Exception as exc:  # noqa: BLE001 (the refusal is what the test reads)
            st.write(f"refused {type(exc).__name__}")

    for role, expected in (("agent", "refused PermissionDenied"), ("trainer", "refused PermissionDenied")):
        at = AppTest.from_function(list_by_number, args=(role,), default_timeout=60).run()
        assert texts(at) == expected, role
    assert texts(AppTest.from_function(list_by_number, args=("inspector",), default_timeout=60).run()).startswith("total")
