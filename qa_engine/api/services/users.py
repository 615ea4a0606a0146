"""Users, roles and the demo accounts."""

from __future__ import annotations

from sqlmodel import Session, select

from qa_engine.api.security import hash_password, verify_password
from qa_engine.storage.app_models import ROLES, User, UserCreate

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
    """Add a user with a hashed password; the role must be one of ``ROLES``."""
    if user_in.role not in ROLES:
        raise ValueError(f"unknown role {user_in.role!r}; one of {', '.join(ROLES)}")
    if user_in.role == "agent" and not user_in.agent_id:
        raise ValueError("an agent user needs agent_id (the work number)")
    user = User.model_validate(user_in, update={"password_hash": hash_password(user_in.password)})
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    user = get_user(session, username=username)
    if user is None or not user.active:
        # Hash anyway so a missing user costs the same time as a wrong password.
        verify_password(password, hash_password("timing"))
        return None
    return user if verify_password(password, user.password_hash) else None


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)))


def ensure_demo_users(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; returns (username, password, role) of all."""
    for username, password, role, agent_id, name in DEMO_USERS:
        if get_user(session, username=username) is None:
            create_user(session, user_in=UserCreate(username=username, password=password, role=role,
                                                    agent_id=agent_id, full_name=name))
    return [(u, p, r) for u, p, r, _a, _n in DEMO_USERS]
