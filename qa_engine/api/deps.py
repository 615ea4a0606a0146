"""Request dependencies: settings, database session, current user and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from qa_engine import policy
from qa_engine.api.security import decode_token
from qa_engine.api.services.calls import get_call
from qa_engine.api.services.users import get_user
from qa_engine.config import Settings
from qa_engine.storage.app_models import User
from qa_engine.storage.db import get_engine
from qa_engine.storage.models import Call

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token")


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_db(settings: SettingsDep) -> Iterator[Session]:
    # Routes that write commit themselves, so the commit happens before the response is sent.
    with Session(get_engine(settings), expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]
# A row id in a path: bounded to the database's INTEGER, so a huge number is a 422, not an overflow (500).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TokenDep = Annotated[str, Depends(oauth2_scheme)]


def get_current_user(session: SessionDep, settings: SettingsDep, token: TokenDep) -> User:
    """The token's user, while active and while the token's version is the user's current one
    (a password, role or active change raises it: older tokens are refused with 401)."""
    claims = decode_token(settings, token)
    user = get_user(session, username=claims[0]) if claims else None
    if user is None or not user.active or user.token_version != claims[1]:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or expired token",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]

def require(permission: str) -> Callable[[User], User]:
    """A dependency that lets through only users whose role has ``permission`` (403 otherwise)."""

    def check(user: CurrentUser) -> User:
        try:
            policy.check(user.role, permission)
        except policy.PermissionDenied as exc:
            raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
        return user

    return check


AnyUser = Annotated[User, Depends(require(policy.CALLS_READ))]
Uploader = Annotated[User, Depends(require(policy.CALLS_UPLOAD))]
Reviewer = Annotated[User, Depends(require(policy.REVIEW_WRITE))]
Coach = Annotated[User, Depends(require(policy.COACHING_WRITE))]
TeamReader = Annotated[User, Depends(require(policy.REPORTS_TEAM))]
CrmReader = Annotated[User, Depends(require(policy.CRM_READ))]
MonthEndRunner = Annotated[User, Depends(require(policy.CRM_MONTH_END))]
Admin = Annotated[User, Depends(require(policy.USERS_MANAGE))]
Appellant = Annotated[User, Depends(require(policy.APPEAL_CREATE))]
AppealJudge = Annotated[User, Depends(require(policy.APPEAL_DECIDE))]
CalibrationManager = Annotated[User, Depends(require(policy.CALIBRATION_MANAGE))]


def visible_call(session: Session, user: User, call_id: str) -> Call:
    """The call, or 404 when it does not exist or (for an agent) is not the agent's own."""
    call = get_call(session, call_id=call_id)
    if call is None or not policy.may_see_call(user.role, user.agent_id, call.agent_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no call {call_id}")
    return call


def own_agent_filter(user: User, agent_id: str | None) -> str | None:
    """Agents only ever see their own work number, whatever they ask for."""
    return policy.own_agent_id(user.role, user.agent_id, agent_id)
