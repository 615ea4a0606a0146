"""规则可信度: agreement between the automatic and the human verdicts per rule."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t

ui.require_user()
st.header(t("page_agreement"))
st.caption(t("agreement_intro"))
rows = data.agreement()
if not rows:
    st.info(t("no_data"))
    st.stop()
st.dataframe([{t("rule"): r["rule_id"], "n": r["reviewed"], t("confirm"): r["confirmed"], t("overturn"): r["overturned"],
               "false fail": r["false_fail"], "missed fail": r["missed_fail"], "%": r["agreement"],
               t("trusted"): "✅" if r["trusted"] else ""} for r in rows], hide_index=True, width="stretch")
