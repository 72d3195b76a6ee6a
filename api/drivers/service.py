"""Drivers: one record per CNH, optionally linked to a `driver` login."""

from datetime import date, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.db import constraint_name
from api.drivers.models import Driver
from api.drivers.schemas import DriverCreate, DriverUpdate
from api.errors import Conflict, Invalid, NotFound
from api.trips.models import Trip
from api.users.models import Role, User


def get_driver(*, session: Session, driver_id: int) -> Driver:
    driver = session.get(Driver, driver_id)
    if driver is None:
        raise NotFound(f"Driver {driver_id} not found")
    return driver


def driver_for_user(*, session: Session, user: User) -> Driver | None:
    return session.execute(select(Driver).where(Driver.user_id == user.id)).scalar_one_or_none()


def list_drivers_query(
    *,
    search: str | None,
    license_expiring_within_days: int | None,
    is_active: bool | None,
    ids: list[int] | None = None,
):
    query = select(Driver).order_by(Driver.id)
    if ids is not None:
        query = query.where(Driver.id.in_(ids))
    if search and search.strip():
        query = query.where(Driver.name.icontains(search.strip(), autoescape=True))
    if license_expiring_within_days is not None:
        limit = date.today() + timedelta(days=license_expiring_within_days)
        query = query.where(Driver.license_expiry <= limit).order_by(None).order_by(
            Driver.license_expiry, Driver.id
        )
    if is_active is not None:
        query = query.where(Driver.is_active == is_active)
    return query


def list_driver_logins_query(*, search: str | None, unlinked: bool, user_ids: list[int] | None):
    query = select(User).where(User.role == Role.driver, User.is_active.is_(True))
    if search:
        pattern = f"%{search.strip()}%"
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    if unlinked:
        query = query.where(~exists().where(Driver.user_id == User.id))
    if user_ids is not None:
        query = query.where(User.id.in_(user_ids))
    return query.order_by(User.name, User.id)


def drivers_of_users(*, session: Session, user_ids: list[int]) -> dict[int, int]:
    """`{user_id: driver_id}` for the users among `user_ids` that are linked to a driver."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Driver.user_id, Driver.id).where(Driver.user_id.in_(user_ids))
    ).all()
    return {user_id: driver_id for user_id, driver_id in rows}


def _check_user_link(session: Session, user_id: int | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None:
        raise Invalid(f"user_id {user_id} does not exist")
    if user.role != Role.driver:
        raise Invalid(f"user {user_id} has role {user.role}; only a `driver` login can be linked")


def _flush(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        name = constraint_name(exc)
        if name == "uq_drivers_license_number":
            raise Conflict("A driver with this license_number already exists") from exc
        if name == "uq_drivers_user_id":
            raise Conflict("This login is already linked to another driver") from exc
        raise


def create_driver(*, session: Session, data: DriverCreate) -> Driver:
    _check_user_link(session, data.user_id)
    driver = Driver(**data.model_dump())
    session.add(driver)
    _flush(session)
    return driver


def update_driver(*, session: Session, driver: Driver, data: DriverUpdate) -> Driver:
    changes = data.model_dump(exclude_unset=True)
    if "user_id" in changes:
        _check_user_link(session, changes["user_id"])
        driver.user_id = changes.pop("user_id")
    for field, value in changes.items():
        if value is None:
            raise Invalid(f"{field} cannot be null")
        setattr(driver, field, value)
    _flush(session)
    return driver


def delete_driver(*, session: Session, driver: Driver) -> Driver | None:
    """Delete a driver without trips; deactivate one with history. Returns the driver if kept."""
    trips = select(Trip.id).where(Trip.driver_id == driver.id)
    if session.execute(select(exists(trips.where(Trip.finished_at.is_(None))))).scalar_one():
        raise Conflict("The driver is on a trip; finish the trip first")
    if not session.execute(select(exists(trips))).scalar_one():
        session.delete(driver)
        session.flush()
        return None
    driver.is_active = False
    session.flush()
    return driver
