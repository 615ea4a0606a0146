from __future__ import annotations

from qa_engine.api.security import hash_password, verify_password


def test_password_hashes_are_salted_and_verify():
    a, b = hash_password("s3cret!"), hash_password("s3cret!")
    assert a != b and a.startswith("scrypt$")
    assert verify_password("s3cret!", a) and not verify_password("wrong", a)
    assert not verify_password("s3cret!", "garbage")


def test_login_returns_a_token_that_identifies_the_user(client, login):
    r = client.get("/api/auth/me", headers=login("inspector"))
    assert r.status_code == 200
    assert r.json()["role"] == "inspector" and "password_hash" not in r.json()


def test_wrong_password_and_missing_token_are_refused(client):
    assert client.post("/api/auth/token", data={"username": "admin", "password": "nope"}).status_code == 401
    assert client.get("/api/calls").status_code == 401
    assert client.get("/api/calls", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401


def test_only_admin_manages_users(client, login):
    body = {"username": "qc2", "password": "pass1234", "role": "inspector"}
    assert client.post("/api/users", json=body, headers=login("supervisor")).status_code == 403
    r = client.post("/api/users", json=body, headers=login("admin"))
    assert r.status_code == 201
    assert client.post("/api/auth/token", data={"username": "qc2", "password": "pass1234"}).status_code == 200
    bad = {"username": "x", "password": "pass1234", "role": "agent"}  # agent without agent_id
    assert client.post("/api/users", json=bad, headers=login("admin")).status_code == 422


def test_token_expires(db):
    from qa_engine.api.security import create_token, decode_token

    expired = db.model_copy(update={"token_minutes": -1})
    assert decode_token(db, create_token(expired, username="admin", role="admin")) is None
    assert decode_token(db, create_token(db, username="admin", role="admin")) == "admin"
