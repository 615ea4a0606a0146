"""Admin user management over HTTP, and tokens that die with a password, role or active change."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qa_engine.storage.app_models import AuditLog
from qa_engine.storage.db import session_scope


def _audit(db, action: str) -> list[AuditLog]:
    with session_scope(db) as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)))


def _bearer(client, username: str, password: str) -> dict:
    r = client.post("/api/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.mark.parametrize("user", ["supervisor", "inspector", "trainer", "agent108"])
def test_only_admins_reach_the_user_routes(client, login, user):
    h = login(user)
    assert client.get("/api/users", headers=h).status_code == 403
    assert client.post("/api/users", json={"username": "x1", "password": "long-enough-1", "role": "inspector"},
                       headers=h).status_code == 403
    assert client.post("/api/users/trainer/password", json={"password": "long-enough-1"}, headers=h).status_code == 403
    assert client.put("/api/users/trainer/role", json={"role": "admin"}, headers=h).status_code == 403
    assert client.post("/api/users/trainer/disable", headers=h).status_code == 403
    assert client.post("/api/users/trainer/enable", headers=h).status_code == 403


def test_user_list_shows_roles_and_password_dates_but_never_hashes(client, login):
    rows = client.get("/api/users", headers=login("admin")).json()
    by_name = {r["username"]: r for r in rows}
    assert by_name["agent108"]["agent_id"] == "108" and by_name["trainer"]["role"] == "trainer"
    assert "password_changed_at" in by_name["admin"]
    assert not any(k in r for r in rows for k in ("password_hash", "token_version", "password"))


def test_admin_creates_a_user_who_can_log_in_and_the_creation_is_audited(client, login, db):
    body = {"username": "qc2", "password": "pass1234-long", "role": "agent", "agent_id": "120", "full_name": "新质检"}
    r = client.post("/api/users", json=body, headers=login("admin"))
    assert r.status_code == 201 and r.json()["agent_id"] == "120" and "password" not in r.json()
    _bearer(client, "qc2", "pass1234-long")
    row = _audit(db, "user.create")[-1]
    assert (row.username, row.entity_id, row.detail) == ("admin", "qc2", {"role": "agent", "agent_id": "120"})
    again = client.post("/api/users", json=body, headers=login("admin"))
    assert again.status_code == 409 and "exists" in again.json()["detail"]


def test_bad_new_users_are_refused_with_the_reason(client, login):
    h = login("admin")
    unknown_role = client.post("/api/users", json={"username": "x2", "password": "long-enough-1", "role": "boss"}, headers=h)
    assert unknown_role.status_code == 422 and "unknown role" in unknown_role.json()["detail"]
    agent = client.post("/api/users", json={"username": "x3", "password": "long-enough-1", "role": "agent"}, headers=h)
    assert agent.status_code == 422 and "agent id" in agent.json()["detail"]
    assert client.post("/api/users", json={"username": "x4", "password": "short", "role": "trainer"},
                       headers=h).status_code == 422
    for name in ("has space", "nul\x00byte", ""):
        r = client.post("/api/users", json={"username": name, "password": "long-enough-1", "role": "trainer"}, headers=h)
        assert r.status_code == 422 and "user name" in r.json()["detail"]
    assert {u["username"] for u in client.get("/api/users", headers=h).json()}.isdisjoint({"x2", "x3", "x4"})


def test_password_reset_ends_the_users_tokens_and_the_new_password_works(client, login, db):
    old = _bearer(client, "trainer", "train123")
    assert client.get("/api/auth/me", headers=old).status_code == 200
    r = client.post("/api/users/trainer/password", json={"password": "new-trainer-pw"}, headers=login("admin"))
    assert r.status_code == 200
    assert client.get("/api/auth/me", headers=old).status_code == 401
    assert client.post("/api/auth/token", data={"username": "trainer", "password": "train123"}).status_code == 401
    assert client.get("/api/auth/me", headers=_bearer(client, "trainer", "new-trainer-pw")).status_code == 200
    assert [(a.username, a.entity_id) for a in _audit(db, "user.password")] == [("admin", "trainer")]


def test_role_change_ends_the_users_tokens_and_is_audited(client, login, db):
    old = _bearer(client, "inspector", "inspect123")
    r = client.put("/api/users/inspector/role", json={"role": "trainer"}, headers=login("admin"))
    assert r.status_code == 200 and r.json()["role"] == "trainer"
    assert client.get("/api/calls", headers=old).status_code == 401
    fresh = _bearer(client, "inspector", "inspect123")
    assert client.get("/api/auth/me", headers=fresh).json()["role"] == "trainer"
    assert _audit(db, "user.role")[-1].detail == {"from": "inspector", "to": "trainer", "agent_id": None}
    to_agent = client.put("/api/users/inspector/role", json={"role": "agent"}, headers=login("admin"))
    assert to_agent.status_code == 422  # no work number


def test_disabled_user_is_locked_out_until_enabled(client, login, db):
    old = _bearer(client, "supervisor", "super123")
    assert client.post("/api/users/supervisor/disable", headers=login("admin")).json()["active"] is False
    assert client.get("/api/auth/me", headers=old).status_code == 401
    assert client.post("/api/auth/token", data={"username": "supervisor", "password": "super123"}).status_code == 401
    assert client.post("/api/users/supervisor/enable", headers=login("admin")).json()["active"] is True
    assert client.get("/api/auth/me", headers=old).status_code == 401  # old tokens stay dead
    _bearer(client, "supervisor", "super123")
    assert [a.action for a in _audit(db, "user.disable") + _audit(db, "user.enable")] == ["user.disable", "user.enable"]


def test_an_admin_cannot_disable_or_demote_themselves(client, login):
    h = login("admin")
    disable = client.post("/api/users/admin/disable", headers=h)
    assert disable.status_code == 409 and "yourself" in disable.json()["detail"]
    demote = client.put("/api/users/admin/role", json={"role": "supervisor"}, headers=h)
    assert demote.status_code == 409 and "yourself" in demote.json()["detail"]
    assert client.get("/api/auth/me", headers=h).json()["role"] == "admin"  # nothing changed, token still good


def test_another_admin_may_demote_an_admin_but_not_the_last_one(client, login):
    h = login("admin")
    client.post("/api/users", json={"username": "root2", "password": "second-admin", "role": "admin"}, headers=h)
    root2 = _bearer(client, "root2", "second-admin")
    assert client.put("/api/users/admin/role", json={"role": "supervisor"}, headers=root2).status_code == 200
    assert client.post("/api/users/root2/disable", headers=root2).status_code == 409


def test_unknown_user_is_404(client, login):
    r = client.post("/api/users/nobody/disable", headers=login("admin"))
    assert r.status_code == 404 and "nobody" in r.json()["detail"]


def test_own_password_change_needs_the_old_one_and_revokes_the_other_tokens(client, db):
    phone, laptop = _bearer(client, "inspector", "inspect123"), _bearer(client, "inspector", "inspect123")
    wrong = client.post("/api/auth/password", json={"old_password": "guess", "new_password": "inspector-new-1"},
                        headers=laptop)
    assert wrong.status_code == 400 and _audit(db, "auth.login_failed")[-1].entity_id == "inspector"
    r = client.post("/api/auth/password", json={"old_password": "inspect123", "new_password": "inspector-new-1"},
                    headers=laptop)
    assert r.status_code == 200
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/auth/me", headers=phone).status_code == 401
    assert client.get("/api/auth/me", headers=laptop).status_code == 401
    assert client.get("/api/auth/me", headers=fresh).status_code == 200
    _bearer(client, "inspector", "inspector-new-1")
    assert [a.username for a in _audit(db, "user.password_own")] == ["inspector"]


def test_own_password_change_is_throttled_like_logins(client, db):
    h = _bearer(client, "trainer", "train123")
    for _ in range(db.login_max_failures_per_user):
        client.post("/api/auth/password", json={"old_password": "guess", "new_password": "trainer-new-12"}, headers=h)
    r = client.post("/api/auth/password", json={"old_password": "train123", "new_password": "trainer-new-12"}, headers=h)
    assert r.status_code == 429


def test_tokens_without_a_version_are_refused(client, db):
    import jwt

    legacy = jwt.encode({"sub": "admin", "role": "admin", "exp": 4102444800}, db.secret_key, algorithm="HS256")
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {legacy}"}).status_code == 401
