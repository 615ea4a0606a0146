"""申诉处理: inspectors and supervisors uphold or overturn agents' appeals; agents see their own
appeals and the outcomes."""

from __future__ import annotations

import streamlit as st

from dashboard import appeal_ui, data, review_data, ui
from dashboard.i18n import t
from qa_engine import policy


def _table(rows: list[dict]) -> None:
    st.dataframe([{t("call"): a["call_id"], t("agent"): ui.agent_label(a["agent_id"]), t("rule"): ui.rule_label(a["rule_id"]),
                   t("appeal_reason"): a["reason"], t("filed_at"): ui.local_time(a["created_at"]),
                   t("decision"): t(f"appeal_status_{a['status']}"), t("decided_by"): a["decided_by"] or "",
                   t("comment"): a["decision_comment"],
                   t("final_score"): f"{ui.score(a['score_before'])} → {ui.score(a['score_after'])}" if a["decided_at"] else ""}
                  for a in rows], hide_index=True, width="stretch")


def _decide(a: dict) -> None:
    label = f"{a['call_id']} · {ui.agent_label(a['agent_id'])} · {ui.rule_title(a['rule_id'])}"
    with st.expander(label, expanded=True, icon=":material/gavel:"):
        st.caption(f"{t('filed_at')}：{ui.local_time(a['created_at'])} · {ui.plain(a['finding_message'])}")
        st.markdown(f"**{t('appeal_reason')}**：{ui.plain(a['reason'])}")  # the agent's words, never Markdown
        c1, c2, c3 = st.columns([2, 4, 1], vertical_alignment="bottom")
        choice = c1.radio(t("decision"), ["upheld", "overturned"], horizontal=True, key=f"dec_{a['id']}",
                          format_func=lambda d: t("uphold") if d == "upheld" else t("overturn_appeal"))
        note = c2.text_input(t("comment"), key=f"dec_note_{a['id']}")
        if c3.button(t("save"), key=f"dec_save_{a['id']}", type="primary"):
            try:
                review_data.decide_appeal(a["id"], choice, note.strip())
            except review_data.Refused as exc:
                st.error(f"{t('account_refused')}：{exc}")
                return
            st.toast(t("saved"))
            st.rerun()


ui.require_user()
st.header(t("page_appeals"))
if data.can(policy.APPEAL_DECIDE):
    st.caption(t("appeals_intro"))
    st.subheader(t("appeals_pending"))
    pending = review_data.appeals(status="pending")
    if not pending:
        st.info(t("no_pending_appeals"))
    for appeal in reversed(pending):  # oldest first: first come, first decided
        _decide(appeal)
    decided = [a for a in review_data.appeals() if a["status"] != "pending"]
    if decided:
        st.subheader(t("appeals_decided"))
        _table(decided)
elif data.can(policy.APPEAL_CREATE):
    st.caption(t("appeals_mine_intro"))
    mine = review_data.appeals()
    if not mine:
        st.info(t("no_data"))
    for appeal in mine:
        st.markdown(f"**{appeal['call_id']}** · {ui.rule_label(appeal['rule_id'])}")
        st.caption(appeal_ui.outcome_text(appeal))
else:
    st.warning(t("not_allowed"))
