"""Inspections and defects: a failed item opens a defect; an unresolved critical defect puts the
vehicle in maintenance and blocks its check-out; a service record resolves defects; the
vehicle is available again when none is left and a manager says so."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from sqlalchemy import ARRAY, Integer, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.actor import NO_DRIVER_RECORD, OWN_DRIVER_ID, Actor
from api.db import constraint_name, get_or_404
from api.drivers.models import Driver
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.inspections.models import (
    UNRESOLVED,
    Defect,
    DefectStatus,
    Inspection,
    InspectionTemplate,
    ItemResult,
    Phase,
    Severity,
)
from api.inspections.schemas import DefectCreate, DefectUpdate, InspectionCreate, TemplateCreate
from api.lists import Eq, Filters, Flag
from api.params import IdFilter
from api.photos.models import Photo
from api.trips.models import Trip
from api.vehicles.models import Vehicle, VehicleStatus
from api.vehicles.service import check_of_vehicle, lock_named_vehicle, unresolved_critical

CHECK_OUT_WINDOW = timedelta(hours=12)  # a required inspection counts this long for a check-out


# ---- templates -------------------------------------------------------------------------------


def create_template(*, session: Session, data: TemplateCreate) -> InspectionTemplate:
    template = InspectionTemplate(
        name=data.name,
        items=[item.model_dump() for item in data.items],
        required_at_check_out=data.required_at_check_out,
    )
    session.add(template)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        if constraint_name(exc) == "uq_inspection_templates_name":
            raise Conflict(f"A template named {data.name!r} already exists") from exc
        raise
    return template


def get_template(session: Session, template_id: int) -> InspectionTemplate:
    return get_or_404(session, InspectionTemplate, template_id)


# ---- the rules the trips follow --------------------------------------------------------------


def check_out_allowed(session: Session, vehicle: Vehicle, now: datetime) -> None:
    """409 when the vehicle has an unresolved critical defect, or lacks an inspection that a
    template requires before check-out (of the last 12 hours)."""
    defect = unresolved_critical(session, vehicle.id)
    if defect is not None:
        raise Conflict(
            f"Vehicle {vehicle.plate} has an open critical defect #{defect.id}: "
            f"{defect.description}; a service record must resolve it first"
        )
    required = session.execute(
        select(InspectionTemplate).where(InspectionTemplate.required_at_check_out)
    ).scalars()
    for template in required:
        done = session.execute(
            select(Inspection.id)
            .where(
                Inspection.vehicle_id == vehicle.id,
                Inspection.template_id == template.id,
                Inspection.phase == Phase.check_out,
                Inspection.performed_at >= now - CHECK_OUT_WINDOW,
            )
            .limit(1)
        ).first()
        if done is None:
            raise Conflict(
                f"Vehicle {vehicle.plate} needs the inspection {template.name!r} "
                f"(template {template.id}) in the last 12 hours before a check-out"
            )


def status_after_trip(session: Session, vehicle: Vehicle) -> VehicleStatus:
    """A vehicle back from a trip with an unresolved critical defect stays off the road."""
    if unresolved_critical(session, vehicle.id) is not None:
        return VehicleStatus.maintenance
    return VehicleStatus.available


def _to_maintenance(vehicle: Vehicle) -> None:
    if vehicle.status == VehicleStatus.available:
        vehicle.status = VehicleStatus.maintenance


# ---- inspections -----------------------------------------------------------------------------


def visible_to(query, actor: Actor):
    """Drivers see the inspections they made; managers all."""
    if not actor.is_driver:
        return query
    return query.where(Inspection.driver_id == bindparam(OWN_DRIVER_ID, actor.driver_id or 0))


def defect_ids_column():
    """An inspection's defects, as a column (for its JSON and the list)."""
    ids = select(Defect.id).where(Defect.inspection_id == Inspection.id).order_by(Defect.id)
    return func.array(ids.scalar_subquery(), type_=ARRAY(Integer))


def create_inspection(*, session: Session, actor: Actor, data: InspectionCreate) -> Inspection:
    vehicle = lock_named_vehicle(session, data.vehicle_id)
    if vehicle.status == VehicleStatus.retired:
        raise Conflict(f"Vehicle {vehicle.plate} is retired")
    template = session.get(InspectionTemplate, data.template_id)
    if template is None:
        raise Invalid(f"Inspection template {data.template_id} does not exist")
    if actor.is_driver:
        if actor.driver_id is None:
            raise Conflict(NO_DRIVER_RECORD)
        if data.driver_id not in (None, actor.driver_id):
            raise Forbidden("Drivers inspect for themselves; leave driver_id out")
        driver_id = actor.driver_id
    else:
        driver_id = data.driver_id
        if driver_id is not None and session.get(Driver, driver_id) is None:
            raise Invalid(f"Driver {driver_id} does not exist")
    if data.odometer_km < vehicle.odometer_km:
        raise Invalid(
            f"odometer_km {data.odometer_km} is below the vehicle's {vehicle.odometer_km} km"
        )
    items = {item["key"]: item for item in template.items}
    keys = [result.key for result in data.results]
    missing = [key for key in items if key not in keys]
    unknown = [key for key in keys if key not in items]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if missing or unknown or twice:
        problems = [
            f"{what}: {', '.join(found)}"
            for what, found in (
                ("missing", missing),
                ("not in the template", unknown),
                ("twice", twice),
            )
            if found
        ]
        raise Invalid(f"Every item of the template once ({'; '.join(problems)})")
    photo_ids = [r.photo_id for r in data.results if r.photo_id is not None]
    check_of_vehicle(session, Photo, photo_ids, vehicle.id, "Photo")
    trip = session.execute(
        select(Trip).where(Trip.vehicle_id == vehicle.id, Trip.finished_at.is_(None))
    ).scalar_one_or_none()
    inspection = Inspection(
        vehicle_id=vehicle.id,
        driver_id=driver_id,
        trip_id=trip.id if trip is not None else None,
        template_id=template.id,
        phase=data.phase,
        odometer_km=data.odometer_km,
        performed_at=datetime.now(UTC),
        results=[r.model_dump(mode="json") for r in data.results],
        created_by_user_id=actor.id,
    )
    session.add(inspection)
    session.flush()
    for result in data.results:
        if result.result != ItemResult.failed:
            continue
        item = items[result.key]
        description = item["label"] + (f": {result.note}" if result.note else "")
        session.add(
            Defect(
                vehicle_id=vehicle.id,
                inspection_id=inspection.id,
                item_key=result.key,
                description=description[:2000],
                severity=Severity.critical if item["critical"] else Severity.minor,
                created_by_user_id=actor.id,
            )
        )
        if item["critical"]:
            _to_maintenance(vehicle)
    session.flush()
    return inspection


