"""培训辅导: build coaching sessions from calls and moments, follow completion, compare before/after."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t

user = ui.require_user()
st.header(t("page_coaching"))
agents, rules = data.pickers()

if data.can_coach():
    with st.expander(t("new_session"), expanded=False), st.form("new_session"):
        title = st.text_input(t("title"))
        c1, c2 = st.columns(2)
        target = c1.selectbox(t("target_rule"), [None, *rules], format_func=ui.rule_label)
        scheduled = c2.date_input(t("scheduled_on"), value=None)
        notes = st.text_area(t("notes"))
        recent, _n = data.calls({"rule_id": target, "outcome": "fail"} if target else {}, page_size=100, order="queue")
        chosen = st.multiselect(t("calls"), [c["call_id"] for c in recent])
        c3, c4 = st.columns(2)
        start = c3.number_input(t("moment_start"), 0.0, value=None)
        end = c4.number_input(t("moment_end"), 0.0, value=None)
        who = st.multiselect(t("agents"), agents, format_func=ui.agent_label)
        if st.form_submit_button(t("create"), type="primary") and title.strip():
            moments = [{"call_id": c, "start": start, "end": end} for c in chosen]
            st.session_state["coach_id"] = data.create_coaching({
                "title": title.strip(), "target_rule": target, "notes": notes, "scheduled_on": scheduled,
                "moments": moments, "agent_ids": who})
            st.toast(t("created"))
            st.rerun()

sessions = data.coaching_sessions()
if not sessions:
    st.info(t("no_data"))
    st.stop()
st.subheader(t("sessions"))
st.dataframe([{"#": s["id"], t("title"): s["title"], t("target_rule"): ui.rule_label(s["target_rule"]), t("scheduled_on"): str(s["scheduled_on"] or "–"),
               t("assignments"): f"{s['completed']}/{s['assigned']}"} for s in sessions], hide_index=True, width="stretch")
ids = [s["id"] for s in sessions]
default = ids.index(st.session_state["coach_id"]) if st.session_state.get("coach_id") in ids else 0
session_id = st.selectbox(t("choose_session"), ids, index=default,
                          format_func=lambda i: next(f"#{s['id']} {s['title']}" for s in sessions if s["id"] == i))
d = data.coaching_detail(session_id)
st.markdown(f"### {d['title']}")
if d.get("target_rule"):
    st.caption(f"{t('target_rule')}：{ui.rule_label(d['target_rule'])}")
if d["notes"]:
    st.write(d["notes"])

st.subheader(t("moments"))
if not d["moments"]:
    st.caption(t("no_data"))
for m in d["moments"]:
    detail = data.call_detail(m["call_id"])
    label = f"{m['call_id']} · {t('agent')} {ui.agent_label(m['agent_id'])} · {ui.mmss(m['start'])}–{ui.mmss(m['end'])} {m['note']}"
    with st.expander(label):
        if detail and Path(detail["call"]["source_path"]).is_file():
            st.audio(data.call_audio(m["call_id"], detail["call"]["source_path"]), start_time=int(m["start"] or 0),
                     end_time=int(m["end"]) if m["end"] else None)
        if detail:
            lo, hi = m["start"] or 0, m["end"] or 1e9
            for u in detail["transcript"]:
                if u["end"] >= lo and u["start"] <= hi:
                    st.markdown(f"`{ui.mmss(u['start'])}` **{t(u['speaker'] + '_lane')}** {u['text']}")

st.subheader(t("assignments"))
for a in d["assignments"]:
    c1, c2 = st.columns([4, 1])
    c1.markdown(f"{t('agent')} {ui.agent_label(a['agent_id'])} · {t(a['status'])}")
    mine = user["role"] == "agent" and a["agent_id"] == user.get("agent_id")
    if a["status"] != "completed" and (mine or data.can_coach()):
        if c2.button(t("mark_complete"), key=f"done_{a['agent_id']}"):
            data.complete_coaching(session_id, a["agent_id"])
            st.rerun()

if d["comparison"]:
    st.subheader(t("before_after"))
    st.dataframe([{t("agent"): ui.agent_label(c["agent_id"]), t("before"): ui.pct(c["before"]["fail_rate"]), "n₁": c["before"]["calls"],
                   t("after"): ui.pct(c["after"]["fail_rate"]), "n₂": c["after"]["calls"], t("change"): ui.pct(c["change"])}
                  for c in d["comparison"]], hide_index=True, width="stretch")
