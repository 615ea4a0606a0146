"""The admin's user page, and dashboard sessions that end on time or when the account changes."""

from __future__ import annotations

import time

import pytest
from apptest_helpers import texts
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from qa_engine.api.security import verify_password
from qa_engine.api.services import accounts
from qa_engine.config import REPO_ROOT
from qa_engine.storage.app_models import AuditLog, User
from qa_engine.storage.db import session_scope


def _row(settings, name: str) -> User | None:
    with session_scope(settings) as s:
        return s.exec(select(User).where(User.username == name)).first()


def _audit(settings, action: str) -> list[tuple[str, str]]:
    with session_scope(settings) as s:
        return [(a.username, a.entity_id) for a in s.exec(select(AuditLog).where(AuditLog.action == action))]


@pytest.mark.parametrize("user", ["supervisor", "inspector", "trainer", "agent108"])
def test_user_page_refuses_everyone_but_admins(page, user):
    at = page("users", user=user)
    assert "无权访问此页面" in texts(at)
    assert not at.dataframe and not at.button


def test_admin_lists_and_creates_users_audited_with_their_name(page, dash_db):
    at = page("users", user="admin")
    listed = at.dataframe[0].value
    assert {"admin", "inspector", "agent108"} <= set(listed["用户名"]) and "密码修改时间" in listed.columns
    at.text_input(key="nu_name").input("qc9")
    at.text_input(key="nu_full").input("新质检员")
    at.text_input(key="nu_password").input("qc9-password")
    next(b for b in at.button if b.label == "创建").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已保存" in texts(at) and "qc9" in set(at.dataframe[0].value["用户名"])
    assert verify_password("qc9-password", _row(dash_db, "qc9").password_hash)
    assert _audit(dash_db, "user.create") == [("admin", "qc9")]


def test_a_refused_change_says_why_and_stores_nothing(page, dash_db):
    at = page("users", user="admin")
    at.text_input(key="nu_name").input("qc9")
    at.text_input(key="nu_password").input("short")
    next(b for b in at.button if b.label == "创建").click().run()
    assert "操作被拒绝" in texts(at) and "password too short" in texts(at)
    assert _row(dash_db, "qc9") is None
    at.selectbox(key="mu_name").set_value("admin").run()
    at.button(key="mu_disable").click().run()
    assert "yourself" in texts(at) and _row(dash_db, "admin").active


def test_admin_resets_a_password_changes_a_role_and_disables(page, dash_db):
    at = page("users", user="admin")
    at.selectbox(key="mu_name").set_value("trainer").run()
    at.text_input(key="mu_password").input("trainer-new-pw")
    at.button(key="mu_reset").click().run()
    at.selectbox(key="mu_role_trainer").set_value("supervisor")
    at.button(key="mu_set_role").click().run()
    at.button(key="mu_disable").click().run()
    assert not at.exception, [e.value for e in at.exception]
    row = _row(dash_db, "trainer")
    assert verify_password("trainer-new-pw", row.password_hash) and row.role == "supervisor" and not row.active
    assert _audit(dash_db, "user.disable") == [("admin", "trainer")]
    assert "⛔" in list(at.dataframe[0].value["启用"])


def _logged_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert at.session_state["user"]["username"] == username
    return at


def test_only_admins_get_the_user_page_in_the_navigation(dash_db):
    admin = _logged_in("admin", "admin123").switch_page("pages/users.py").run()
    assert not admin.exception and "账号的每次变更都记入审计日志" in texts(admin)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered for them
        _logged_in("supervisor", "super123").switch_page("pages/users.py")


def _next_page_run(user: dict) -> AppTest:
    """The app run again for a logged-in session (a fresh AppTest: once a page is shown, AppTest
    reruns the page's own script and would skip app.py, where the session is checked)."""
    at = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.session_state["user"] = user
    return at.run()


def test_session_expires_after_the_configured_minutes(dash_db):
    user = _logged_in("inspector", "inspect123").session_state["user"]
    assert "user" in _next_page_run(user).session_state
    at = _next_page_run(dict(user, login_at=time.time() - dash_db.dashboard_session_minutes * 60 - 1))
    assert "user" not in at.session_state and "登录已超时" in texts(at)


@pytest.mark.parametrize("change", [
    lambda s: accounts.set_active(s, actor="admin", username="inspector", active=False),
    lambda s: accounts.set_password(s, actor="admin", username="inspector", password="changed-elsewhere"),
    lambda s: accounts.set_role(s, actor="admin", username="inspector", role="trainer"),
], ids=["disabled", "password", "role"])
def test_session_ends_when_the_account_changes_elsewhere(dash_db, change):
    user = _logged_in("inspector", "inspect123").session_state["user"]
    assert "user" in _next_page_run(user).session_state  # an unchanged account stays logged in
    with session_scope(dash_db) as s:
        change(s)
    at = _next_page_run(user)
    assert "user" not in at.session_state and "请重新登录" in texts(at)
    assert at.text_input(key="login_user")  # back on the login form


def test_an_admin_resetting_their_own_password_stays_logged_in(page, dash_db):
    at = page("users", user="admin")
    at.session_state["user"] = dict(at.session_state["user"], token_version=0, login_at=time.time())
    at.selectbox(key="mu_name").set_value("admin").run()
    at.text_input(key="mu_password").input("admin-new-password")
    at.button(key="mu_reset").click().run()
    assert "已保存" in texts(at)
    assert "user" in _next_page_run(at.session_state["user"]).session_state
