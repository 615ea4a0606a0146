"""用户管理 (admins): list users, create one, reset a password, change a role, disable or enable.

Every change goes through ``qa_engine.api.services.accounts`` (as the API and ``qa-engine users``
do), is audited with the admin's name and ends the changed user's sessions."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from dashboard.i18n import t
from qa_engine import policy
from qa_engine.api.services.accounts import AccountError
from qa_engine.policy import ROLES

ui.require_user()
try:
    data.check(policy.USERS_MANAGE)
except policy.PermissionDenied:
    st.error(t("not_allowed"))
    st.stop()


def apply(change, *args, **kwargs) -> None:
    """Run one account change and show the page again with it; a refusal is shown with its reason
    and nothing is stored."""
    try:
        change(*args, **kwargs)
    except AccountError as exc:
        st.error(f"{t('account_refused')}：{exc}")
    else:
        st.session_state["users_saved"] = True
        st.rerun()


st.header(t("page_users"))
st.caption(t("users_intro"))
if st.session_state.pop("users_saved", False):
    st.success(t("account_saved"))
users = data.list_users()

with st.form("new_user", clear_on_submit=True):
    st.subheader(t("new_user"))
    left, right = st.columns(2)
    username = left.text_input(t("username"), key="nu_name")
    full_name = right.text_input(t("agent_name"), key="nu_full")
    role = left.selectbox(t("role"), ROLES, index=ROLES.index("inspector"), key="nu_role")
    agent_id = right.text_input(t("work_no"), key="nu_agent")
    password = st.text_input(t("new_password"), type="password", key="nu_password")
    if st.form_submit_button(t("create")):
        apply(data.create_user, username=username.strip(), password=password, role=role,
              agent_id=agent_id.strip() or None, full_name=full_name.strip())

st.dataframe([{t("username"): u["username"], t("agent_name"): u["full_name"], t("role"): u["role"],
               t("work_no"): u["agent_id"] or "", t("active"): "✅" if u["active"] else "⛔",
               t("password_changed"): ui.local_time(u["password_changed_at"])} for u in users],
             hide_index=True, width="stretch")

st.subheader(t("manage_user"))
names = [u["username"] for u in users]
chosen = st.selectbox(t("choose_user"), names, key="mu_name")
target = next(u for u in users if u["username"] == chosen)
pw_col, role_col, active_col = st.columns(3)
with pw_col:
    new_password = st.text_input(t("new_password"), type="password", key="mu_password")
    if st.button(t("reset_password"), key="mu_reset"):
        apply(data.reset_password, chosen, new_password)
with role_col:
    new_role = st.selectbox(t("role"), ROLES, index=ROLES.index(target["role"]), key=f"mu_role_{chosen}")
    new_agent = st.text_input(t("work_no"), value=target["agent_id"] or "", key=f"mu_agent_{chosen}")
    if st.button(t("change_role"), key="mu_set_role"):
        apply(data.set_role, chosen, new_role, new_agent.strip() or None)
with active_col:
    if target["active"]:
        if st.button(t("disable_user"), key="mu_disable"):
            apply(data.set_active, chosen, False)
    elif st.button(t("enable_user"), key="mu_enable"):
        apply(data.set_active, chosen, True)
