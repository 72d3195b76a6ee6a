"""Drivers: one record per CNH, optionally linked to a `driver` login."""

from datetime import date, timedelta

from sqlalchemy import ARRAY, Integer, any_, bindparam, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import Role
from api.db import constraint_name
from api.drivers.models import Driver
from api.drivers.schemas import DriverCreate, DriverUpdate
from api.errors import Conflict, Invalid, NotFound
from api.text import LIKE_ESCAPE, contains_pattern
from api.trips.models import Trip
from api.users.models import User


def get_driver(*, session: Session, driver_id: int) -> Driver:
    driver = session.get(Driver, driver_id)
    if driver is None:
        raise NotFound(f"Driver {driver_id} not found")
    return driver


def list_drivers_filters(
    *,
    search: str | None,
    license_expiring_within_days: int | None,
    is_active: bool | None,
    ids: list[int] | None = None,
) -> dict:
    """The list's filters as bound values by name; the names present pick the statement."""
    values: dict = {}
    if ids is not None:
        values["ids"] = list(ids)
    if search and search.strip():
        values["search"] = contains_pattern(search.strip())
    if license_expiring_within_days is not None:
        values["expiry_until"] = date.today() + timedelta(days=license_expiring_within_days)
    if is_active is not None:
        values["is_active"] = is_active
    return values


def list_drivers_query(shape: frozenset[str]):
    """Drivers by id (by licence expiry when filtered on it), with the filters in `shape`."""
    query = select(Driver).order_by(Driver.id)
    if "ids" in shape:
        query = query.where(Driver.id == any_(bindparam("ids", type_=ARRAY(Integer))))
    if "search" in shape:
        query = query.where(Driver.name.ilike(bindparam("search"), escape=LIKE_ESCAPE))
    if "expiry_until" in shape:
        query = (
            query.where(Driver.license_expiry <= bindparam("expiry_until"))
            .order_by(None)
            .order_by(Driver.license_expiry, Driver.id)
        )
    if "is_active" in shape:
        query = query.where(Driver.is_active == bindparam("is_active"))
    return query


def list_driver_logins_filters(
    *, search: str | None, unlinked: bool, user_ids: list[int] | None
) -> dict:
    values: dict = {}
    if search and search.strip():
        values["search"] = contains_pattern(search.strip())
    if unlinked:
        values["unlinked"] = True  # a shape, not a value
    if user_ids is not None:
        values["ids"] = list(user_ids)
    return values


def list_driver_logins_query(shape: frozenset[str]):
    """Active `driver` logins by name, each with the driver linked to it (`driver_id`)."""
    driver_id = select(Driver.id).where(Driver.user_id == User.id).scalar_subquery()
    query = (
        select(User.id, User.email, User.name, driver_id.label("driver_id"))
        .where(User.role == Role.driver, User.is_active.is_(True))
        .order_by(User.name, User.id)
    )
    if "search" in shape:
        pattern = bindparam("search")
        query = query.where(
            or_(
                User.name.ilike(pattern, escape=LIKE_ESCAPE),
                User.email.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    if "unlinked" in shape:
        query = query.where(~exists().where(Driver.user_id == User.id))
    if "ids" in shape:
        query = query.where(User.id == any_(bindparam("ids", type_=ARRAY(Integer))))
    return query


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
