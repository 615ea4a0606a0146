"""质检复核: the review queue, worst calls first, with filters; the calls the engine did not score
(未评分 / 无对话) listed apart with the reason. A search box finds calls by what was said (with the
filters); each hit opens the call with the player at that moment."""

from __future__ import annotations

import streamlit as st

from dashboard import data, search_ui, ui
from dashboard.i18n import t

SEARCH_CALLS = 20  # calls whose hits are listed (the page's first): each hit is a button

ui.require_user()
st.header(t("page_queue"))
st.caption(t("queue_intro"))

query = search_ui.checked_query(st.text_input(t("search_label"), key="q_text", placeholder=t("search_placeholder"),
                                              icon=":material/search:"))
if not query:
    st.session_state.pop(search_ui.QUERY_KEY, None)  # the call page lists hits of a search still on
agents, rules = data.pickers()
with st.expander(t("filters"), expanded=False):
    c1, c2, c3, c4 = st.columns(4)
    date_from = c1.date_input(t("date_from"), value=None, key="q_from")
    date_to = c2.date_input(t("date_to"), value=None, key="q_to")
    agent = c3.selectbox(t("agent"), [None, *agents], format_func=lambda a: ui.agent_label(a) if a else t("all"), key="q_agent")
    status = c4.selectbox(t("review_status"), ["open", "pending", "in_review", "final", None],
                          format_func=lambda s: t(f"status_{s}") if s else t("all"), key="q_status")
    c5, c6, c7 = st.columns([2, 1, 1])
    rule = c5.selectbox(t("rule"), [None, *rules], format_func=lambda r: ui.rule_label(r) if r else t("all"), key="q_rule")
    outcome = c6.selectbox(t("outcome"), ["fail", "pass", "n/a"], key="q_outcome", disabled=rule is None)
    low, high = c7.slider(t("score_range"), 0, 100, (0, 100), key="q_score")

filters = {"date_from": date_from, "date_to": date_to, "agent_id": agent, "review_status": status,
           "rule_id": rule, "outcome": outcome if rule else None,
           "score_min": low if low > 0 else None, "score_max": high if high < 100 else None, "q": query}
page_no = st.session_state.get("q_page", 1)
# Calls the engine did not score are a group of their own, not perfect calls among the scored ones.
items, total = data.calls(filters | {"scoring": "scored"}, page=page_no, page_size=50, order="queue")
unscored, n_unscored = data.calls(filters | {"scoring": "unscored"}, page=1, page_size=200, order="queue")
st.caption(f"{t('total_calls')}：{total}" + (f" · {t('unscored_group')}：{n_unscored}" if n_unscored else ""))
if not items and not unscored:
    st.info(t("no_search_hits").format(q=query) if query else t("no_calls"))
    st.stop()


def search_results(calls: list[dict]) -> None:
    """Each call's hits, the matched words highlighted; a hit's button opens the call there."""
    st.subheader(t("search_hits"))
    if len(calls) > SEARCH_CALLS:
        st.caption(t("search_more").format(n=SEARCH_CALLS))
    for c in calls[:SEARCH_CALLS]:
        st.markdown(f"**{c['call_id']}** · {ui.agent_label(c['agent_id'])} · {ui.local_time(c['started_at'])} · "
                    f"{t('auto_score')} {ui.call_score(c)} · {t('search_hits_n').format(n=c.get('hit_count') or 0)}")
        for i, hit in enumerate(c.get("hits") or []):
            if search_ui.hit_row(hit, key=f"hit_{c['call_id']}_{i}"):
                search_ui.open_at(c["call_id"], hit["start"], query)


if query:
    search_results(items + unscored)

if items:
    rows = [{"ID": c["call_id"], t("started"): ui.local_time(c["started_at"]), t("agent"): ui.agent_label(c["agent_id"]),
             t("team_name"): c.get("team") or "–", t("direction"): t(c["direction"]) if c["direction"] else "–",
             t("auto_score"): c["score"], t("final_score"): ui.score(c["final_score"]),
             t("critical_failed"): "⚠" if c["critical_failed"] else "",
             t("roles_column"): f"⚠ {t('roles_uncertain')}" if c.get("roles_uncertain") else "",
             t("review_status"): t(f"status_{c['review_status']}") + (f" · {t('rereview')}" if c.get("rereview") else "")}
            for c in items]
    st.dataframe(rows, hide_index=True, width="stretch", height=min(35 * (len(rows) + 1) + 3, 720))
    pages = max(1, (total + 49) // 50)
    if pages > 1:
        st.number_input(t("page_n"), 1, pages, key="q_page")

if unscored:
    st.subheader(f"{t('unscored_group')}（{n_unscored}）")
    st.caption(t("unscored_intro"))
    st.dataframe([{"ID": c["call_id"], t("started"): ui.local_time(c["started_at"]), t("agent"): ui.agent_label(c["agent_id"]),
                   t("team_name"): c.get("team") or "–", t("scoring_status"): ui.scoring_label(c),
                   t("reason"): c.get("scoring_reason") or "–",
                   t("duration"): ui.mmss(c["duration_s"]) + (f" · {t('truncated')}" if c.get("truncated") else ""),
                   t("final_score"): ui.score(c["final_score"]), t("review_status"): t(f"status_{c['review_status']}")}
                  for c in unscored], hide_index=True, width="stretch")

c1, c2 = st.columns([3, 1])
labels = {c["call_id"]: f"{c['call_id']} · {ui.agent_label(c['agent_id'])} · {t('auto_score')} {ui.call_score(c)}"
          for c in items + unscored}
chosen = c1.selectbox(t("choose_call"), list(labels), format_func=labels.get, key="q_choice")
if c2.button(t("open_call"), key="q_open", type="primary"):
    st.session_state["call_id"] = chosen
    st.switch_page("pages/call_review.py")
