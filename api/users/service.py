"""Users: created and changed by admins, deactivated but never deleted."""

from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import Actor, Role
from api.db import constraint_name, get_or_404
from api.errors import Conflict, Invalid
from api.lists import Eq, Filters
from api.security import hash_password
from api.users.models import User
from api.users.schemas import UserCreate, UserUpdate


def get_user(*, session: Session, user_id: int) -> User:
    return get_or_404(session, User, user_id)


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()


def list_users_query(shape: frozenset[str]):
    """Users by id."""
    return select(User).order_by(User.id)


class UserFilters(Filters):
    role: Annotated[Role | None, Eq(User.role)] = None
    is_active: Annotated[bool | None, Eq(User.is_active)] = None


def create_user(*, session: Session, data: UserCreate) -> User:
    user = User(
        email=data.email,
        name=data.name,
        role=data.role,
        password_hash=hash_password(data.password),
        must_change_password=data.must_change_password,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_users_email":
            raise Conflict(f"A user with e-mail {data.email} already exists") from exc
        raise
    return user


def update_user(*, session: Session, user: User, data: UserUpdate, acting: Actor) -> User:
    changes = data.model_dump(exclude_unset=True)
    if user.id == acting.id and (
        changes.get("is_active") is False or changes.get("role", Role.admin) != Role.admin
    ):
        raise Invalid("You cannot deactivate or demote your own account")
    for field in ("name", "role", "is_active", "must_change_password"):
        if changes.get(field) is not None:
            setattr(user, field, changes[field])
    if changes.get("password"):
        set_password(user=user, password=changes["password"])
    session.flush()
    return user


def set_password(*, user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # Tokens issued before this instant stop working; the new one is issued after it.
    user.password_changed_at = datetime.now(UTC)
