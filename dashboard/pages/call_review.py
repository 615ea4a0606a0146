"""通话详情: audio, transcript lanes, findings with evidence that jump the player, verdicts,
manual deductions, the final score, the audit history and the caller's CRM/VIP panel."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import appeal_ui, data, search_ui, ui
from qa_engine import policy
from dashboard.i18n import t



def _html(text: str) -> str:
    import html

    return html.escape(text or "")


def _metrics(m: dict, call: dict) -> None:
    """Rings, answer time, holds (with kind), dead air, overlaps, talk time and ratio, speech rate and
    level per speaker, hang-up side: Chinese labels with units."""
    holds, dead, overlaps = m.get("holds") or [], m.get("dead_air") or [], m.get("overlaps") or []
    span = lambda x: x["end"] - x["start"]  # noqa: E731
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("rings"), f"{m['rings']} {t('unit_times')}".strip() if m.get("rings") is not None else "–")
    c2.metric(t("answer_time"), ui.seconds(m.get("answer_s"), 1))
    hangup = m.get("hangup_by") or call.get("hangup_by")
    c3.metric(t("hangup_by"), t(f"{hangup}_lane") if hangup in ("agent", "customer") else "–")
    c4.metric(t("overlaps"), f"{len(overlaps)} {t('unit_times')}".strip())
    c5, c6, c7, _c8 = st.columns(4)
    c5.metric(t("hold_count"), f"{len(holds)} {t('unit_times')}".strip())
    c6.metric(t("hold_total"), f"{sum(map(span, holds)):.0f} {t('unit_s')}")
    c7.metric(t("dead_air"), f"{sum(map(span, dead)):.0f} {t('unit_s')}")
    rows = []
    for who in ("agent", "customer"):
        sm = m.get(who) or {}
        ratio = sm.get("talk_ratio")
        rows.append({t("speaker"): t(f"{who}_lane"),
                     t("talk_time"): round(sm["speech_s"], 1) if sm.get("speech_s") is not None else None,
                     t("talk_ratio"): f"{ratio:.0%}" if ratio is not None else "–",
                     t("speech_rate"): round(sm["speech_rate_cpm"]) if sm.get("speech_rate_cpm") else None,
                     t("level_dbfs"): round(sm["level_dbfs"], 1) if sm.get("level_dbfs") is not None else None})
    st.dataframe(rows, hide_index=True, width="stretch")
    events = [(h["start"], f"{t('hold_n').format(n=i)} {ui.mmss(h['start'])}–{ui.mmss(h['end'])} · "
                           f"{span(h):.1f} {t('unit_s')} · {t('hold_' + h.get('kind', 'other'))}")
              for i, h in enumerate(holds, 1)]
    events += [(d["start"], f"{t('dead_air_span')} {ui.mmss(d['start'])}–{ui.mmss(d['end'])} · {span(d):.1f} {t('unit_s')}")
               for d in dead]
    events += [(o["start"], f"{t('interrupts').format(who=t(o.get('interrupter', 'agent') + '_lane'))} "
                            f"{ui.mmss(o['start'])}–{ui.mmss(o['end'])} · {span(o):.1f} {t('unit_s')}") for o in overlaps]
    for _start, line in sorted(events):
        st.caption(line)


def _legal_hold(call: dict) -> None:
    """The hold, for everyone to see; the switch for roles allowed to set it (audited)."""
    if call.get("legal_hold"):
        st.warning(t("legal_hold_on"), icon=":material/gavel:")
    if not data.can(policy.LEGAL_HOLD):
        return
    with st.popover(t("clear_legal_hold") if call.get("legal_hold") else t("set_legal_hold"), icon=":material/gavel:"):
        reason = st.text_input(t("legal_hold_reason"), key="hold_reason")
        if st.button(t("save"), key="hold_save"):
            data.set_legal_hold(call["call_id"], not call.get("legal_hold"), reason.strip())
            st.rerun()


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
team = f"（{call['team']}）" if call.get("team") else ""
st.caption(f"{t('started')}：{ui.local_time(call['started_at'])} · {t('agent')}：{ui.agent_label(call['agent_id'])}{team} · "
           f"{t('direction')}：{t(call['direction']) if call['direction'] else '–'} · "
           f"{t('customer_number')}：{call['customer_number'] or '–'} · {t('duration')}：{ui.mmss(call['duration_s'])}")
if review.get("rereview"):
    # Before any score: the scores below come from a newer analysis than the one the inspector judged.
    st.warning(t("rereview_banner") + "\n\n" + "\n".join(
        "- " + t("rereview_reason").format(rule=ui.rule_label(r["rule_id"]), judged=r["judged_outcome"],
                                           new=r["new_outcome"] or t("rule_gone"))
        for r in review.get("rereview_reasons") or []), icon=":material/rate_review:")
cut = ui.truncation_text(call)
if cut:
    # Everything below was measured on the part that was recorded: say so before any number.
    st.warning(cut, icon=":material/content_cut:")
roles_check = ui.roles_check_text(detail["metrics"])
if roles_check:
    # Before any verdict: on a mono call with uncertain roles each rule may judge the wrong person.
    st.warning(roles_check, icon=":material/people:")

main, side = st.columns([3, 2], gap="large")

with side:
    m1, m2, m3 = st.columns(3)
    m1.metric(t("auto_score"), ui.call_score(call))
    m2.metric(t("suggested_score"), ui.score(review["suggested_score"]))
    m3.metric(t("final_score"), ui.score(review["final_score"]))
    if ui.unscored(call):
        st.warning(ui.not_scored_text(call), icon=":material/block:")
    if call["critical_failed"]:
        st.error(t("critical_failed"))
    sections = (detail["analysis"] or {}).get("section_scores") or []
    if sections:
        st.markdown(f"**{t('section_scores')}**")
        after = review.get("suggested_sections") or {}
        cols = st.columns(len(sections))
        for col, sec in zip(cols, sections):
            changed = after.get(sec["section"])
            delta = None if changed is None or changed == sec["score"] else round(changed - sec["score"], 1)
            col.metric(ui.section_title(sec["section"]), ui.score(sec["score"]), delta=delta,
                       help=f"{t('after_review')}：{ui.score(changed)}" if delta is not None else None)
    if data.can(policy.CRM_READ):  # agents see no customer records or balances (the API refuses them too)
        st.subheader(t("crm_panel"))
    if not data.can(policy.CRM_READ):
        pass
    elif call["customer_number"]:
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
    if call.get("purged_at"):
        st.info(t("purged").format(at=ui.local_time(call["purged_at"])), icon=":material/delete_sweep:")
    elif path.is_file():
        seek = st.session_state.get(seek_key)
        # after an evidence button: start the player at that moment (and play it)
        st.audio(data.call_audio(call_id, str(path)), start_time=int(seek or 0), autoplay=seek is not None)
    else:
        st.caption(t("audio_missing"))
    if not data.can(policy.PII_READ):
        st.caption(t("pii_masked"))
    search_ui.call_hits(detail["transcript"], seek_key)  # the review queue's search, if it led here
    _legal_hold(call)

    st.subheader(t("findings"))
    findings = detail["findings"]
    failed = [f for f in findings if f["outcome"] == "fail"]
    others = [f for f in findings if f["outcome"] != "fail"]
    is_final = review["status"] == "final"
    appeals = appeal_ui.by_finding(call_id)

    def finding_block(f: dict) -> None:
        icon = {"fail": ":material/cancel:", "pass": ":material/check_circle:"}.get(f["outcome"], ":material/remove:")
        label = ui.rule_md(f["rule_id"]) + (" · :material/warning: " + t("critical") if f["critical"] else "")
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
                if ev.get("audio_check"):
                    c2.caption(ui.audio_check_text(ev["audio_check"]))
            if f["verdict"]:
                v = f["verdict"]
                st.caption(f"{t('reviewed_by')}：{v['reviewer']} · {t('human_' + v['human_outcome'])} · {v['comment']}")
            appeal_ui.finding_appeal(call_id, f, appeals.get(f["id"]))
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
            st.markdown(f"{icon} {ui.rule_md(f['rule_id'])} — {f['message']}")

    st.subheader(t("transcript"))
    lanes = st.container(height=520) if len(detail["transcript"]) > 12 else st.container()
    with lanes:
        h1, h2 = st.columns(2)
        h1.markdown(f"**:material/headset_mic: {t('agent_lane')}**")
        h2.markdown(f"<div style='text-align:right'><b>{t('customer_lane')}</b></div>", unsafe_allow_html=True)
        for u in detail["transcript"]:
            left, right = st.columns(2)
            stamp = f"{ui.mmss(u['start'])}–{ui.mmss(u['end'])}"
            if u["speaker"] == "agent":
                left.markdown(f":blue-background[{u['text']}]  \n:gray[{stamp}]")
            else:
                right.markdown(f"<div style='text-align:right'>{_html(u['text'])}<br>"
                               f"<span style='color:gray;font-size:0.85em'>{stamp}</span></div>", unsafe_allow_html=True)

    st.subheader(t("metrics"))
    _metrics(detail["metrics"], call)

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
                suggested = review["suggested_score"]
                if suggested is None and ui.unscored(call):
                    # No default: an empty field keeps the call unscored instead of finalising it at 0.
                    st.caption(t("unscored_finalise"))
                    final = st.number_input(t("final_score"), 0.0, 100.0, None, 0.5)
                else:
                    final = st.number_input(t("final_score"), 0.0, 100.0, float(suggested or 0.0), 0.5)
                note = st.text_input(t("comment"), key="final_comment")
                if st.form_submit_button(t("finalise"), type="primary"):
                    data.finalise(call_id, final, note)
                    st.rerun()

    # Team readers only, as the API: the history names colleagues and (in upload records) the caller.
    if data.can(policy.REPORTS_TEAM):
        with st.expander(t("audit")):
            for a in data.audit(call_id):
                st.caption(f"{ui.local_time(a['at'])} · {a['username']} · {a['action']} · {ui.plain(str(a['detail']))}")
