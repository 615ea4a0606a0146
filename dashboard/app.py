"""Dashboard entry point: ``streamlit run dashboard/app.py`` (see qa_engine/api/serve.py).

Login first; then the pages the user's role may see, grouped in the sidebar navigation.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import data  # noqa: E402
from qa_engine import policy  # noqa: E402
from dashboard.i18n import LANGS, t  # noqa: E402

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="夜郎印象 QA", page_icon=":material/headset_mic:", layout="wide")
if "lang" not in st.session_state:
    st.session_state["lang"] = data.settings().language if data.settings().language in LANGS else "zh"

with st.sidebar:
    st.selectbox(t("language"), list(LANGS), format_func=LANGS.get, key="lang")


def login_page() -> None:
    st.title(t("app_title"))
    if st.session_state.get("logout_reason"):
        st.info(t(st.session_state["logout_reason"]))
    with st.form("login"):
        username = st.text_input(t("username"), key="login_user")
        password = st.text_input(t("password"), type="password", key="login_password")
        if st.form_submit_button(t("login")):
            try:
                user = data.login(username, password)
            except data.LoginBlocked:
                st.error(t("login_blocked"))
                return
            if user is None:
                st.error(t("login_failed"))
            else:
                st.session_state["user"] = user
                st.session_state.pop("logout_reason", None)
                st.rerun()
    if data.settings().demo_logins_hint:  # published passwords: never outside the demo
        st.caption(t("demo_hint"))


ended = data.end_stale_session()
if ended:
    st.session_state["logout_reason"] = ended
user = data.user()
if not user:
    st.navigation([st.Page(login_page, title=t("login"), icon=":material/login:")]).run()
    st.stop()

role = user["role"]


def page(file: str, key: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(PAGES / file, title=t(key), icon=icon, url_path=file.removesuffix(".py"), default=default)


sections: dict[str, list] = {t("nav_review"): [page("review_queue.py", "page_queue", ":material/fact_check:", default=True),
                                               page("call_review.py", "page_call", ":material/headset_mic:")]}
if data.can(policy.APPEAL_DECIDE) or data.can(policy.APPEAL_CREATE):
    sections[t("nav_review")].append(page("appeals.py", "page_appeals", ":material/gavel:"))
if data.can(policy.REVIEW_WRITE):  # participants score blind; supervisors and admins also set sessions up
    sections[t("nav_review")].append(page("calibration.py", "page_calibration", ":material/groups:"))
reports = [page("daily_report.py", "page_daily", ":material/bar_chart:")]
if data.can(policy.REPORTS_TEAM):
    reports.append(page("agreement.py", "page_agreement", ":material/balance:"))
reports.append(page("coaching.py", "page_coaching", ":material/school:"))
sections[t("nav_reports")] = reports
if data.can(policy.CRM_READ):
    sections[t("nav_crm")] = [page("customers.py", "page_customers", ":material/person_search:"),
                              page("crm_reports.py", "page_crm_reports", ":material/credit_card:")]
if data.can(policy.USERS_MANAGE):
    sections[t("nav_admin")] = [page("users.py", "page_users", ":material/manage_accounts:")]

with st.sidebar:
    st.caption(f"{t('logged_in_as')}：{user['username']}（{role}）")
    if st.button(t("logout")):
        st.session_state.pop("user", None)
        st.rerun()

st.navigation(sections).run()
