"""Users, roles and the demo accounts."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from functools import lru_cache

from sqlmodel import Session, select

from qa_engine.api.security import hash_password, needs_rehash, verify_password
from qa_engine.config import Settings
from qa_engine.storage.app_models import AuditLog, User, UserCreate
from qa_engine.storage.models import utcnow

logger = logging.getLogger(__name__)
LOGIN_FAILED = "auth.login_failed"

# Demo accounts (documented in qa_engine/api/README.md and printed by the demo command). Change them in production.
DEMO_USERS: tuple[tuple[str, str, str, str | None, str], ...] = (
    ("admin", "admin123", "admin", None, "系统管理员"),
    ("supervisor", "super123", "supervisor", None, "值班主管"),
    ("inspector", "inspect123", "inspector", None, "质检员"),
    ("trainer", "train123", "trainer", None, "培训师"),
    ("agent108", "agent123", "agent", "108", "108号坐席"),
)


def get_user(session: Session, *, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(session: Session, *, user_in: UserCreate) -> User:
    """Add a user with a hashed password, unchecked and unaudited: accounts are created through
    ``qa_engine.api.services.accounts.create_account``; this is its storage step and the demo's."""
    user = User.model_validate(user_in, update={"password_hash": hash_password(user_in.password)})
    session.add(user)
    session.flush()
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    user = get_user(session, username=username)
    if user is None or not user.active:
        # Verify against a stored dummy hash: a missing user costs one hash, exactly like a wrong
        # password (hashing a fresh one too made unknown names twice as slow, revealing accounts).
        verify_password(password, _dummy_hash())
        return None
    if not verify_password(password, user.password_hash):
        return None
    if needs_rehash(user.password_hash):  # an older scheme: upgraded now that the password is at hand
        user.password_hash = hash_password(password)
        session.add(user)
    return user


class LoginBlocked(Exception):
    """Too many failed logins lately: refuse without checking the password."""


def log_in(session: Session, settings: Settings, *, username: str, password: str, client: str) -> User | None:
    """The one login policy of the API and the dashboard: throttled, every failure logged and
    audited. Raises LoginBlocked; None for a wrong name or password (the caller commits)."""
    if login_blocked(session, settings, username=username, client=client):
        raise LoginBlocked(username)
    user = authenticate(session, username=username, password=password)
    if user is None:
        record_login_failure(session, username=username, client=client)
    return user


def login_blocked(session: Session, settings: Settings, *, username: str, client: str) -> bool:
    """Too many failed logins lately for this user name or from this client address."""
    cutoff = utcnow() - timedelta(minutes=settings.login_window_minutes)
    rows = session.exec(select(AuditLog.entity_id, AuditLog.detail)
                        .where(AuditLog.action == LOGIN_FAILED, AuditLog.at >= cutoff)).all()
    by_user = sum(1 for name, _ in rows if name == username[:64])
    by_client = sum(1 for _, detail in rows if (detail or {}).get("client") == client)
    return by_user >= settings.login_max_failures_per_user or by_client >= settings.login_max_failures_per_client


def record_login_failure(session: Session, *, username: str, client: str) -> None:
    """Log and audit one failed login (the audit rows are what ``login_blocked`` counts)."""
    logger.warning("failed login for %r from %s", username, client)
    session.add(AuditLog(username=username[:64] or "-", action=LOGIN_FAILED, entity="login", entity_id=username[:64],
                         detail={"client": client}))


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)))


def ensure_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; returns (username, password, role) of all."""
    for username, password, role, agent_id, name in DEMO_USERS:
        if get_user(session, username=username) is None:
            # model_construct: the published demo passwords are shorter than real accounts may have.
            create_user(session, user_in=UserCreate.model_construct(username=username, password=password, role=role,
                                                                    agent_id=agent_id, full_name=name))
    return [(u, p, r) for u, p, r, _a, _n in DEMO_USERS]
