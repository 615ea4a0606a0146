"""User management for administrators (permission ``users.manage``); the rules are in
``qa_engine.api.services.accounts``, shared with the ``qa-engine users`` command and the dashboard."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, status
from sqlmodel import Session

from qa_engine.api.deps import Admin, SessionDep
from qa_engine.api.schemas import PasswordIn, RoleIn
from qa_engine.api.services import accounts
from qa_engine.storage.app_models import User, UserCreate, UserPublic

router = APIRouter(prefix="/users", tags=["users"])

_STATUS = ((accounts.UnknownUser, status.HTTP_404_NOT_FOUND), (accounts.AccountConflict, status.HTTP_409_CONFLICT),
           (accounts.AccountError, 422))


def _apply(session: Session, change: Callable[..., User], **kwargs) -> User:
    """Run one account change and commit it; its refusal becomes 404, 409 or 422 with its reason."""
    try:
        user = change(session, **kwargs)
    except accounts.AccountError as exc:
        session.rollback()
        code = next(code for kind, code in _STATUS if isinstance(exc, kind))
        raise HTTPException(code, str(exc)) from exc
    session.commit()
    return user


@router.get("", response_model=list[UserPublic])
def list_users(session: SessionDep, _admin: Admin):
    return accounts.list_users(session)


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(session: SessionDep, admin: Admin, user_in: UserCreate):
    """A new user (password 10+ characters; role agent needs ``agent_id``); 409 when the name is taken."""
    return _apply(session, accounts.create_account, actor=admin.username, username=user_in.username,
                  password=user_in.password, role=user_in.role, agent_id=user_in.agent_id, full_name=user_in.full_name)


@router.post("/{username}/password", response_model=UserPublic)
def set_password(session: SessionDep, admin: Admin, username: str, body: PasswordIn):
    """Reset the user's password; their tokens stop working."""
    return _apply(session, accounts.set_password, actor=admin.username, username=username, password=body.password)


@router.put("/{username}/role", response_model=UserPublic)
def set_role(session: SessionDep, admin: Admin, username: str, body: RoleIn):
    """Change the user's role; their tokens stop working. 409 for your own admin role or the last admin."""
    return _apply(session, accounts.set_role, actor=admin.username, username=username, role=body.role,
                  agent_id=body.agent_id)


@router.post("/{username}/disable", response_model=UserPublic)
def disable(session: SessionDep, admin: Admin, username: str):
    """Refuse the user's logins and tokens from now on. 409 for yourself or the last admin."""
    return _apply(session, accounts.set_active, actor=admin.username, username=username, active=False)


@router.post("/{username}/enable", response_model=UserPublic)
def enable(session: SessionDep, admin: Admin, username: str):
    return _apply(session, accounts.set_active, actor=admin.username, username=username, active=True)
