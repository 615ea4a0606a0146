"""Small presentation helpers shared by pages (formatting and the CRM panel)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard import data
from dashboard.i18n import lang, t


def mmss(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


def yuan(fen: int | None) -> str:
    return "–" if fen is None else f"{fen / 100:,.2f}"


def local_time(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(ZoneInfo(data.settings().timezone)).strftime("%Y-%m-%d %H:%M")


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.0%}" if value < 0 else f"{value:.0%}"


def kind_label(kind: str) -> str:
    """The customer kind in Chinese (the CRM's own labels) or as written in English."""
    if lang() == "en":
        return kind.replace("_", " ")
    try:
        from crm.models import KIND_LABELS_ZH, CustomerKind

        return KIND_LABELS_ZH[CustomerKind(kind)]
    except (ImportError, ValueError, KeyError):
        return kind


def rule_title(rule_id: str | None) -> str:
    """The rule's title in the current language (the id when the rule files do not know it)."""
    if not rule_id:
        return "–"
    return data.rule_titles().get(rule_id, {}).get("en" if lang() == "en" else "zh") or rule_id


def rule_label(rule_id: str | None) -> str:
    """Plain text for pickers and tables: ``title（rule.id）``."""
    if not rule_id:
        return "–"
    title = rule_title(rule_id)
    return rule_id if title == rule_id else f"{title}（{rule_id}）" if lang() != "en" else f"{title} ({rule_id})"


def rule_md(rule_id: str) -> str:
    """Markdown: the title, with the rule id as grey secondary text."""
    title = rule_title(rule_id)
    return f"`{rule_id}`" if title == rule_id else f"{title} :gray[`{rule_id}`]"


def section_title(section: str) -> str:
    """A scorecard section by its (Chinese) name; its English title in English mode."""
    return data.section_titles().get(section, section) if lang() == "en" else section


def agent_name(agent_id: str | None) -> str:
    return data.agent_directory().get(agent_id or "", {}).get("name", "") if agent_id else ""


def agent_team(agent_id: str | None) -> str:
    return data.agent_directory().get(agent_id or "", {}).get("team", "") if agent_id else ""


def agent_label(agent_id: str | None) -> str:
    """``孙丽（108）`` or the bare work number when the agent is not in the agents table."""
    if not agent_id:
        return "–"
    name = agent_name(agent_id)
    if not name:
        return agent_id
    return f"{name}（{agent_id}）" if lang() != "en" else f"{name} ({agent_id})"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str | None) -> str:
    """Text someone typed (an appeal reason, a comment), shown inside Markdown as typed: links,
    images, emphasis, colours (:red[…]), icons and formulas escaped, so they neither render nor fetch."""
    return _MARKDOWN.sub(r"\\\1", text or "")


def seconds(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f} {t('unit_s')}"


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def unscored(call: dict) -> bool:
    """The engine did not score the call (no conversation, or too few rules decidable)."""
    return call.get("scoring", "scored") != "scored"


def call_score(call: dict) -> str:
    """The automatic score, or 未评分 for a call the engine did not score (never a 100 or a 0)."""
    return t("not_scored") if unscored(call) and call.get("score") is None else score(call.get("score"))


def scoring_label(call: dict) -> str:
    return t(f"scoring_{call.get('scoring', 'scored')}")


def not_scored_text(call: dict) -> str:
    """``未评分：<reason>`` (the reason is stored in the engine's language)."""
    return t("not_scored_reason").format(reason=call.get("scoring_reason") or scoring_label(call),
                                         label=scoring_label(call))


def truncation_text(call: dict) -> str | None:
    """``录音不完整：仅 28.1 秒，文件头声明 106.9 秒`` for a recording cut off while written, else None."""
    if not call.get("truncated"):
        return None
    declared = call.get("declared_duration_s")
    if declared is None or call.get("duration_s") is None:
        return t("truncated")
    return t("truncated_warning").format(got=call["duration_s"], declared=declared)


def roles_check_text(metrics: dict) -> str | None:
    """``单声道录音：坐席与客户的区分不确定…`` when a mono call's roles are uncertain, else None."""
    diar = (metrics or {}).get("diarization") or {}
    if not diar.get("roles_uncertain"):
        return None
    return t("roles_uncertain_warning").format(conf=diar.get("role_confidence") or 0.0)


def audio_check_text(check: dict) -> str:
    """An opening phrase checked on the audio (qa_engine/verify.py): both scores and the outcome."""
    return t("audio_check").format(
        expected=check["expected"] or t("nothing"), exp=check["expected_score"], rival=check["rival"] or t("nothing"),
        riv=check["rival_score"], heard=check["heard"] or t("nothing"), margin=check["margin"],
        verdict=t("audio_supported") if check["verified"] else t("audio_not_supported"))


def require_user() -> dict:
    """The logged-in user; stops the page when nobody is logged in (pages run only after login)."""
    user = data.user()
    if not user:
        st.warning(t("login_first"))
        st.stop()
    return user


def crm_panel(panel: dict) -> None:
    """Customer, kind, VIP cards with sub-card balances, recent ledger, feedback and contacts."""
    c = panel["customer"]
    st.markdown(f"**{t('customer')}**：{c['name']}（{panel['kind_label']}）")
    if panel.get("company"):
        st.caption(f"{t('company')}：{panel['company']} · {t('contact')}：{panel['person_name']}")
    if panel.get("service_agent"):
        st.caption(f"{t('service_agent')}：{panel['service_agent']['name']}")
    st.metric(t("total_balance"), yuan(panel["total_balance_fen"]))
    kinds = {"main": t("main_card"), "sub": t("sub_card")}
    holders = {"customer": t("holder_customer"), "finance": t("holder_finance")}
    cards = [{t("card_no"): card["card_no"], t("card_kind"): kinds.get(card["kind"], card["kind"]),
              t("holder"): holders.get(card["holder"], card["holder"]), t("face_value"): yuan(card["face_value_fen"]),
              t("balance"): yuan(card["balance_fen"])} for card in panel["cards"]]
    st.markdown(f"**{t('vip_cards')}**")
    st.dataframe(cards, hide_index=True, width="stretch") if cards else st.caption(t("no_data"))
    st.markdown(f"**{t('recent_ledger')}**")
    entry_kinds = {"purchase": t("entry_purchase"), "spend": t("entry_spend"), "rebate": t("entry_rebate"),
                   "adjustment": t("entry_adjustment")}
    ledger = [{t("day"): str(row["occurred_at"])[:16].replace("T", " "), t("card_no"): row["card_no"],
               t("entry_kind"): entry_kinds.get(row["kind"], row["kind"]), t("amount"): yuan(row["amount_fen"]),
               t("balance"): yuan(row["balance_after_fen"]), t("notes"): row.get("note") or ""}
              for row in panel["recent_ledger"]]
    st.dataframe(ledger, hide_index=True, width="stretch") if ledger else st.caption(t("no_data"))
    if panel["open_feedback"]:
        st.markdown(f"**{t('open_feedback')}**")
        for fb in panel["open_feedback"]:
            st.caption(f"{fb.get('received_at', '')[:10]} · {fb.get('content', '')}")
    if panel["recent_contacts"]:
        st.markdown(f"**{t('recent_contacts')}**")
        for ct in panel["recent_contacts"]:
            st.caption(f"{str(ct.get('contacted_at', ''))[:10]} · {ct.get('channel', '')} · {ct.get('notes') or ''}")
