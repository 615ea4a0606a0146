"""客户档案: customer search and profile with VIP cards, ledger, feedback and contacts."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t

ui.require_user()
st.header(t("page_customers"))
query = st.text_input(t("search"), key="crm_q")
try:
    found = data.search_customers(query)
except Exception as exc:  # noqa: BLE001 - the CRM package may be missing from a build
    st.warning(f"{t('crm_unavailable')}: {exc}")
    st.stop()
if not found:
    st.info(t("no_data"))
    st.stop()
st.dataframe([{"#": c["id"], t("customer"): c["name"], t("company"): c.get("company"), t("kind"): ui.kind_label(c["kind"]),
               t("contact"): c.get("contact_person")} for c in found], hide_index=True, width="stretch")
customer_id = st.selectbox(t("profile"), [c["id"] for c in found],
                           format_func=lambda i: next(f"{c['code']} {c['name']}" for c in found if c["id"] == i))
phones = data.crm("customer_phones", customer_id=customer_id)
st.caption(f"{t('phones')}：{'、'.join(phones) or '–'}")
panel = data.customer_panel(phones[0]) if phones else None
if panel:
    ui.crm_panel(panel)
else:
    profile = data.crm("get_customer", ref=customer_id)
    st.json(profile)
    cards = data.crm("customer_cards", customer_id=customer_id)
    st.dataframe([{t("card_no"): c["card_no"], t("card_kind"): c["kind"], t("balance"): ui.yuan(c["balance_fen"])}
                  for c in cards], hide_index=True)
