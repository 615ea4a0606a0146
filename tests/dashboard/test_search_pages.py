"""The review queue's transcript search box: hits listed with the words highlighted, a hit opening
the call page with the player at that moment, agents limited to their own calls, bad input explained."""

from __future__ import annotations

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboard.i18n import STRINGS
from qa_engine.config import REPO_ROOT
from qa_engine.storage import search
from qa_engine.storage.db import session_scope
from qa_engine.storage.models import Call, UtteranceRow
from tests.api.conftest import PASSWORDS
from tests.dashboard.apptest_helpers import texts


def _queue(user: str) -> AppTest:
    """The whole app, logged in (the review queue is its default page), so a hit can switch pages."""
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_password").input(PASSWORDS[user])
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _search(at: AppTest, q: str) -> AppTest:
    at.text_input(key="q_text").input(q).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _hit_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("hit_")]


def test_search_lists_hits_highlighted_and_a_hit_opens_the_call_at_that_moment(dash_db):
    at = _search(_queue("inspector"), "大床房")
    assert STRINGS["search_hits"][0] in texts(at)
    assert "<mark>大床房</mark>" in texts(at)
    assert {k.split("_")[1] for k in _hit_buttons(at)} == {"DEMO001", "DEMO002", "DEMO003"}
    at.button(key="hit_DEMO002_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["call_id"] == "DEMO002"
    assert at.session_state["seek_DEMO002"] == 10.4  # 你好，我想订一间明天晚上的大床房。
    assert "DEMO002" in texts(at) and "“大床房”" in texts(at)  # the call page, listing the hits in this call
    assert [b.key for b in at.button if b.key and b.key.startswith("call_hit_")] == ["call_hit_0", "call_hit_1"]
    at.button(key="call_hit_1").click().run()
    assert at.session_state["seek_DEMO002"] == 52.0  # 感谢您的耐心等待，明天大床房还有…


def test_an_agent_finds_only_their_own_calls(dash_db):
    at = _search(_queue("agent108"), "大床房")
    assert {k.split("_")[1] for k in _hit_buttons(at)} == {"DEMO001"}


def test_one_character_is_explained_and_no_match_says_so(dash_db):
    at = _search(_queue("inspector"), "房")
    assert STRINGS["search_invalid"][0].format(min=2, max=50) in texts(at)
    assert not _hit_buttons(at)
    at = _search(at, "发票抬头")
    assert STRINGS["no_search_hits"][0].format(q="发票抬头") in texts(at)


@pytest.fixture
def spoken_number(dash_db):
    """DEMO003 (agent 110) with a customer's mobile number spoken, stored and indexed as the engine does."""
    with session_scope(dash_db) as session:
        call = session.exec(select(Call).where(Call.call_id == "DEMO003")).one()
        session.add(UtteranceRow(call_pk=call.id, idx=99, speaker="customer", start=63.0, end=64.0,
                                 text="我的手机是幺三八一二三四五六七八"))
        session.flush()
        search.reindex_call(session, call.id, session.exec(select(UtteranceRow).where(UtteranceRow.call_pk == call.id)).all())
    return dash_db


def test_a_trainer_cannot_find_hidden_digits_an_inspector_can(spoken_number):
    assert not _hit_buttons(_search(_queue("trainer"), "一二三四"))
    at = _search(_queue("trainer"), "5678")  # what the trainer is shown: 138****5678
    assert _hit_buttons(at) == ["hit_DEMO003_0"] and "<mark>5678</mark>" in texts(at) and "一二三四" not in texts(at)
    assert _hit_buttons(_search(_queue("inspector"), "一二三四")) == ["hit_DEMO003_0"]
