"""规则可信度: agreement between the automatic and the human verdicts per rule. Every rule of the
current ruleset is listed (rules nobody reviewed yet with 0), reviewed rules first."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t

ui.require_user()
st.header(t("page_agreement"))
st.caption(t("agreement_intro"))
rows = data.agreement()
reviewed = {r["rule_id"] for r in rows}
unreviewed = [{"rule_id": rule_id, "reviewed": 0, "confirmed": 0, "overturned": 0, "false_fail": 0, "missed_fail": 0,
               "agreement": None, "trusted": False} for rule_id in data.rule_titles() if rule_id not in reviewed]
if not rows and not unreviewed:
    st.info(t("no_data"))
    st.stop()
if not rows:
    st.info(t("no_reviews_yet"))
st.dataframe([{t("rule"): ui.rule_title(r["rule_id"]), t("rule_id"): r["rule_id"], t("reviewed_n"): r["reviewed"],
               t("confirm"): r["confirmed"], t("overturn"): r["overturned"], t("false_fail"): r["false_fail"],
               t("missed_fail"): r["missed_fail"],
               t("agreement_rate"): f"{r['agreement']:.0%}" if r["agreement"] is not None else "–",
               t("trusted"): "✅" if r["trusted"] else ""} for r in rows + unreviewed],
             hide_index=True, width="stretch", height=35 * (len(rows) + len(unreviewed) + 1) + 3,
             column_config={t("rule"): st.column_config.TextColumn(width="medium"),
                            t("rule_id"): st.column_config.TextColumn()})
