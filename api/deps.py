"""Request dependencies: settings, and who is asking (`CurrentActor`) with the role checks."""

import time
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import SecretStr

from api.audit.recorder import actor_id_var
from api.config import Settings, get_settings
from api.db import read
from api.errors import Forbidden, Unauthorized
from api.security import InvalidToken, decode_access_token
from api.users.models import Role

SettingsDep = Annotated[Settings, Depends(get_settings)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)

PASSWORD_CHANGE_REQUIRED = (
    "Password change required: set a new password with POST /api/v1/auth/password first"
)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: the user, their role, and the driver record linked to them (if any)."""

    id: int
    role: Role
    driver_id: int | None
    must_change_password: bool

    @property
    def is_driver(self) -> bool:
        return self.role == Role.driver


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: SecretStr) -> dict:
    # A signature check is pure: cached per token and key; expiry is checked at every use.
    return decode_access_token(token, SimpleNamespace(secret_key=secret_key))  # type: ignore[arg-type]


def token_claims(token: str | None, settings: Settings) -> dict:
    """The claims of a valid, unexpired access token, or 401."""
    if not token:
        raise Unauthorized("Not authenticated: send `Authorization: Bearer <token>`")
    try:
        claims = _verified_claims(token, settings.secret_key)
    except InvalidToken as exc:
        raise Unauthorized(f"Invalid or expired token ({exc}); log in again") from exc
    if claims["exp"] <= time.time():
        raise Unauthorized("Invalid or expired token (Signature has expired.); log in again")
    return claims


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
    request.state.user_id = user_id
    actor_id_var.set(user_id)  # the audit log's actor for this request's writes
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


# Lists are compiled once per set of filters (api/lists.py), so a driver's own id is bound by
# name: `visible_to(query, ANY_DRIVER)` compiles "only this driver's rows" for every driver, and
# `own_rows(actor)` gives the value for the request.
OWN_DRIVER_ID = "own_driver_id"
ANY_DRIVER = Actor(id=0, role=Role.driver, driver_id=0, must_change_password=False)


def own_rows(actor: Actor) -> dict:
    """The bound value that limits a driver's list to their own rows (none: no driver record)."""
    return {OWN_DRIVER_ID: actor.driver_id or 0} if actor.is_driver else {}
