"""The appeal part of a finding on the call page: the agent's "申诉" button on a failed finding of
their own call, and the appeal's outcome for everyone who opens the call."""

from __future__ import annotations

import streamlit as st

from dashboard import data, review_data, ui
from dashboard.i18n import t
from qa_engine import policy


def by_finding(call_id: str) -> dict[int, dict]:
    return {a["finding_id"]: a for a in review_data.appeals(call_id=call_id)}


def outcome_text(a: dict) -> str:
    status = t(f"appeal_status_{a['status']}")
    if a["status"] == "pending":
        return f"{status} · {ui.plain(a['reason'])}"  # shown as Markdown (st.info, st.caption)
    line = t("appeal_outcome").format(status=status, who=a["decided_by"], comment=ui.plain(a["decision_comment"]) or "–")
    return line + " · " + t("appeal_scores").format(before=ui.score(a["score_before"]), after=ui.score(a["score_after"]))


def finding_appeal(call_id: str, finding: dict, appeal: dict | None) -> None:
    if appeal is not None:
        icon = {"pending": ":material/hourglass_top:", "upheld": ":material/gavel:"}.get(appeal["status"], ":material/undo:")
        st.info(outcome_text(appeal), icon=icon)
        return
    outcome = finding["verdict"]["human_outcome"] if finding.get("verdict") else finding["outcome"]
    if outcome != "fail" or not data.can(policy.APPEAL_CREATE):
        return
    # A button that opens the form (a popover cannot be told apart from the legal-hold one in tests,
    # and an expander cannot sit inside the finding's expander).
    opened = f"appeal_open_{finding['id']}"
    if st.button(t("appeal"), key=f"appeal_start_{finding['id']}", icon=":material/gavel:"):
        st.session_state[opened] = True
    if not st.session_state.get(opened):
        return
    st.caption(t("appeal_window").format(days=data.settings().appeal_window_days))
    reason = st.text_area(t("appeal_reason"), key=f"appeal_reason_{finding['id']}", max_chars=2000)
    if st.button(t("appeal_submit"), key=f"appeal_{finding['id']}", type="primary"):
        if not reason.strip():
            st.warning(t("appeal_reason"))
            return
        try:
            review_data.file_appeal(call_id, finding["id"], reason.strip())
        except review_data.Refused as exc:
            st.error(f"{t('appeal_refused')}：{exc}")
            return
        st.session_state.pop(opened, None)
        st.toast(t("appeal_filed"))
        st.rerun()
