from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from qa_engine.api.deps import CurrentUser, SessionDep, SettingsDep
from qa_engine.api.schemas import OwnPasswordIn, Token
from qa_engine.api.security import create_token
from qa_engine.api.services import accounts
from qa_engine.api.services.users import LoginBlocked, log_in
from qa_engine.config import Settings
from qa_engine.storage.app_models import User, UserPublic

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=Token)
def login(request: Request, session: SessionDep, settings: SettingsDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """Exchange username and password for a bearer token (valid ``Settings.token_minutes``).

    After ``login_max_failures_per_user`` failures for a user name, or ``..._per_client`` from one
    address, within ``login_window_minutes``, logins answer 429 until the window has passed."""
    client = _client(request)
    try:
        user = log_in(session, settings, username=form.username, password=form.password, client=client)
    except LoginBlocked:
        raise _blocked(settings) from None
    session.commit()  # the failure's audit row, or an upgraded password hash
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return _token(settings, user)


def _token(settings: Settings, user: User) -> Token:
    token = create_token(settings, username=user.username, role=user.role, version=user.token_version)
    return Token(access_token=token, role=user.role, username=user.username)


@router.get("/auth/me", response_model=UserPublic)
def me(user: CurrentUser):
    return user


@router.post("/auth/password", response_model=Token)
def change_password(request: Request, session: SessionDep, settings: SettingsDep, user: CurrentUser,
                    body: OwnPasswordIn) -> Token:
    """Change your own password, giving the current one. Every other token of yours stops working;
    the answer is a fresh token for this client. A wrong current password counts as a failed login
    (400, and 429 once too many failed)."""
    try:
        accounts.change_own_password(session, settings, user=user, old_password=body.old_password,
                                     new_password=body.new_password, client=_client(request))
    except LoginBlocked:
        raise _blocked(settings) from None
    except accounts.WrongPassword as exc:
        session.commit()  # the failure's audit row
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from exc
    except accounts.AccountError as exc:
        raise HTTPException(422, str(exc)) from exc
    session.commit()
    return _token(settings, user)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _blocked(settings: Settings) -> HTTPException:
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed logins: try again later",
                         headers={"Retry-After": str(settings.login_window_minutes * 60)})
