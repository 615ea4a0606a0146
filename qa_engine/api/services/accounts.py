"""Account management: create users, set passwords and roles, disable and enable them.

The one place for these rules: the ``qa-engine users`` command line, the admin API routes and the
dashboard's user page all call these functions. Every change is audited with the acting user
(``cli:<os user>`` from the command line) and raises the user's ``token_version`` where it should
end the user's sessions (password, role, disable), so tokens and dashboard sessions issued before
stop working at once. Functions flush; the caller commits.
"""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from qa_engine.api.security import hash_password, verify_password
from qa_engine.api.services.review import audit
from qa_engine.api.services.users import (LoginBlocked, create_user, get_user, list_users, login_blocked,
                                          record_login_failure)
from qa_engine.config import Settings
from qa_engine.storage.app_models import MIN_PASSWORD_LENGTH, ROLES, User, UserCreate
from qa_engine.storage.models import utcnow

__all__ = ["AccountConflict", "AccountError", "LoginBlocked", "UnknownUser", "WrongPassword", "change_own_password",
           "create_account", "existing_user", "list_users", "session_user", "set_active", "set_password", "set_role"]

_USERNAME = re.compile(r"[^\s]{1,64}")


class AccountError(ValueError):
    """Bad input: unknown role, short password, an agent without a work number (HTTP 422)."""


class UnknownUser(AccountError):
    """No user of that name (HTTP 404)."""


class AccountConflict(AccountError):
    """The change contradicts the stored accounts: a taken name, an admin demoting or disabling
    themselves, the last active admin (HTTP 409)."""


class WrongPassword(AccountError):
    """The current password given to change one's own password is wrong (HTTP 400)."""


def create_account(session: Session, *, actor: str, username: str, password: str, role: str,
                   agent_id: str | None = None, full_name: str = "") -> User:
    """A new active user with a hashed password, audited as ``user.create``."""
    if not _USERNAME.fullmatch(username) or not username.isprintable():
        raise AccountError(f"user name {username!r}: 1 to 64 printable characters without spaces")
    if not full_name.isprintable() or len(full_name) > 64:
        raise AccountError(f"full name {full_name!r}: at most 64 printable characters")
    _check_role(role, agent_id)
    _check_password(password)
    if get_user(session, username=username) is not None:
        raise AccountConflict(f"user {username!r} exists already")
    user_in = UserCreate.model_construct(username=username, password=password, role=role, agent_id=agent_id or None,
                                         full_name=full_name, active=True)
    try:
        user = create_user(session, user_in=user_in)
    except IntegrityError:  # created by someone else since the check above
        session.rollback()
        raise AccountConflict(f"user {username!r} exists already") from None
    audit(session, username=actor, action="user.create", entity="user", entity_id=username,
          detail={"role": role, "agent_id": user.agent_id})
    return user


def set_password(session: Session, *, actor: str, username: str, password: str) -> User:
    """An administrator's password reset (``user.password``): the user's tokens and sessions end."""
    user = existing_user(session, username)
    _store_password(session, user, password)
    audit(session, username=actor, action="user.password", entity="user", entity_id=username)
    return user


def change_own_password(session: Session, settings: Settings, *, user: User, old_password: str, new_password: str,
                        client: str) -> User:
    """A user changes their own password, proving the old one (throttled and audited like a login:
    a stolen token must not become a password oracle). Raises LoginBlocked or WrongPassword."""
    if login_blocked(session, settings, username=user.username, client=client):
        raise LoginBlocked(user.username)
    if not verify_password(old_password, user.password_hash):
        record_login_failure(session, username=user.username, client=client)
        raise WrongPassword("the current password is wrong")
    _store_password(session, user, new_password)
    audit(session, username=user.username, action="user.password_own", entity="user", entity_id=user.username)
    return user


def set_role(session: Session, *, actor: str, username: str, role: str, agent_id: str | None = None) -> User:
    """Give the user another role (``user.role``); an agent keeps or is given a work number."""
    user = existing_user(session, username)
    agent_id = agent_id or user.agent_id
    _check_role(role, agent_id)
    if user.role == "admin" and role != "admin":
        _check_admin_removal(session, actor=actor, user=user, what="remove the admin role of")
    old = user.role
    user.role, user.agent_id = role, agent_id
    _end_sessions(session, user)
    audit(session, username=actor, action="user.role", entity="user", entity_id=username,
          detail={"from": old, "to": role, "agent_id": agent_id})
    return user


def set_active(session: Session, *, actor: str, username: str, active: bool) -> User:
    """Disable (``user.disable``: logins refused, tokens and sessions end) or enable (``user.enable``)."""
    user = existing_user(session, username)
    if not active and user.role == "admin" and user.active:
        _check_admin_removal(session, actor=actor, user=user, what="disable")
    user.active = active
    _end_sessions(session, user)
    audit(session, username=actor, action="user.enable" if active else "user.disable", entity="user",
          entity_id=username)
    return user


def session_user(session: Session, *, username: str, token_version: int) -> User | None:
    """The user behind a session or token, while active and unchanged since it was issued."""
    user = get_user(session, username=username)
    if user is None or not user.active or user.token_version != token_version:
        return None
    return user


def existing_user(session: Session, username: str) -> User:
    """The user of that name; raises UnknownUser."""
    user = get_user(session, username=username)
    if user is None:
        raise UnknownUser(f"no user {username!r}")
    return user


def _check_role(role: str, agent_id: str | None) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise AccountError("an agent user needs an agent id (the work number)")
    if agent_id and len(agent_id) > 32:
        raise AccountError(f"agent id {agent_id!r}: at most 32 characters")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 128:
        raise AccountError("password too long: at most 128 characters")


def _check_admin_removal(session: Session, *, actor: str, user: User, what: str) -> None:
    """Nobody locks the service out of user management: not by accident, not for others."""
    if actor == user.username:
        raise AccountConflict(f"you cannot {what} yourself; ask another admin")
    admins = session.exec(select(func.count()).select_from(User)
                          .where(User.role == "admin", User.active, User.id != user.id)).one()
    if not admins:
        raise AccountConflict(f"cannot {what} {user.username!r}: the last active admin")


def _store_password(session: Session, user: User, password: str) -> None:
    _check_password(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    _end_sessions(session, user)


def _end_sessions(session: Session, user: User) -> None:
    user.token_version += 1
    session.add(user)
    session.flush()
