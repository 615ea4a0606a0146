from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from qa_engine.api.deps import Admin, CurrentUser, SessionDep, SettingsDep
from qa_engine.api.schemas import Token
from qa_engine.api.security import create_token
from qa_engine.api.services.review import audit
from qa_engine.api.services.users import LoginBlocked, create_user, list_users, log_in
from qa_engine.storage.app_models import UserCreate, UserPublic

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
def login(request: Request, session: SessionDep, settings: SettingsDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Exchange username and password for a bearer token (valid ``Settings.token_minutes``).

    After ``login_max_failures_per_user`` failures for a user name, or ``..._per_client`` from one
    address, within ``login_window_minutes``, logins answer 429 until the window has passed."""
    client = request.client.host if request.client else "unknown"
    try:
        user = log_in(session, settings, username=form.username, password=form.password, client=client)
    except LoginBlocked:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed logins: try again later",
                            headers={"Retry-After": str(settings.login_window_minutes * 60)}) from None
    session.commit()  # the failure's audit row, or an upgraded password hash
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    token = create_token(settings, username=user.username, role=user.role)
    return Token(access_token=token, role=user.role, username=user.username)


@router.get("/auth/me", response_model=UserPublic)
def me(user: CurrentUser):
    return user


@router.get("/users", response_model=list[UserPublic])
def users(session: SessionDep, _admin: Admin):
    return list_users(session)


@router.post("/users", response_model=UserPublic, status_code=201)
def add_user(session: SessionDep, admin: Admin, user_in: UserCreate):
    try:
        user = create_user(session, user_in=user_in)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    audit(session, username=admin.username, action="user.create", entity="user", entity_id=user.username,
          detail={"role": user.role, "agent_id": user.agent_id})
    session.commit()
    return user
