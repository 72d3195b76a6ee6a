"""Passwords (argon2 through pwdlib) and access tokens (JWT, HS256 pinned)."""

import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.config import Settings

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


def decode_access_token(token: str, settings: Settings) -> dict:
    """Claims of a valid token; InvalidToken for a bad signature, algorithm, expiry or shape."""
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != JWT_ALGORITHM:
        raise InvalidToken("token algorithm not accepted")
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except JWTError as exc:
        raise InvalidToken(str(exc) or "invalid token") from exc
    if claims.get("typ") != "access" or not str(claims.get("sub", "")).isdigit():
        raise InvalidToken("not an access token")
    return claims
