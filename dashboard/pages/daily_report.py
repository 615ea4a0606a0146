"""主管日报: the day's scorecards per agent, team totals, trends, most-failed rules, drill-down. Calls the
engine did not score are out of the averages and counted apart (无对话录音, 未评分)."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t

ui.require_user()
st.header(t("page_daily"))
day = st.date_input(t("day"), value=data.latest_day() or date.today(), key="d_day")
card = data.scorecard(day)
if not card["agents"]:
    st.info(t("no_data"))
    st.stop()

team = card["team"]
c1, c2, c3, c4, c5 = st.columns(5)
c1.metric(t("total_calls"), team["calls"])
c2.metric(t("avg_score"), ui.score(team["avg_score"]))
c3.metric(t("min_score"), ui.score(team["min_score"]))
c4.metric(t("critical_failed"), team["critical_failed"])
c5.metric(t("aht"), ui.mmss(team["avg_handle_s"]))
apart = [t("avg_over_scored").format(n=team["scored_calls"])]
if team["no_conversation"]:
    apart.append(t("no_conversation_n").format(n=team["no_conversation"]))
if team["not_scorable"]:
    apart.append(t("not_scorable_n").format(n=team["not_scorable"]))
if len(apart) > 1:  # say what the averages leave out only when they leave something out
    st.caption(" · ".join(apart))

st.subheader(t("scorecard"))
# An agent with only unscored calls has no rank or average: "–", not a null the table prints as None.
rows = [{t("rank"): ui.score(r["rank"]), t("work_no"): r["agent_id"], t("agent_name"): r.get("agent_name") or "–",
         t("team_name"): r.get("team") or "–", t("total_calls"): r["calls"], t("scored_calls"): r["scored_calls"],
         t("no_conversation"): r["no_conversation"], t("not_scored"): r["not_scorable"], t("avg_score"): ui.score(r["avg_score"]),
         t("min_score"): ui.score(r["min_score"]), t("critical_failed"): r["critical_failed"],
         t("fails"): sum(r["fails"].values()), t("hold_time"): r["hold_total_s"], t("dead_air_time"): r["dead_air_total_s"],
         t("aht_s"): r["avg_handle_s"]} for r in card["agents"]]
st.dataframe(rows, hide_index=True, width="stretch")

st.subheader(t("team_rows"))
team_rows = [(x["team"], x) for x in card.get("teams", [])] + [(t("overall"), team)]
st.dataframe([{t("team_name"): name, t("agent_count"): x["agents"], t("total_calls"): x["calls"],
               t("scored_calls"): x["scored_calls"], t("no_conversation"): x["no_conversation"],
               t("not_scored"): x["not_scorable"], t("avg_score"): ui.score(x["avg_score"]),
               t("min_score"): ui.score(x["min_score"]), t("critical_failed"): x["critical_failed"],
               t("fails"): sum(x["fails"].values()), t("hold_time"): x["hold_total_s"],
               t("dead_air_time"): x["dead_air_total_s"], t("aht_s"): x["avg_handle_s"]} for name, x in team_rows],
             hide_index=True, width="stretch")
e1, e2, _ = st.columns([1, 1, 4])
e1.download_button(t("export_csv"), data.export_csv(card), file_name=f"scorecard-{day}.csv", mime="text/csv")
e2.download_button(t("export_xlsx"), data.export_xlsx(card), file_name=f"scorecard-{day}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

left, right = st.columns([3, 2])
with left:
    st.subheader(t("most_failed"))
    failed = data.most_failed(day - timedelta(days=6), day)
    if failed:
        # title, id as secondary column, and the count as a bar (one row per rule, most failed first)
        st.dataframe([{t("rule"): ui.rule_title(r["rule_id"]), t("rule_id"): r["rule_id"], t("fails"): r["fails"]}
                      for r in failed], hide_index=True, width="stretch",
                     column_config={t("rule"): st.column_config.TextColumn(width="medium"),
                                    t("rule_id"): st.column_config.TextColumn(width="medium"),
                                    t("fails"): st.column_config.ProgressColumn(width="small", 
                                        format="%d", min_value=0, max_value=max(r["fails"] for r in failed))})
    else:
        st.caption(t("no_data"))
with right:
    st.subheader(t("weekly_trend"))
    points = data.trends(day, weeks=8)
    series: dict[str, dict[str, float]] = {}
    for p in points:
        if p["avg_score"] is not None:
            name = t("team") if p["agent_id"] == "*" else ui.agent_label(p["agent_id"])
            series.setdefault(name, {})[str(p["week"])] = p["avg_score"]
    if series:
        import altair as alt

        long = [{"week": w, t("agent"): name, t("avg_score"): v} for name, s in series.items() for w, v in s.items()]
        chart = alt.Chart(alt.Data(values=long)).mark_line(point=True).encode(
            x=alt.X("week:O", title=None), y=alt.Y(f"{t('avg_score')}:Q", scale=alt.Scale(domain=[0, 100])),
            color=f"{t('agent')}:N")
        st.altair_chart(chart, width="stretch")
    else:
        st.caption(t("no_data"))

st.subheader(t("drill_down"))
agent = st.selectbox(t("agent"), [r["agent_id"] for r in card["agents"]], key="d_agent", format_func=ui.agent_label)
items, _n = data.calls({"date_from": day, "date_to": day, "agent_id": agent}, page_size=200, order="score")
for c in items:
    c1, c2 = st.columns([5, 1])
    c1.markdown(f"`{c['call_id']}` {ui.local_time(c['started_at'])} · {t('auto_score')} {ui.call_score(c)}"
                + (f" · {ui.scoring_label(c)}" if ui.unscored(c) else "") + (" ⚠️" if c["critical_failed"] else ""))
    if c2.button(t("open_call"), key=f"d_open_{c['call_id']}"):
        st.session_state["call_id"] = c["call_id"]
        st.switch_page("pages/call_review.py")
