"""Users: created and changed by admins, deactivated but never deleted."""

from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import Actor, Role
from api.db import constraint_name
from api.errors import Conflict, Invalid, NotFound
from api.security import hash_password
from api.users.models import User
from api.users.schemas import UserCreate, UserUpdate


def get_user(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found")
    return user


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()


def list_users_filters(*, role: Role | None, is_active: bool | None) -> dict:
    """The list's filters as bound values by name; the names present pick the statement."""
    values: dict = {}
    if role is not None:
        values["role"] = Role(role).value
    if is_active is not None:
        values["is_active"] = is_active
    return values


def list_users_query(shape: frozenset[str]):
    """Users by id, with the filters named in `shape`."""
    query = select(User).order_by(User.id)
    if "role" in shape:
        query = query.where(User.role == bindparam("role"))
    if "is_active" in shape:
        query = query.where(User.is_active == bindparam("is_active"))
    return query


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
