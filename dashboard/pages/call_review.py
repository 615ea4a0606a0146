"""通话详情: audio, transcript lanes, findings with evidence that jump the player, verdicts,
manual deductions, the final score, the audit history and the caller's CRM/VIP panel."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t

ui.require_user()
call_id = st.query_params.get("call") or st.session_state.get("call_id")
detail = data.call_detail(call_id) if call_id else None
if detail is None:
    st.info(t("no_call_selected"))
    st.stop()
st.session_state["call_id"] = call_id
call, review = detail["call"], detail["review"]
seek_key = f"seek_{call_id}"

st.header(f"{t('call')} {call_id}")
st.caption(f"{t('started')}：{ui.local_time(call['started_at'])} · {t('agent')}：{call['agent_id']} · "
           f"{t('direction')}：{t(call['direction']) if call['direction'] else '–'} · "
           f"{t('customer_number')}：{call['customer_number'] or '–'} · {t('duration')}：{ui.mmss(call['duration_s'])}")

main, side = st.columns([3, 2], gap="large")

with side:
    m1, m2, m3 = st.columns(3)
    m1.metric(t("auto_score"), ui.score(review["auto_score"]))
    m2.metric(t("suggested_score"), ui.score(review["suggested_score"]))
    m3.metric(t("final_score"), ui.score(review["final_score"]))
    if call["critical_failed"]:
        st.error(t("critical_failed"))
    st.subheader(t("crm_panel"))
    if call["customer_number"]:
        try:
            panel = data.customer_panel(call["customer_number"])
        except Exception:  # noqa: BLE001 - the CRM is optional beside a call
            panel, failed = None, True
        else:
            failed = False
        if panel:
            ui.crm_panel(panel)
        else:
            st.caption(t("crm_unavailable") if failed else t("unknown_customer"))
    else:
        st.caption(t("unknown_customer"))

with main:
    path = Path(call["source_path"])
    if path.is_file():
        st.audio(str(path), start_time=int(st.session_state.get(seek_key, 0)))
    else:
        st.caption(t("audio_missing"))

    st.subheader(t("findings"))
    findings = detail["findings"]
    failed = [f for f in findings if f["outcome"] == "fail"]
    others = [f for f in findings if f["outcome"] != "fail"]
    is_final = review["status"] == "final"

    def finding_block(f: dict) -> None:
        icon = {"fail": ":material/cancel:", "pass": ":material/check_circle:"}.get(f["outcome"], ":material/remove:")
        label = f["rule_id"] + (" · :material/warning: " + t("critical") if f["critical"] else "")
        if f["verdict"]:
            label += " · " + (t("confirm") if f["verdict"]["verdict"] == "confirmed" else t("overturn"))
        with st.expander(label, expanded=f["outcome"] == "fail", icon=icon):
            st.write(f["message"])
            for i, ev in enumerate(f["evidence"]):
                c1, c2 = st.columns([1.4, 4], vertical_alignment="center")
                if c1.button(ui.mmss(ev["start"]), key=f"jump_{f['id']}_{i}", help=t("jump"), icon=":material/play_arrow:"):
                    st.session_state[seek_key] = ev["start"]
                    st.rerun()
                who = t(f"{ev['speaker']}_lane") if ev.get("speaker") else ""
                c2.markdown(f"`{ui.mmss(ev['start'])}–{ui.mmss(ev['end'])}` {who} {ev.get('text', '')}")
            if f["verdict"]:
                v = f["verdict"]
                st.caption(f"{t('reviewed_by')}：{v['reviewer']} · {v['human_outcome']} · {v['comment']}")
            if data.can_review() and not is_final:
                c1, c2, c3 = st.columns([2, 4, 1])
                choice = c1.radio(t("verdict"), ["confirmed", "overturned"], horizontal=True, key=f"v_{f['id']}",
                                  format_func=lambda v: t("confirm") if v == "confirmed" else t("overturn"))
                note = c2.text_input(t("comment"), key=f"c_{f['id']}")
                if c3.button(t("save"), key=f"s_{f['id']}"):
                    data.set_verdict(call_id, f["id"], choice, note)
                    st.toast(t("saved"))
                    st.rerun()

    st.markdown(f"**{t('failed_findings')}**（{len(failed)}）")
    for f in failed:
        finding_block(f)
    with st.expander(f"{t('other_findings')}（{len(others)}）"):
        for f in others:
            icon = ":material/check_circle:" if f["outcome"] == "pass" else ":material/remove:"
            st.markdown(f"{icon} `{f['rule_id']}` {f['message']}")

    st.subheader(t("transcript"))
    h1, h2 = st.columns(2)
    h1.markdown(f"**:material/headset_mic: {t('agent_lane')}**")
    h2.markdown(f"**:material/person: {t('customer_lane')}**")
    for u in detail["transcript"]:
        left, right = st.columns(2)
        lane = left if u["speaker"] == "agent" else right
        lane.markdown(f"`{ui.mmss(u['start'])}` {u['text']}")

    st.subheader(t("metrics"))
    m = detail["metrics"]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("rings"), m.get("rings") if m.get("rings") is not None else "–")
    c2.metric(t("holds"), f"{sum(h['end'] - h['start'] for h in m.get('holds', [])):.0f}s")
    c3.metric(t("dead_air"), f"{sum(d['end'] - d['start'] for d in m.get('dead_air', [])):.0f}s")
    rate = (m.get("speech_rate_cpm") or {}).get("agent")
    c4.metric(t("speech_rate"), f"{rate:.0f}" if rate else "–")

    st.subheader(t("deductions"))
    for d in review["deductions"]:
        st.caption(f"−{d['points']:g} · {d['reason']} · {d['created_by']}")
    if data.can_review():
        if is_final:
            st.success(f"{t('review_final')}：{ui.score(review['final_score'])}（{review['reviewer']}）")
            if st.button(t("reopen"), key="reopen"):
                data.reopen(call_id)
                st.rerun()
        else:
            with st.form("deduction", clear_on_submit=True):
                c1, c2 = st.columns([1, 4])
                points = c1.number_input(t("points"), 0.5, 100.0, 1.0, 0.5)
                reason = c2.text_input(t("reason"))
                if st.form_submit_button(t("add_deduction")) and reason.strip():
                    data.add_deduction(call_id, points, reason.strip())
                    st.rerun()
            with st.form("finalise"):
                suggested = review["suggested_score"] if review["suggested_score"] is not None else 0.0
                final = st.number_input(t("final_score"), 0.0, 100.0, float(suggested), 0.5)
                note = st.text_input(t("comment"), key="final_comment")
                if st.form_submit_button(t("finalise"), type="primary"):
                    data.finalise(call_id, final, note)
                    st.rerun()

    with st.expander(t("audit")):
        for a in data.audit(call_id):
            st.caption(f"{ui.local_time(a['at'])} · {a['username']} · {a['action']} · {a['detail']}")
