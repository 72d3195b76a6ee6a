"""Fines: Frota names the driver from the trips. A fine inside a trip is its driver's; one at a
hand-over (within 15 minutes of a check-in and of the next check-out) is `ambiguous` with both;
one between trips is `no_trip`."""

from datetime import datetime, timedelta
from functools import partial
from typing import Annotated

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.actor import OWN_DRIVER_ID, Actor
from api.csv_import import (
    ImportRefused,
    day,
    exported_only,
    moment,
    number,
    parse_rows,
    read_csv,
    vehicle_id,
    vehicle_plates,
    whole_number,
    write_rows,
)
from api.db import get_or_404
from api.drivers.models import Driver
from api.errors import Invalid
from api.fines.models import Fine, FineStatus, Identification
from api.fines.schemas import FineCreate, FineRead, FineUpdate
from api.lists import Before, Eq, Filters, From
from api.local_time import at_offset
from api.params import End, IdFilter, Start
from api.trips.models import Trip
from api.vehicles.service import lock_named_vehicle

HANDOVER = timedelta(minutes=15)


def identify(session: Session, vehicle_id: int, at: datetime) -> tuple[str, int | None, list[int]]:
    """(identification, driver_id, candidate_driver_ids) for a fine on the vehicle at `at`."""
    near = select(Trip.driver_id, Trip.id).where(Trip.vehicle_id == vehicle_id)
    check_ins = session.execute(
        near.where(Trip.finished_at.between(at - HANDOVER, at + HANDOVER))
    ).all()
    check_outs = session.execute(
        near.where(Trip.started_at.between(at - HANDOVER, at + HANDOVER))
    ).all()
    for came_back in check_ins:
        for left in check_outs:
            if left.id != came_back.id:
                drivers = sorted({came_back.driver_id, left.driver_id})
                if len(drivers) == 1:
                    return Identification.identified, drivers[0], drivers
                return Identification.ambiguous, None, drivers
    covering = session.execute(
        near.where(
            Trip.started_at <= at, (Trip.finished_at.is_(None)) | (Trip.finished_at >= at)
        ).order_by(Trip.started_at.desc())
    ).first()
    if covering is not None:
        return Identification.identified, covering.driver_id, [covering.driver_id]
    return Identification.no_trip, None, []


def visible_to(query, actor: Actor):
    """Drivers see the fines named to them."""
    if not actor.is_driver:
        return query
    return query.where(Fine.driver_id == bindparam(OWN_DRIVER_ID, actor.driver_id or 0))


def get_fine(session: Session, fine_id: int, actor: Actor, for_update: bool = False) -> Fine:
    visible = partial(visible_to, actor=actor)
    return get_or_404(session, Fine, fine_id, visible=visible, for_update=for_update)


def create_fine(*, session: Session, actor: Actor, data: FineCreate, default_offset) -> Fine:
    vehicle = lock_named_vehicle(session, data.vehicle_id)
    occurred_at = at_offset(data.occurred_at, default_offset)
    identification, driver_id, candidates = identify(session, vehicle.id, occurred_at)
    fine = Fine(
        **data.model_dump(exclude={"occurred_at"}),
        occurred_at=occurred_at,
        identification=identification,
        driver_id=driver_id,
        candidate_driver_ids=candidates,
        created_by_user_id=actor.id,
    )
    session.add(fine)
    session.flush()
    session.refresh(fine, ["identification_deadline"])  # computed by PostgreSQL
    return fine


def update_fine(*, session: Session, fine: Fine, data: FineUpdate) -> Fine:
    changes = data.model_dump(exclude_unset=True)
    for field in ("status", "amount"):
        if field in changes and changes[field] is None:
            raise Invalid(f"{field} cannot be null")
    if "driver_id" in changes:
        driver_id = changes.pop("driver_id")
        if driver_id is None:
            fine.driver_id = None
            fine.identification = (
                Identification.ambiguous
                if len(fine.candidate_driver_ids) > 1
                else Identification.no_trip
            )
        else:
            if session.get(Driver, driver_id) is None:
                raise Invalid(f"Driver {driver_id} does not exist")
            fine.driver_id, fine.identification = driver_id, Identification.identified
    if changes.get("status") == FineStatus.driver_named and fine.driver_id is None:
        raise Invalid("Name the driver (driver_id) before marking the fine driver_named")
    for field, value in changes.items():
        setattr(fine, field, value)
    session.flush()
    session.refresh(fine, ["identification_deadline"])
    return fine


class FineFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Fine.vehicle_id)] = None
    driver_id: Annotated[IdFilter, Eq(Fine.driver_id)] = None
    status: Annotated[FineStatus | None, Eq(Fine.status)] = None
    identification: Annotated[Identification | None, Eq(Fine.identification)] = None
    occurred_from: Annotated[Start, From(Fine.occurred_at)] = None
    occurred_to: Annotated[End, Before(Fine.occurred_at)] = None


def list_query(shape: frozenset[str]):
    """Fines, the latest infraction first."""
    return select(Fine).order_by(Fine.occurred_at.desc(), Fine.id.desc())


# ---- import ----------------------------------------------------------------------------------

IMPORT_COLUMNS = ("plate", *(name for name in FineCreate.model_fields if name != "vehicle_id"))
IMPORT_REQUIRED = ("plate", "occurred_at", "amount")
IMPORT_IGNORED = exported_only(FineRead, IMPORT_COLUMNS)  # a file exported from the list


def import_fines(
    *, session: Session, actor: Actor, content: bytes, dry_run: bool, default_offset
) -> int:
    """Every row as `create_fine` takes it, or none (422 lists each bad line)."""
    file = read_csv(
        content, columns=IMPORT_COLUMNS, required=IMPORT_REQUIRED, ignored=IMPORT_IGNORED
    )
    plates = vehicle_plates(session)

    def parse(cells: dict[str, str]) -> FineCreate:
        vehicle = vehicle_id(cells, plates)
        if "amount" in cells:
            cells["amount"] = number(cells["amount"], file.decimal_comma)
        if "points" in cells:
            cells["points"] = whole_number(cells["points"], file.decimal_comma, "points")
        if "occurred_at" in cells:
            cells["occurred_at"] = moment(cells["occurred_at"])
        for name in ("due_on", "notice_received_on"):
            if name in cells:
                cells[name] = day(cells[name])
        return FineCreate(vehicle_id=vehicle, **cells)

    rows = parse_rows(file, parse)
    if file.errors:
        raise ImportRefused(file.errors)
    write_rows(
        session,
        file,
        rows,
        lambda data: create_fine(
            session=session, actor=actor, data=data, default_offset=default_offset
        ),
    )
    if dry_run:
        session.rollback()
    return len(rows)
