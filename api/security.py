"""Passwords (argon2 through pwdlib) and access tokens (JWT, HS256 pinned)."""

import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import SecretStr

from api.config import Settings
from api.errors import Unauthorized

JWT_ALGORITHM = "HS256"  # pinned: a token naming any other algorithm is refused
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128  # argon2 would hash more, but a megabyte "password" is an attack


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


# A real hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH: str | None = None


def verify_password(password: str, password_hash: str | None) -> bool:
    global _DUMMY_HASH
    if password_hash is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(16))
        _hasher().verify(password, _DUMMY_HASH)
        return False
    return _hasher().verify(password, password_hash)


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def create_access_token(*, user_id: int, settings: Settings, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        # Microseconds, so that a token issued in the second of a password change is told apart.
        "iat": round(now.timestamp(), 6),
        "exp": int((now + timedelta(hours=settings.access_token_hours)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)


class InvalidToken(Exception):
    pass


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret_key: SecretStr) -> dict:
    """Claims of a token with a good signature, algorithm and shape; InvalidToken otherwise.
    Pure, so cached per token and key (a refusal raises and is not cached); expiry is checked
    at every use by `token_claims`."""
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != JWT_ALGORITHM:
        raise InvalidToken("token algorithm not accepted")
    try:
        claims = jwt.decode(
            token,
            secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except JWTError as exc:
        raise InvalidToken(str(exc) or "invalid token") from exc
    if claims.get("typ") != "access" or not str(claims.get("sub", "")).isdigit():
        raise InvalidToken("not an access token")
    return claims


def token_claims(token: str | None, settings: Settings) -> dict:
    """The caller a bearer token names: the claims of a valid, unexpired access token, or 401.
    The one check of a token (the dependencies, the rate limits); whether the account may still
    act is the dependency's database check (api/deps.py)."""
    if not token:
        raise Unauthorized("Not authenticated: send `Authorization: Bearer <token>`")
    try:
        claims = _verified_claims(token, settings.secret_key)
    except InvalidToken as exc:
        raise Unauthorized(f"Invalid or expired token ({exc}); log in again") from exc
    if claims["exp"] <= time.time():
        raise Unauthorized("Invalid or expired token (Signature has expired.); log in again")
    return claims


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (None for any other)."""
    if not authorization or authorization[:7].lower() != "bearer ":
        return None
    return authorization[7:].strip() or None
