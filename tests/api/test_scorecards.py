from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def test_daily_scorecard_per_agent_with_team_totals_and_ranking(client, login):
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("supervisor")).json()
    rows = {r["agent_id"]: r for r in card["agents"]}
    assert rows["108"]["calls"] == 2 and rows["108"]["avg_score"] == 47.0 and rows["108"]["min_score"] == 0.0
    assert rows["108"]["fails"] == {"talk.banned_phrases": 1, "hold.max_60s": 1, "close.anything_else": 1}
    assert rows["108"]["hold_total_s"] == 32.0 and rows["108"]["dead_air_total_s"] == 2.0
    assert rows["108"]["avg_handle_s"] == 64.0 and rows["108"]["critical_failed"] == 1
    assert rows["109"]["rank"] == 1 and rows["108"]["rank"] == 2
    assert card["team"]["calls"] == 3 and card["team"]["avg_score"] == 64.67


def test_final_human_score_replaces_the_automatic_one_in_scorecards(client, login):
    client.post("/api/calls/C1/finalise", headers=login("inspector"), json={"final_score": 80})
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("supervisor")).json()
    assert next(r for r in card["agents"] if r["agent_id"] == "108")["avg_score"] == 87.0


def test_agents_get_only_their_own_scorecard_row(client, login):
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("agent108")).json()
    assert [r["agent_id"] for r in card["agents"]] == ["108"]


def test_weekly_trend_and_most_failed_rules(client, login):
    h = login("supervisor")
    trend = client.get("/api/scorecards/weekly", params={"end": "2026-11-22", "weeks": 2}, headers=h).json()
    team = [p for p in trend if p["agent_id"] == "*"]
    assert team == [{"week": "2026-11-16", "agent_id": "*", "calls": 4, "avg_score": 70.0}]
    rules = client.get("/api/scorecards/rules", params={"date_from": "2026-11-20", "date_to": "2026-11-21"}, headers=h).json()
    assert rules[0] == {"rule_id": "close.anything_else", "fails": 2}


def test_export_csv_and_excel(client, login):
    h = login("supervisor")
    r = client.get("/api/scorecards/daily/export", params={"day": "2026-11-20", "format": "csv"}, headers=h)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["agent_id", "calls", "avg_score"] and rows[-1][0] == "TEAM"
    x = client.get("/api/scorecards/daily/export", params={"day": "2026-11-20", "format": "xlsx"}, headers=h)
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws["A1"].value == "agent_id" and ws.max_row == 4  # header, two agents, team