def read_inspection(session: Session, inspection_id: int, actor: Actor) -> dict:
    query = visible_to(
        select(Inspection, defect_ids_column().label("defect_ids")).where(
            Inspection.id == inspection_id
        ),
        actor,
    )
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"Inspection {inspection_id} not found")
    inspection, defect_ids = row
    return {
        **{c.key: getattr(inspection, c.key) for c in Inspection.__table__.c},
        "defect_ids": list(defect_ids),
    }


def inspections_query(shape: frozenset[str]):
    return select(Inspection, defect_ids_column().label("defect_ids")).order_by(
        Inspection.performed_at.desc(), Inspection.id.desc()
    )


class InspectionFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Inspection.vehicle_id)] = None
    driver_id: Annotated[IdFilter, Eq(Inspection.driver_id)] = None
    template_id: Annotated[IdFilter, Eq(Inspection.template_id)] = None
    phase: Annotated[Phase | None, Eq(Inspection.phase)] = None


# ---- defects ---------------------------------------------------------------------------------


def get_defect(session: Session, defect_id: int, for_update: bool = False) -> Defect:
    return get_or_404(session, Defect, defect_id, for_update=for_update)


def create_defect(*, session: Session, actor: Actor, data: DefectCreate) -> Defect:
    """A defect reported by hand (a driver or a manager); a critical one grounds the vehicle."""
    vehicle = lock_named_vehicle(session, data.vehicle_id)
    defect = Defect(
        vehicle_id=vehicle.id,
        description=data.description,
        severity=data.severity,
        created_by_user_id=actor.id,
    )
    session.add(defect)
    if data.severity == Severity.critical:
        _to_maintenance(vehicle)
    session.flush()
    return defect


def update_defect(*, session: Session, defect: Defect, data: DefectUpdate) -> Defect:
    changes = data.model_dump(exclude_unset=True)
    for field in ("status", "severity", "description"):
        if field in changes and changes[field] is None:
            raise Invalid(f"{field} cannot be null")
    vehicle = lock_named_vehicle(session, defect.vehicle_id)
    for field, value in changes.items():
        setattr(defect, field, value)
    if "status" in changes:
        defect.resolved_at = datetime.now(UTC) if defect.status == "resolved" else None
        if defect.status != "resolved":
            defect.resolved_by_service_record_id = None
    if defect.severity == Severity.critical and defect.status in UNRESOLVED:
        _to_maintenance(vehicle)
    session.flush()
    return defect


def resolve_by_record(session: Session, record, defect_ids: list[int]) -> None:
    """A service record fixed these defects (of its vehicle, unresolved)."""
    if not defect_ids:
        return
    defects = (
        session.execute(select(Defect).where(Defect.id.in_(defect_ids)).with_for_update())
        .scalars()
        .all()
    )
    found = {defect.id: defect for defect in defects}
    wrong = [i for i in defect_ids if i not in found or found[i].vehicle_id != record.vehicle_id]
    if wrong:
        raise Invalid(
            f"Defect {', '.join(map(str, wrong))}: not a defect of vehicle {record.vehicle_id}"
        )
    done = [i for i in defect_ids if found[i].status not in UNRESOLVED]
    if done:
        raise Conflict(f"Defect {', '.join(map(str, done))} is already {found[done[0]].status}")
    now = datetime.now(UTC)
    for defect in defects:
        defect.status = DefectStatus.resolved
        defect.resolved_by_service_record_id = record.id
        defect.resolved_at = now


# A list's statement is compiled to text once: `or_`, not an expanding `IN`.
_UNRESOLVED = or_(*(Defect.status == status for status in UNRESOLVED))


def defects_query(shape: frozenset[str]):
    """Unresolved first (critical before minor), then newest."""
    return select(Defect).order_by(
        _UNRESOLVED.desc(), (Defect.severity == "critical").desc(), Defect.id.desc()
    )


class DefectFilters(Filters):
    vehicle_id: Annotated[IdFilter, Eq(Defect.vehicle_id)] = None
    inspection_id: Annotated[IdFilter, Eq(Defect.inspection_id)] = None
    status: Annotated[DefectStatus | None, Eq(Defect.status)] = None
    severity: Annotated[Severity | None, Eq(Defect.severity)] = None
    unresolved: Annotated[bool, Flag(_UNRESOLVED)] = False
