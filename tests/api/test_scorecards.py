from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def test_daily_scorecard_per_agent_with_team_totals_and_ranking(client, login):
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("supervisor")).json()
    rows = {r["agent_id"]: r for r in card["agents"]}
    assert rows["108"]["calls"] == 2 and rows["108"]["avg_score"] == 47.3 and rows["108"]["min_score"] == 0.0
    assert rows["108"]["fails"] == {"talk.banned_phrases": 1, "hold.max_60s": 1, "close.anything_else": 1}
    assert rows["108"]["hold_total_s"] == 32.0 and rows["108"]["dead_air_total_s"] == 2.0
    assert rows["108"]["avg_handle_s"] == 64.0 and rows["108"]["critical_failed"] == 1
    assert rows["109"]["rank"] == 1 and rows["108"]["rank"] == 2
    assert card["team"]["calls"] == 3 and card["team"]["avg_score"] == 64.87


def test_final_human_score_replaces_the_automatic_one_in_scorecards(client, login):
    client.post("/api/calls/C1/finalise", headers=login("inspector"), json={"final_score": 80})
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("supervisor")).json()
    assert next(r for r in card["agents"] if r["agent_id"] == "108")["avg_score"] == 87.3


def test_agents_get_only_their_own_scorecard_row(client, login):
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("agent108")).json()
    assert [r["agent_id"] for r in card["agents"]] == ["108"]


def test_weekly_trend_and_most_failed_rules(client, login):
    h = login("supervisor")
    trend = client.get("/api/scorecards/weekly", params={"end": "2026-11-22", "weeks": 2}, headers=h).json()
    team = [p for p in trend if p["agent_id"] == "*"]
    assert team == [{"week": "2026-11-16", "agent_id": "*", "calls": 4, "avg_score": 70.4}]
    rules = client.get("/api/scorecards/rules", params={"date_from": "2026-11-20", "date_to": "2026-11-21"}, headers=h).json()
    assert {k: rules[0][k] for k in ("rule_id", "fails")} == {"rule_id": "close.anything_else", "fails": 2}


def test_export_csv_and_excel(client, login):
    h = login("supervisor")
    r = client.get("/api/scorecards/daily/export", params={"day": "2026-11-20", "format": "csv"}, headers=h)
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["agent_id", "agent_name", "team", "calls", "avg_score"] and rows[-1][0] == "TEAM"
    assert [r[:3] for r in rows[1:3]] == [["109", "吴刚", "二组"], ["108", "孙丽", "一组"]]
    assert [r[0] for r in rows[3:]] == ["TEAM 一组", "TEAM 二组", "TEAM"]  # per team, then everybody
    x = client.get("/api/scorecards/daily/export", params={"day": "2026-11-20", "format": "xlsx"}, headers=h)
    ws = load_workbook(io.BytesIO(x.content)).active
    assert ws["A1"].value == "agent_id" and ws.max_row == 6  # header, two agents, two teams, everybody


def test_scorecard_rows_carry_agent_names_and_per_team_totals(client, login):
    card = client.get("/api/scorecards/daily", params={"day": "2026-11-20"}, headers=login("supervisor")).json()
    rows = {r["agent_id"]: r for r in card["agents"]}
    assert (rows["108"]["agent_name"], rows["108"]["team"]) == ("孙丽", "一组")
    assert (rows["109"]["agent_name"], rows["109"]["team"]) == ("吴刚", "二组")
    teams = {t["team"]: t for t in card["teams"]}
    assert teams["一组"]["calls"] == 2 and teams["一组"]["avg_score"] == 47.3 and teams["一组"]["agents"] == 1
    assert teams["二组"]["calls"] == 1 and teams["二组"]["avg_score"] == 100.0
    assert card["team"]["team"] is None and card["team"]["calls"] == 3


def test_most_failed_rules_carry_the_rule_titles(client, login):
    rules = client.get("/api/scorecards/rules", params={"date_from": "2026-11-20", "date_to": "2026-11-21"},
                       headers=login("supervisor")).json()
    top = rules[0]
    assert top["rule_id"] == "close.anything_else"
    assert top["rule_title_zh"] and top["rule_title_zh"] != top["rule_id"] and top["rule_title_en"]


def test_trend_and_rule_limits_are_checked_not_a_server_error(client, login):
    # Found by tests/api/test_fuzz_api.py: weeks=-3855879473784 overflowed timedelta (500).
    h = login("inspector")
    for params in ({"weeks": -3855879473784}, {"weeks": 0}, {"weeks": 105}):
        r = client.get("/api/scorecards/weekly", params={"end": "2026-11-22"} | params, headers=h)
        assert r.status_code == 422, r.text
    r = client.get("/api/scorecards/rules", params={"date_from": "2026-11-20", "date_to": "2026-11-21", "limit": -1},
                   headers=h)
    assert r.status_code == 422
    early = client.get("/api/scorecards/weekly", params={"end": "0001-01-03", "weeks": 8}, headers=h)
    assert early.status_code == 200 and all(p["calls"] == 0 for p in early.json())
