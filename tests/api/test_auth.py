from __future__ import annotations

from qa_engine.api.security import hash_password, verify_password


def test_password_hashes_are_salted_argon2id_at_owasp_parameters_and_verify():
    a, b = hash_password("s3cret!"), hash_password("s3cret!")
    assert a != b and a.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password("s3cret!", a) and not verify_password("wrong", a)
    assert not verify_password("s3cret!", "garbage") and not verify_password("s3cret!", "$argon2id$garbage")


def _scrypt_hash(password: str) -> str:
    """A hash as the service wrote them before argon2id."""
    import hashlib
    import secrets

    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


def test_an_older_scrypt_hash_still_logs_in_and_is_upgraded_to_argon2id(client, db):
    from sqlmodel import select

    from qa_engine.storage.app_models import User
    from qa_engine.storage.db import session_scope

    with session_scope(db) as s:
        user = s.exec(select(User).where(User.username == "trainer")).one()
        user.password_hash = _scrypt_hash("train123")
    assert client.post("/api/auth/token", data={"username": "trainer", "password": "train123"}).status_code == 200
    with session_scope(db) as s:
        stored = s.exec(select(User).where(User.username == "trainer")).one().password_hash
    assert stored.startswith("$argon2id$") and verify_password("train123", stored)


def test_login_returns_a_token_that_identifies_the_user(client, login):
    r = client.get("/api/auth/me", headers=login("inspector"))
    assert r.status_code == 200
    assert r.json()["role"] == "inspector" and "password_hash" not in r.json()


def test_wrong_password_and_missing_token_are_refused(client):
    assert client.post("/api/auth/token", data={"username": "admin", "password": "nope"}).status_code == 401
    assert client.get("/api/calls").status_code == 401
    assert client.get("/api/calls", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401


def test_only_admin_manages_users(client, login):
    body = {"username": "qc2", "password": "pass1234-long", "role": "inspector"}
    assert client.post("/api/users", json=body, headers=login("supervisor")).status_code == 403
    r = client.post("/api/users", json=body, headers=login("admin"))
    assert r.status_code == 201
    assert client.post("/api/auth/token", data={"username": "qc2", "password": "pass1234-long"}).status_code == 200
    short = {"username": "qc3", "password": "short123", "role": "inspector"}
    assert client.post("/api/users", json=short, headers=login("admin")).status_code == 422  # under 10 characters
    bad = {"username": "x", "password": "pass1234", "role": "agent"}  # agent without agent_id
    assert client.post("/api/users", json=bad, headers=login("admin")).status_code == 422


def test_token_expires(db):
    from qa_engine.api.security import create_token, decode_token

    expired = db.model_copy(update={"token_minutes": -1})
    assert decode_token(db, create_token(expired, username="admin", role="admin")) is None
    assert decode_token(db, create_token(db, username="admin", role="admin", version=3)) == ("admin", 3)


def _token(client, username, password):
    return client.post("/api/auth/token", data={"username": username, "password": password})


def test_repeated_failures_for_a_user_name_block_its_logins_and_are_audited(client, db):
    from sqlmodel import select

    from qa_engine.storage.app_models import AuditLog
    from qa_engine.storage.db import session_scope

    for _ in range(db.login_max_failures_per_user):
        assert _token(client, "inspector", "guess").status_code == 401
    blocked = _token(client, "inspector", "inspect123")  # even the right password, until the window passes
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == str(db.login_window_minutes * 60)
    assert _token(client, "supervisor", "super123").status_code == 200  # other accounts are not locked out
    with session_scope(db) as s:
        rows = s.exec(select(AuditLog).where(AuditLog.action == "auth.login_failed")).all()
        assert len(rows) == db.login_max_failures_per_user
        assert {r.entity_id for r in rows} == {"inspector"} and rows[0].detail == {"client": "testclient"}


def test_many_failures_from_one_address_block_it_whatever_the_user_names(client, db):
    for n in range(db.login_max_failures_per_client):
        assert _token(client, f"nobody{n}", "guess").status_code == 401
    assert _token(client, "admin", "admin123").status_code == 429


def test_an_unknown_user_costs_one_password_hash_like_a_wrong_password(client, monkeypatch):
    import qa_engine.api.services.users as users

    checked = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda pw, stored: checked.append(stored[:30]) or real(pw, stored))
    _token(client, "nobody", "guess")
    _token(client, "inspector", "guess")
    # One argon2id check each, at the same parameters: an unknown name is not cheaper.
    assert len(checked) == 2 and checked[0] == checked[1] == "$argon2id$v=19$m=19456,t=2,p=1"
