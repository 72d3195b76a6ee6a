"""Drivers: one record per CNH, optionally linked to a `driver` login."""

from datetime import date, timedelta
from typing import Annotated

from pydantic import Field
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import Role
from api.db import constraint_name, get_or_404
from api.drivers.models import Driver
from api.drivers.schemas import DriverCreate, DriverUpdate
from api.errors import Conflict, Invalid
from api.lists import AnyOf, Eq, Filter, Filters, Flag, Search
from api.params import IdList
from api.text import NoNul
from api.trips.models import Trip
from api.users.models import User


def get_driver(*, session: Session, driver_id: int) -> Driver:
    return get_or_404(session, Driver, driver_id)


def list_drivers_query(shape: frozenset[str]):
    """Drivers by id; by licence expiry when filtered on it."""
    if "license_expiring_within_days" in shape:
        return select(Driver).order_by(Driver.license_expiry, Driver.id)
    return select(Driver).order_by(Driver.id)


class DriverFilters(Filters):
    q: Annotated[
        str | None,
        Field(max_length=120, description="Part of the name"),
        NoNul,
        Search(Driver.name),
    ] = None
    license_expiring_within_days: Annotated[
        int | None,
        Field(ge=0, le=3650, description="Expired licences included"),
        Filter(
            lambda until: Driver.license_expiry <= until,
            bind=lambda days: date.today() + timedelta(days=days),
        ),
    ] = None
    is_active: Annotated[bool | None, Eq(Driver.is_active)] = None
    ids: Annotated[IdList, AnyOf(Driver.id)] = None


def list_driver_logins_query(shape: frozenset[str]):
    """Active `driver` logins by name, each with the driver linked to it (`driver_id`)."""
    driver_id = select(Driver.id).where(Driver.user_id == User.id).scalar_subquery()
    query = (
        select(User.id, User.email, User.name, driver_id.label("driver_id"))
        .where(User.role == Role.driver, User.is_active.is_(True))
        .order_by(User.name, User.id)
    )
    return query


class DriverLoginFilters(Filters):
    q: Annotated[
        str | None,
        Field(max_length=120, description="Name or e-mail"),
        NoNul,
        Search(User.name, User.email),
    ] = None
    unlinked: Annotated[
        bool,
        Field(description="Only logins no driver uses yet"),
        Flag(~exists().where(Driver.user_id == User.id)),
    ] = False
    ids: Annotated[IdList, AnyOf(User.id)] = None


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
