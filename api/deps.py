"""Request dependencies: settings, the current user, role checks, pagination."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import SecretStr
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects.postgresql import psycopg2 as postgresql_psycopg2

from api.config import Settings, get_settings
from api.db import SessionDep, drop_read_connection, read_connection
from api.error_responses import DATABASE_DOWN_ERRORS
from api.errors import Forbidden, Unauthorized
from api.prepared import Prepared
from api.security import InvalidToken, decode_access_token
from api.users.models import Role, User

SettingsDep = Annotated[Settings, Depends(get_settings)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)

PASSWORD_CHANGE_REQUIRED = (
    "Password change required: set a new password with POST /api/v1/auth/password first"
)


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: SecretStr) -> dict:
    # A signature check is pure: cached per token and key; expiry is checked at every use.
    return decode_access_token(token, SimpleNamespace(secret_key=secret_key))  # type: ignore[arg-type]


def _token_claims(token: str | None, settings: Settings) -> dict:
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


def _check_account(claims: dict, is_active: bool | None, password_changed_at: datetime) -> None:
    """The rules every request passes, read from the database each time: an account that was
    deactivated, or whose password changed after the token was issued, stops at once."""
    if not is_active:
        raise Unauthorized("This account is deactivated or no longer exists")
    if float(claims["iat"]) < password_changed_at.timestamp():
        raise Unauthorized("Token issued before the last password change; log in again")


def _authenticated_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    claims = _token_claims(token, settings)
    user = session.get(User, int(claims["sub"]))
    _check_account(claims, user and user.is_active, user and user.password_changed_at)
    request.state.user_id = user.id
    return user


def _active_user(user: Annotated[User, Depends(_authenticated_user)]) -> User:
    if user.must_change_password:
        raise Forbidden(PASSWORD_CHANGE_REQUIRED)
    return user


async def _current_user(user: Annotated[User, Depends(_authenticated_user)]) -> User:
    # async: a check without I/O is not worth a trip to the thread pool.
    return _active_user(user)


# Every endpoint uses CurrentUser; only the password change accepts a must-change account.
CurrentUser = Annotated[User, Depends(_current_user)]
UserAwaitingPasswordChange = Annotated[User, Depends(_authenticated_user)]


def require_role(*roles: Role):
    allowed = {str(r) for r in roles}

    async def check(user: CurrentUser) -> User:
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


Limit = Annotated[int, Query(ge=1, le=200, description="Rows per page (max 200)")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip")]


async def page_params(limit: Limit = 50, offset: Offset = 0) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


# ---- the read path of the hot lists ----------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Account:
    """The caller of a read-only request, checked against the database in the same round of
    work as the read itself: what list filters need (id and role), without an ORM object."""

    id: int
    role: str


# Sent as it is on the driver's cursor: the one statement of every request, too small to be
# worth SQLAlchemy's statement machinery.
_ACCOUNT = Prepared.of(
    select(User.role, User.is_active, User.must_change_password, User.password_changed_at)
    .where(User.id == bindparam("user_id"))
    .compile(dialect=postgresql_psycopg2.dialect())
)


@dataclass(frozen=True, slots=True)
class Reader:
    """A verified token and the page asked for: `await reader.run(read)` checks the account
    (active, password unchanged, no pending password change) and runs `read(dbapi_connection,
    account)` on one connection.

    The hot lists' reads are short, indexed statements sent on the driver's cursor; they run
    on the event loop, on the worker's read connection (api/db.py). Measured on the 2-core
    bench machine, a trip to the thread pool cost more CPU than the reads themselves (README,
    "Benchmarks and load tests")."""

    claims: dict
    page: PageParams
    bind: Connection | None  # the tests' connection, inside their transaction; None: the pool

    def _check_and_read(self, dbapi_connection, read: Callable[[Any, Account], T]) -> T:
        user_id = int(self.claims["sub"])
        with dbapi_connection.cursor() as cursor:
            _ACCOUNT.run(cursor, {"user_id": user_id})
            row = cursor.fetchone()
        role, is_active, must_change_password, password_changed_at = row or (None,) * 4
        _check_account(self.claims, is_active, password_changed_at)
        if must_change_password:
            raise Forbidden(PASSWORD_CHANGE_REQUIRED)
        return read(dbapi_connection, Account(id=user_id, role=role))

    async def run(self, read: Callable[[Any, Account], T]) -> T:
        if self.bind is not None:
            return self._check_and_read(self.bind.connection.dbapi_connection, read)
        connection = read_connection()
        try:
            return self._check_and_read(connection, read)
        except DATABASE_DOWN_ERRORS:
            if not connection.closed:
                raise
        # The connection died since the last read (a database restart): once more on a new one.
        drop_read_connection()
        return self._check_and_read(read_connection(), read)


async def _reader(request: Request, limit: Limit = 50, offset: Offset = 0) -> Reader:
    # One dependency for the whole read path (FastAPI's cost is per dependency): the bearer
    # token read here as OAuth2PasswordBearer reads it (READER_OPENAPI documents it), the page.
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    claims = _token_claims(token if scheme.lower() == "bearer" else None, get_settings())
    request.state.user_id = int(claims["sub"])
    read_bind = getattr(request.app.state, "read_bind", None)  # the tests' connection
    return Reader(
        claims=claims,
        page=PageParams(limit=limit, offset=offset),
        bind=read_bind() if read_bind is not None else None,
    )


# For list endpoints: the same rules as CurrentUser, `limit` and `offset`, one connection and
# no thread. Their routes declare `openapi_extra=READER_OPENAPI` (the bearer token, in /docs).
ReaderDep = Annotated[Reader, Depends(_reader)]
READER_OPENAPI = {"security": [{"OAuth2PasswordBearer": []}]}
