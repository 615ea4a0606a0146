"""Full-text search over transcripts (``GET /api/calls?q=``) on SQLite and PostgreSQL alike: Chinese
substrings of two or more characters, combined with the other filters, kept in step with re-analysis
and retention, scoped to an agent's own calls, and blind to the hidden digits of personal numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import select

from qa_engine import retention
from qa_engine.api.demo import CST, demo_analysis, ensure_demo_agents, store_call
from qa_engine.api.main import create_app
from qa_engine.api.services.search_hits import utterance_hit
from qa_engine.api.services.users import ensure_demo_users
from qa_engine.storage.db import get_engine, session_scope
from qa_engine.storage.models import Call
from qa_engine.storage.schema import alembic_config, init_db
from qa_engine.storage.search_schema import TABLE
from qa_engine.types import Utterance
from tests.api.conftest import PASSWORDS
from tests.pg_private import postgres_url  # noqa: F401 (fixture)

PHONE_UTTERANCE = "好的，我的手机是幺三八，一二三四，五六七八。"
CALLS = {  # call id: agent, failing rules, what was said
    "S1": ("108", ("close.anything_else",), ["您好，请问有什么可以帮您？", "我要投诉你们前台的服务态度！", "好的，帮您登记投诉。"]),
    "S2": ("109", ("close.anything_else",), ["我想办理退款，订单是张伟的名字。", "好的，退款三个工作日内到账。"]),
    "S3": ("108", (), ["我想申请退款。", PHONE_UTTERANCE]),
    "S4": ("109", (), ["我想订一间大床房。", "好的，为您保留到晚上六点。"]),
}


def analysis(call_id: str, lines: list[str], *, agent: str, fails=(), source_path: str = "/nowhere.wav"):
    a = demo_analysis(call_id, source_path=source_path, agent_id=agent, fails=fails,
                      started_at=datetime(2026, 11, 20, 9, tzinfo=CST) + timedelta(hours=int(call_id[1:])))
    said = [Utterance(speaker=("customer", "agent")[i % 2], start=10.0 * i, end=10.0 * i + 4, text=t)
            for i, t in enumerate(lines)]
    return a.model_copy(update={"transcript": said})


@pytest.fixture(params=["sqlite", "postgres"])
def settings_db(request, settings):
    """A database built by the migrations (the index made and filled by them) with the calls of CALLS."""
    if request.param == "postgres":
        settings = settings.model_copy(update={"database_url": request.getfixturevalue("postgres_url")})
    settings = settings.model_copy(update={"secret_key": "test-secret-key-of-at-least-32-bytes!"})
    init_db(settings)
    with session_scope(settings) as session:
        ensure_demo_users(session)
        ensure_demo_agents(session, [("108", "孙丽", "一组"), ("109", "吴刚", "二组")])
    for call_id, (agent, fails, lines) in CALLS.items():
        store_call(analysis(call_id, lines, agent=agent, fails=fails), settings)
    return settings


@pytest.fixture
def api(settings_db):
    with TestClient(create_app(settings_db)) as client:
        tokens = {}

        def get(username: str, **params):
            if username not in tokens:
                r = client.post("/api/auth/token", data={"username": username, "password": PASSWORDS[username]})
                tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            return client.get("/api/calls", params=params, headers=tokens[username])

        yield get


def found(response) -> list[str]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return sorted(item["call_id"] for item in body["items"])


def test_two_character_chinese_words_are_found_with_the_hits_marked(api):
    body = api("inspector", q="投诉").json()
    assert [c["call_id"] for c in body["items"]] == ["S1"]
    call = body["items"][0]
    assert call["hit_count"] == 2
    first = call["hits"][0]
    assert (first["speaker"], first["start"], first["end"]) == ("agent", 10.0, 14.0)
    assert [first["snippet"][a:b] for a, b in first["marks"]] == ["投诉"]
    assert found(api("inspector", q="退款")) == ["S2", "S3"]


def test_longer_substrings_match_whatever_the_spaces_and_punctuation(api):
    assert found(api("inspector", q="前台的服务")) == ["S1"]
    assert found(api("inspector", q="前台 的服务！")) == ["S1"]
    assert found(api("inspector", q="张伟")) == ["S2"]
    # The words exist, but not together: no call says 服务退款.
    assert found(api("inspector", q="服务退款")) == []


def test_search_combines_with_agent_and_rule_outcome_filters(api):
    assert found(api("inspector", q="退款", agent_id="109")) == ["S2"]
    assert found(api("inspector", q="退款", rule_id="close.anything_else", outcome="fail")) == ["S2"]
    assert found(api("inspector", q="退款", rule_id="close.anything_else", outcome="pass")) == ["S3"]


def test_no_match_is_an_empty_page(api):
    r = api("inspector", q="发票抬头")
    assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["items"] == []


@pytest.mark.parametrize("q, problem", [("退", "at least 2"), ("！ ？", "at least 2"), ("退款" * 250, "at most 200"),
                                        ("退款" * 30, "at most 50")], ids=["one", "punctuation", "500", "60"])
def test_bad_queries_get_a_clear_422(api, q, problem):
    r = api("inspector", q=q)
    assert r.status_code == 422 and problem in r.json()["detail"]


def test_an_agent_finds_only_their_own_calls(api):
    assert found(api("agent108", q="退款")) == ["S3"]
    assert found(api("agent108", q="退款", agent_id="109")) == ["S3"]
    assert found(api("agent108", q="张伟")) == []


@pytest.mark.parametrize("role", ["agent108", "trainer"])
def test_hidden_digits_of_a_phone_number_cannot_be_searched_without_pii_read(api, role):
    assert found(api(role, q="一二三四")) == []
    assert found(api(role, q="幺三八一二三四五六七八")) == []
    # What they are shown (138****5678) is what they can find, and the snippet is masked too.
    body = api(role, q="5678").json()
    assert [c["call_id"] for c in body["items"]] == ["S3"]
    assert body["items"][0]["hits"][0]["snippet"] == "好的，我的手机是138****5678。"


def test_inspectors_find_a_phone_number_as_spoken(api):
    body = api("inspector", q="一二三四").json()
    assert [c["call_id"] for c in body["items"]] == ["S3"]
    assert body["items"][0]["hits"][0]["snippet"] == PHONE_UTTERANCE


def index_rows(settings, call_id: str) -> int:
    with session_scope(settings) as session:
        pk = session.exec(select(Call.id).where(Call.call_id == call_id)).one()
        key = "call_pk" if session.get_bind().dialect.name == "postgresql" else "rowid"
        return session.connection().execute(text(f"SELECT count(*) FROM {TABLE} WHERE {key} = :pk"), {"pk": pk}).scalar()


def test_a_reanalysed_call_keeps_one_set_of_index_rows(settings_db, api):
    before = index_rows(settings_db, "S1")
    for lines in (["我要投诉前台。", "好的。", "再见。"], ["请帮我开发票。", "好的，马上开。", "谢谢，再见。"]):
        store_call(analysis("S1", lines, agent="108", fails=("close.anything_else",)), settings_db)
    assert index_rows(settings_db, "S1") == before  # one row per call on SQLite, per utterance on PostgreSQL
    assert found(api("inspector", q="投诉")) == []  # the words of the replaced transcript are gone
    assert found(api("inspector", q="开发票")) == ["S1"]


def test_a_purged_call_is_no_longer_found(settings_db, api):
    with session_scope(settings_db) as session:
        report = retention.apply(session, days=3, today=date(2026, 12, 1))
    assert "S2" in report.purged
    assert found(api("inspector", q="张伟")) == []
    assert index_rows(settings_db, "S2") == 0


def test_the_migration_indexes_calls_stored_before_it(settings_db, api):
    with get_engine(settings_db).begin() as conn:
        conn.execute(text(f"DROP TABLE {TABLE}"))
    cfg = alembic_config(settings_db)
    command.stamp(cfg, ScriptDirectory.from_config(cfg).get_revision("d5f2a8c1e0b7").down_revision)
    command.upgrade(cfg, "head")
    assert found(api("inspector", q="投诉")) == ["S1"]
    assert found(api("agent108", q="一二三四")) == []


def test_a_long_utterance_is_cut_around_the_hit_and_marks_point_into_the_snippet():
    hit = utterance_hit("前" * 100 + "退，款" + "后" * 100, "退款")
    assert hit["snippet"].startswith("…") and hit["snippet"].endswith("…") and len(hit["snippet"]) < 100
    assert [hit["snippet"][a:b] for a, b in hit["marks"]] == ["退，款"]
    wide = utterance_hit("我的ＶＩＰ卡，vip 卡", "vip卡")  # full-width and case do not matter; both found
    assert [wide["snippet"][a:b] for a, b in wide["marks"]] == ["ＶＩＰ卡", "vip 卡"]
