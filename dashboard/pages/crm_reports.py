"""月结报表: commission, feedback analysis, birthdays and the month-end rebate run."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import data, ui
from qa_engine import policy
from dashboard.i18n import t

user = ui.require_user()
st.header(t("page_crm_reports"))
month = st.text_input(t("month"), value=date.today().strftime("%Y-%m"), key="crm_month")

try:
    commission = data.crm("commission_report", month=month)
    feedback = data.crm("monthly_feedback_analysis", month=month)
    birthdays = data.crm("birthday_due", start=date.today(), days=30)
except Exception as exc:  # noqa: BLE001 - bad month text or a CRM build without these reports
    st.warning(str(exc))
    st.stop()

st.subheader(t("commission"))
if commission:
    st.dataframe([{t("agent"): r["staff_name"], "10k": r["cards_10k"], "20k": r["cards_20k"],
                   t("face_value"): ui.yuan(r["sales_fen"]), t("commission"): ui.yuan(r["commission_fen"]),
                   "✓": r["settled"]} for r in commission], hide_index=True, width="stretch")
else:
    st.caption(t("no_data"))

st.subheader(t("feedback_analysis"))
rate = feedback["reply_rate"]
st.caption(f"{feedback['total']} · {t('reply_rate')} {f'{rate:.0%}' if rate is not None else '–'}")
if feedback["counts"]:
    st.dataframe(feedback["counts"], hide_index=True)

st.subheader(t("birthdays"))
if birthdays:
    st.dataframe([{t("customer"): b["name"], t("company"): b.get("company"), t("day"): b["birthday"],
                   "✓": b["sent"]} for b in birthdays], hide_index=True)
else:
    st.caption(t("no_data"))

if data.can(policy.CRM_MONTH_END):
    st.subheader(t("rebates"))
    if st.button(t("run_rebates"), key="run_rebates"):
        try:
            rows = data.run_rebates(month)
        except Exception as exc:  # noqa: BLE001 - refusals (open month) are shown as they are
            st.warning(str(exc))
        else:
            st.dataframe([{t("customer"): r["customer_name"], "rebate": ui.yuan(r["rebate_fen"]), "status": r["status"],
                           t("card_no"): r["sub_card_no"]} for r in rows], hide_index=True)
