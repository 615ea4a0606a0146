"""校准会: supervisors pick calls and inspectors and read the report; inspectors score their
assignments blind (no automatic verdicts, no other answers, no review) and submit."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import data, review_data, ui
from dashboard.i18n import t

OUTCOMES = ["pass", "fail", "n/a"]


def _create_form() -> None:
    with st.expander(t("calibration_new"), icon=":material/add:"), st.form("calib_new"):
        title = st.text_input(t("title"), key="calib_title")
        items, _total = data.calls({"status": "analysed"}, page=1, page_size=200, order="-started_at")
        calls = st.multiselect(t("calibration_calls"), [c["call_id"] for c in items], key="calib_calls")
        inspectors = st.multiselect(t("calibration_inspectors"), review_data.reviewers(), key="calib_inspectors")
        if st.form_submit_button(t("calibration_create"), type="primary"):
            try:
                session_id = review_data.create_calibration(title, calls, inspectors)
            except review_data.Refused as exc:
                st.error(f"{t('account_refused')}：{exc}")
                return
            st.session_state["calib_session"] = session_id
            st.toast(t("calibration_created"))
            st.rerun()


def _call_material(call_id: str) -> None:
    """What the inspector judges from: the recording and the transcript (nothing of the scoring)."""
    detail = data.call_detail(call_id)
    if detail is None:
        return
    path = Path(detail["call"]["source_path"] or "")
    if path.is_file():
        st.audio(data.call_audio(call_id, str(path)))
    with st.container(height=240):
        for u in detail["transcript"]:
            st.caption(f"{ui.mmss(u['start'])} {t(u['speaker'] + '_lane')}：{u['text']}")


def _assignment(session_id: int) -> bool:
    """The user's blind scoring; True once submitted."""
    a = review_data.assignment(session_id)
    st.subheader(t("calibration_mine"))
    if a["submitted_at"]:
        st.success(t("calibration_submitted"), icon=":material/task_alt:")
        return True
    st.caption(t("calibration_blind"))
    st.progress(a["answered"] / a["total"] if a["total"] else 0.0,
                text=t("calibration_progress").format(answered=a["answered"], total=a["total"]))
    for call in a["calls"]:
        with st.expander(f"{t('call')} {call['call_id']} · {ui.agent_label(call['agent_id'])}", icon=":material/headset_mic:"):
            _call_material(call["call_id"])
            chosen = {}
            for f in call["findings"]:
                label = ui.rule_label(f["rule_id"]) + (" · " + t("critical") if f["critical"] else "")
                chosen[f["finding_id"]] = st.radio(
                    label, OUTCOMES, index=OUTCOMES.index(f["outcome"]) if f["outcome"] else None, horizontal=True,
                    key=f"ca_{session_id}_{f['finding_id']}", format_func=lambda o: t("human_" + o))
            if st.button(t("calibration_save"), key=f"ca_save_{session_id}_{call['call_id']}"):
                answers = [{"finding_id": fid, "outcome": o} for fid, o in chosen.items() if o]
                if answers:
                    review_data.save_answers(session_id, call["call_id"], answers)
                    st.toast(t("saved"))
                    st.rerun()
    if st.button(t("calibration_submit"), key=f"ca_submit_{session_id}", type="primary"):
        try:
            review_data.submit_calibration(session_id)
        except review_data.Refused as exc:
            st.error(f"{t('account_refused')}：{exc}")
            return False
        st.rerun()
    return False


def _rate(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "–"


def _report(session_id: int) -> None:
    st.subheader(t("calibration_report"))
    r = review_data.calibration_report(session_id)
    if r["pending"]:
        st.warning(t("calibration_pending").format(names="、".join(r["pending"])))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("peer_agreement"), _rate(r["overall"]["peer_agreement"]))
    c2.metric(t("auto_agreement"), _rate(r["overall"]["auto_agreement"]))
    c3.metric(t("submitted"), f"{r['overall']['inspectors']}/{len(r['inspectors'])}")
    st.markdown(f"**{t('by_inspector')}**")
    st.dataframe([{t("inspector"): p["username"], t("answers_n"): p["answers"], t("peer_agreement"): _rate(p["peer_agreement"]),
                   t("auto_agreement"): _rate(p["auto_agreement"]), t("drift"): "⚠️" if p["drift"] else "",
                   t("drift_rules"): "、".join(ui.rule_title(x) for x in p["drift_rules"])} for p in r["inspector_stats"]],
                 hide_index=True, width="stretch")
    st.caption(t("drift_note").format(margin=r["drift_margin"]))
    st.markdown(f"**{t('by_rule')}**")
    cells: dict[str, dict] = {}
    for c in r["cells"]:
        cells.setdefault(c["rule_id"], {})[c["username"]] = _rate(c["peer_agreement"]) + (" ⚠️" if c["drift"] else "")
    st.dataframe([{t("rule"): ui.rule_label(x["rule_id"]), t("peer_agreement"): _rate(x["peer_agreement"]),
                   t("auto_agreement"): _rate(x["auto_agreement"])} | cells.get(x["rule_id"], {})
                  for x in sorted(r["rules"], key=lambda x: (x["peer_agreement"] if x["peer_agreement"] is not None else 2))],
                 hide_index=True, width="stretch")


me = ui.require_user()
st.header(t("page_calibration"))
st.caption(t("calibration_intro"))
if not data.can_review():
    st.warning(t("not_allowed"))
    st.stop()
manager = review_data.is_calibration_manager()
if manager:
    _create_form()
sessions = review_data.calibration_sessions()
if not sessions:
    st.info(t("calibration_none"))
    st.stop()
ids = [s["id"] for s in sessions]
if st.session_state.get("calib_session") not in ids:
    st.session_state["calib_session"] = ids[0]
by_id = {s["id"]: s for s in sessions}
chosen = st.selectbox(t("calibration_choose"), ids, key="calib_session",
                      format_func=lambda i: f"#{i} {by_id[i]['title']}（{len(by_id[i]['call_ids'])} {t('calls')}）")
current = by_id[chosen]
submitted = False
if me["username"] in {p["username"] for p in current["inspectors"]}:
    submitted = _assignment(chosen)
if manager or submitted:
    _report(chosen)
