"""Login, password changes and the first admin."""

import logging

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from api.actor import Role
from api.config import Settings
from api.errors import Forbidden, Invalid, Unauthorized
from api.security import (
    MAX_PASSWORD_LENGTH,
    create_access_token,
    generate_password,
    hash_password,
    verify_password,
)
from api.users.models import User
from api.users.service import get_user_by_email, set_password

log = logging.getLogger("frota.auth")

BAD_CREDENTIALS = "Incorrect e-mail or password"
DEFAULT_ADMIN_EMAIL = "admin@example.com"


def authenticate(*, session: Session, email: str, password: str) -> User:
    if len(password) > MAX_PASSWORD_LENGTH or len(email) > 254:
        raise Invalid(f"Password or e-mail too long (at most {MAX_PASSWORD_LENGTH} characters)")
    if "\x00" in email:
        raise Invalid("The e-mail must not contain the NUL character")
    user = get_user_by_email(session=session, email=email.strip())
    if not verify_password(password, user.password_hash if user else None) or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    if not user.is_active:
        raise Forbidden("This account is deactivated; ask an administrator")
    return user


def issue_token(*, user: User, settings: Settings) -> dict:
    return {
        "access_token": create_access_token(user_id=user.id, settings=settings),
        "token_type": "bearer",
        "expires_in": settings.access_token_hours * 3600,
        "must_change_password": user.must_change_password,
    }


def change_password(*, session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(current, user.password_hash):
        raise Invalid("Current password is incorrect")
    if current == new:
        raise Invalid("The new password must differ from the current one")
    set_password(user=user, password=new)
    user.must_change_password = False
    session.flush()


def bootstrap_admin(*, session: Session, settings: Settings) -> str | None:
    """Create the first admin when there is none. Returns a generated password to print once."""
    session.execute(text("SELECT pg_advisory_xact_lock(727275)"))
    if session.execute(select(User.id).where(User.role == Role.admin).limit(1)).first():
        return None
    email = (settings.admin_email or DEFAULT_ADMIN_EMAIL).strip().lower()
    generated = None
    if settings.admin_password is not None and settings.admin_password.get_secret_value():
        password, must_change = settings.admin_password.get_secret_value(), False
    else:
        password = generated = generate_password()
        must_change = True
    existing = get_user_by_email(session=session, email=email)
    if existing is not None:
        # An account with that e-mail exists but is not an admin: promote it, keep its password.
        existing.role, existing.is_active = Role.admin, True
        log.warning("promoted existing user %s to admin", email)
        return None
    session.add(
        User(
            email=email,
            name="Administrator",
            role=Role.admin,
            password_hash=hash_password(password),
            must_change_password=must_change,
        )
    )
    session.flush()
    log.info("created the first admin %s", email)
    return generated
