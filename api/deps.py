"""Request dependencies: settings, the current user, role checks, pagination."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer

from api.config import Settings, get_settings
from api.db import SessionDep
from api.errors import Forbidden, Unauthorized
from api.security import InvalidToken, decode_access_token
from api.users.models import Role, User

SettingsDep = Annotated[Settings, Depends(get_settings)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)

PASSWORD_CHANGE_REQUIRED = (
    "Password change required: set a new password with POST /api/v1/auth/password first"
)


def _authenticated_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    if not token:
        raise Unauthorized("Not authenticated: send `Authorization: Bearer <token>`")
    try:
        claims = decode_access_token(token, settings)
    except InvalidToken as exc:
        raise Unauthorized(f"Invalid or expired token ({exc}); log in again") from exc
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise Unauthorized("This account is deactivated or no longer exists")
    issued = datetime.fromtimestamp(claims["iat"], UTC)
    if issued < user.password_changed_at.replace(microsecond=0):
        raise Unauthorized("Token issued before the last password change; log in again")
    request.state.user_id = user.id
    return user


def _active_user(user: Annotated[User, Depends(_authenticated_user)]) -> User:
    if user.must_change_password:
        raise Forbidden(PASSWORD_CHANGE_REQUIRED)
    return user


# Every endpoint uses CurrentUser; only the password change accepts a must-change account.
CurrentUser = Annotated[User, Depends(_active_user)]
UserAwaitingPasswordChange = Annotated[User, Depends(_authenticated_user)]


def require_role(*roles: Role):
    allowed = {str(r) for r in roles}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"This action needs the role {' or '.join(sorted(allowed))}")
        return user

    return check


AdminUser = Annotated[User, Depends(require_role(Role.admin))]
FleetManager = Annotated[User, Depends(require_role(Role.admin, Role.manager))]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Rows per page (max 200)")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]
