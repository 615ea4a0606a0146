"""Calls the engine did not score (nobody answered, not scorable) through the API and the real
database: out of averages and rankings, counted apart, grouped apart in the review queue, and
their status, reason and truncation visible on the call."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from qa_engine.api.demo import CST, demo_analysis, demo_unscored, store_call

DAY = "2026-11-25"
NOT_SCORABLE = "可判定的评分项仅占 30%（至少需要 50%），不予评分"


def _scored(call_id: str, total: float, agent_id: str, hour: int):
    a = demo_analysis(call_id, source_path="/nowhere/a.wav", agent_id=agent_id, fails=(),
                      started_at=datetime(2026, 11, 25, hour, tzinfo=CST))
    return a.model_copy(update={"score": a.score.model_copy(update={"total": total})})


@pytest.fixture
def unscored_day(db):
    """On 2026-11-25: agent 108 has calls scored 80 and 90 and one unanswered call (a recording cut
    off at 28.1 s of 106.9 s); agent 109 has only a call too thin to score."""
    start = datetime(2026, 11, 25, 12, tzinfo=CST)
    for analysis in (_scored("S80", 80.0, "108", 9), _scored("S90", 90.0, "108", 10),
                     demo_unscored("U1", source_path="/nowhere/u.wav", agent_id="108", started_at=start),
                     demo_unscored("N1", source_path="/nowhere/n.wav", agent_id="109", started_at=start,
                                   scoring="not_scorable", reason=NOT_SCORABLE, declared_duration_s=None)):
        store_call(analysis, db)
    return db


def _card(client, h) -> dict:
    r = client.get("/api/scorecards/daily", params={"day": DAY}, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def test_scorecard_averages_only_scored_calls_and_counts_the_others_apart(unscored_day, client, login):
    card = _card(client, login("supervisor"))
    rows = {r["agent_id"]: r for r in card["agents"]}
    sun = rows["108"]
    assert (sun["calls"], sun["scored_calls"], sun["avg_score"], sun["min_score"]) == (3, 2, 85.0, 80.0)
    assert (sun["no_conversation"], sun["not_scorable"], sun["rank"]) == (1, 0, 1)
    assert sun["avg_handle_s"] == 64.0  # the 28-second unanswered recording is not a handled call
    wu = rows["109"]  # nothing scored: no average, no rank, not a zero at the bottom of the ranking
    assert (wu["avg_score"], wu["min_score"], wu["rank"], wu["not_scorable"]) == (None, None, None, 1)
    team = card["team"]
    assert (team["calls"], team["scored_calls"], team["avg_score"]) == (4, 2, 85.0)
    assert (team["no_conversation"], team["not_scorable"]) == (1, 1)
    teams = {t["team"]: t for t in card["teams"]}
    assert teams["二组"]["avg_score"] is None and teams["二组"]["not_scorable"] == 1


def test_scorecard_export_has_the_counts_apart(unscored_day, client, login):
    r = client.get("/api/scorecards/daily/export", params={"day": DAY, "format": "csv"}, headers=login("supervisor"))
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    sun = next(row for row in rows if row["agent_id"] == "108")
    assert (sun["avg_score"], sun["scored_calls"], sun["no_conversation"], sun["not_scorable"]) == ("85.0", "2", "1", "0")


def test_weekly_trend_leaves_unscored_calls_out_of_the_average(unscored_day, client, login):
    trend = client.get("/api/scorecards/weekly", params={"end": DAY, "weeks": 1, "agent_id": "108"},
                       headers=login("supervisor")).json()
    assert [(p["calls"], p["avg_score"]) for p in trend if p["agent_id"] == "108"] == [(3, 85.0)]


def test_a_human_final_score_on_an_unscored_call_counts(unscored_day, client, login):
    h = login("inspector")
    r = client.post("/api/calls/U1/finalise", headers=h, json={"final_score": 70, "comment": "客户回拨后补录"})
    assert r.status_code == 200 and r.json()["final_score"] == 70.0
    sun = next(r for r in _card(client, login("supervisor"))["agents"] if r["agent_id"] == "108")
    assert (sun["scored_calls"], sun["avg_score"], sun["min_score"], sun["no_conversation"]) == (3, 80.0, 70.0, 0)


def test_finalising_an_unscored_call_without_a_score_neither_scores_it_100_nor_0(unscored_day, client, login):
    h = login("inspector")
    assert client.get("/api/calls/U1", headers=h).json()["review"]["suggested_score"] is None
    r = client.post("/api/calls/U1/finalise", headers=h, json={})
    assert r.status_code == 200 and r.json()["final_score"] is None
    sun = next(r for r in _card(client, login("supervisor"))["agents"] if r["agent_id"] == "108")
    assert (sun["avg_score"], sun["scored_calls"], sun["no_conversation"]) == (85.0, 2, 1)


def _ids(r) -> list[str]:
    assert r.status_code == 200, r.text
    return [c["call_id"] for c in r.json()["items"]]


def test_review_queue_puts_unscored_calls_in_a_group_of_their_own(unscored_day, client, login):
    h = login("inspector")
    day = {"date_from": DAY, "date_to": DAY}
    assert _ids(client.get("/api/calls", params=day | {"order": "queue"}, headers=h)) == ["S80", "S90", "N1", "U1"]
    assert _ids(client.get("/api/calls", params=day | {"order": "queue", "scoring": "scored"}, headers=h)) == ["S80", "S90"]
    group = client.get("/api/calls", params=day | {"order": "queue", "scoring": "unscored"}, headers=h).json()["items"]
    assert [(c["call_id"], c["scoring"], c["score"]) for c in group] == [("N1", "not_scorable", None),
                                                                         ("U1", "unanswered", None)]
    assert group[0]["scoring_reason"] == NOT_SCORABLE and group[1]["scoring_reason"].startswith("无人接听")
    assert _ids(client.get("/api/calls", params={"scoring": "unanswered"}, headers=h)) == ["U1"]


def test_call_list_and_detail_expose_scoring_reason_and_truncation(unscored_day, client, login):
    h = login("inspector")
    d = client.get("/api/calls/U1", headers=h).json()
    call = d["call"]
    assert (call["scoring"], call["score"], call["truncated"]) == ("unanswered", None, True)
    assert call["scoring_reason"] == "无人接听：回铃 5 声后录音结束，座席没有讲话"
    assert (call["duration_s"], call["declared_duration_s"]) == (28.1, 106.9)
    assert d["review"]["auto_score"] is None and d["analysis"]["score"] is None
    scored = client.get("/api/calls/S80", headers=h).json()["call"]
    assert (scored["scoring"], scored["scoring_reason"], scored["truncated"], scored["score"]) == ("scored", None, False, 80.0)
    items = {c["call_id"]: c for c in client.get("/api/calls", params={"date_from": DAY}, headers=h).json()["items"]}
    assert (items["U1"]["truncated"], items["U1"]["declared_duration_s"]) == (True, 106.9)
    assert (items["N1"]["truncated"], items["N1"]["scoring"]) == (False, "not_scorable")
