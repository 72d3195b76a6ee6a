"""Request dependencies: settings, and who is asking (`CurrentActor`) with the role checks."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from api.actor import Actor, Role, current_user_id
from api.config import Settings, get_settings
from api.db import read
from api.errors import Forbidden, Unauthorized
from api.security import token_claims

SettingsDep = Annotated[Settings, Depends(get_settings)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)

PASSWORD_CHANGE_REQUIRED = (
    "Password change required: set a new password with POST /api/v1/auth/password first"
)


# The account as every request checks it, read from the database each time: a user who was
# deactivated, or whose password changed after the token was issued, stops at once.
_ACCOUNT = """
SELECT u.role, u.is_active, u.must_change_password, u.password_changed_at, d.id
FROM users u LEFT JOIN drivers d ON d.user_id = u.id
WHERE u.id = %(user_id)s
"""


async def _actor(request: Request, token: str | None) -> Actor:
    """The caller of a valid token whose account is active: on the event loop, through the
    read pool (a short checkout; nothing is held afterwards)."""
    claims = token_claims(token, get_settings())
    user_id = int(claims["sub"])

    async def account(connection):
        cursor = await connection.execute(_ACCOUNT, {"user_id": user_id}, prepare=True)
        return await cursor.fetchone()

    row = await read(request, account)
    if row is None or not row[1]:
        raise Unauthorized("This account is deactivated or no longer exists")
    role, _, must_change_password, password_changed_at, driver_id = row
    if float(claims["iat"]) < password_changed_at.timestamp():
        raise Unauthorized("Token issued before the last password change; log in again")
    current_user_id.set(user_id)  # the access log's and the audit log's user for this request
    return Actor(
        id=user_id,
        role=Role(role),
        driver_id=driver_id,
        must_change_password=must_change_password,
    )


async def authenticated_actor(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor:
    """Any valid caller, also one who must change their password first."""
    return await _actor(request, token)


async def current_actor(
    request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Actor:
    """A valid caller, refused (403) while their password must be changed. One dependency
    (each one costs FastAPI's resolution on every request), not two chained."""
    actor = await _actor(request, token)
    if actor.must_change_password:
        raise Forbidden(PASSWORD_CHANGE_REQUIRED)
    return actor


# Every endpoint uses CurrentActor; only the password change accepts a must-change account.
CurrentActor = Annotated[Actor, Depends(current_actor)]
ActorAwaitingPasswordChange = Annotated[Actor, Depends(authenticated_actor)]


def require_role(*roles: Role):
    allowed = {str(r) for r in roles}

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise Forbidden(f"This action needs the role {' or '.join(sorted(allowed))}")
        return actor

    return check


AdminActor = Annotated[Actor, Depends(require_role(Role.admin))]
FleetManager = Annotated[Actor, Depends(require_role(Role.admin, Role.manager))]
